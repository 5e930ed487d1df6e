package storetest

import (
	"fmt"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// PruneAudit deletes events by age and by count, newest kept, without
// moving the revision.
func testAuditRetention(t *testing.T, s ff.Store) {
	p, ok := s.(ff.AuditPruner)
	if !ok {
		t.Fatalf("%T does not implement AuditPruner", s)
	}
	addEnvs(t, s, "development", "production")
	at := func(i int) time.Time { return now.Add(time.Duration(i) * time.Hour) }
	for i := 1; i <= 6; i++ {
		ev := &ff.AuditEvent{Time: at(i), Action: "flag.create", TargetType: "flag", TargetID: fmt.Sprint(i)}
		must(t, s.CreateFlag(ff.WithAudit(ctx(t), ev), newFlag(fmt.Sprintf("f%d", i))))
	}
	rev := revision(t, s)
	prune := func(before time.Time, keep int, wantDeleted int64, wantLeft ...string) {
		t.Helper()
		n, err := p.PruneAudit(ctx(t), before, keep)
		must(t, err)
		events, _, err := s.ListAudit(ctx(t), ff.AuditFilter{Limit: 100})
		must(t, err)
		var left []string
		for _, ev := range events {
			left = append(left, ev.TargetID)
		}
		if n != wantDeleted || fmt.Sprint(left) != fmt.Sprint(wantLeft) {
			t.Fatalf("PruneAudit(%v, %d) deleted %d, left %v; want %d and %v", before, keep, n, left, wantDeleted, wantLeft)
		}
	}
	prune(time.Time{}, 0, 0, "6", "5", "4", "3", "2", "1")
	prune(at(3), 0, 2, "6", "5", "4", "3")
	prune(time.Time{}, 10, 0, "6", "5", "4", "3")
	prune(time.Time{}, 2, 2, "6", "5")
	prune(at(6), 1, 1, "6")
	if got := revision(t, s); got != rev {
		t.Fatalf("pruning moved the revision from %d to %d", rev, got)
	}
}
