package usage

import (
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

func TestPruneKeepsRetention(t *testing.T) {
	r := newRig(t)
	h := ff.UsageHour(r.now)
	old := []ff.UsageBucket{
		{FlagID: "id-a", Environment: "production", Hour: h.Add(-91 * 24 * time.Hour), Reason: "STATIC", Variant: "on", Count: 1},
		{FlagID: "id-b", Environment: "production", Hour: h.Add(-90*24*time.Hour - time.Hour), Reason: "DISABLED", Variant: "off", Count: 2},
	}
	kept := []ff.UsageBucket{
		{FlagID: "id-a", Environment: "production", Hour: h.Add(-90 * 24 * time.Hour), Reason: "STATIC", Variant: "on", Count: 3},
		{FlagID: "id-a", Environment: "production", Hour: h, Reason: "STATIC", Variant: "on", Count: 4},
	}
	if err := r.db.AddUsage(t.Context(), append(old, kept...)); err != nil {
		t.Fatal(err)
	}
	if n, err := r.c.Prune(t.Context()); err != nil || n != 0 {
		t.Fatalf("Prune without a retention deleted %d (%v)", n, err)
	}
	r.c.cfg.Retention = 90 * 24 * time.Hour
	if n, err := r.c.Prune(t.Context()); err != nil || n != 2 {
		t.Fatalf("Prune deleted %d (%v), want the 2 buckets older than 90 days", n, err)
	}
	left, err := r.db.Usage(t.Context(), ff.UsageFilter{})
	if err != nil || len(left) != 2 || left[0].Count != 3 || left[1].Count != 4 {
		t.Fatalf("left %+v (%v), want the last 90 days' buckets", left, err)
	}
	r.store.Store(&storeBox{nil}) // no store: nothing to do, no error
	if n, err := r.c.Prune(t.Context()); err != nil || n != 0 {
		t.Fatalf("Prune without a store: %d, %v", n, err)
	}
}
