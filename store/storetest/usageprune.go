package storetest

import (
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// Pruning usage deletes exactly the buckets of hours before the cut-off,
// of every flag and environment, and moves no revision.
func testUsagePrune(t *testing.T, s ff.Store) {
	us := usageStore(t, s)
	pruner, ok := s.(ff.UsagePruner)
	if !ok {
		t.Fatalf("%T does not implement featureflags.UsagePruner", s)
	}
	h := ff.UsageHour(now)
	must(t, us.AddUsage(ctx(t), []ff.UsageBucket{
		bucket("f1", "production", h.Add(-3*time.Hour), "on", 1),
		bucket("f1", "staging", h.Add(-2*time.Hour), "on", 2),
		bucket("f2", "production", h.Add(-2*time.Hour), "off", 3),
		bucket("f1", "production", h.Add(-time.Hour), "on", 4),
		bucket("f2", "production", h, "on", 5),
	}))
	rev, err := s.Revision(ctx(t))
	must(t, err)
	n, err := pruner.PruneUsage(ctx(t), h.Add(-time.Hour))
	must(t, err)
	if n != 3 {
		t.Errorf("PruneUsage deleted %d buckets, want 3", n)
	}
	got, err := us.Usage(ctx(t), ff.UsageFilter{})
	must(t, err)
	if len(got) != 2 || got[0].Count != 4 || got[1].Count != 5 {
		t.Fatalf("after pruning:\n%s\nwant the buckets of the last two hours", dump(got))
	}
	if n, err := pruner.PruneUsage(ctx(t), h.Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("pruning again deleted %d (%v), want 0", n, err)
	}
	if after, err := s.Revision(ctx(t)); err != nil || after != rev {
		t.Errorf("revision moved from %d to %d (%v): pruning usage is bookkeeping", rev, after, err)
	}
}
