package usage

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/view"
	"github.com/featureflags/featureflags/store/sqlite"
)

// storeBox lets the test swap stores of different types atomically.
type storeBox struct{ ff.Store }

type rig struct {
	c     *Collector
	snap  atomic.Pointer[eval.Snapshot]
	store atomic.Pointer[storeBox]
	now   time.Time
	flags []*ff.Flag
	db    *sqlite.Store
}

func newRig(t *testing.T) *rig {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ff.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &rig{db: db, now: time.Date(2026, 5, 1, 10, 30, 0, 0, time.UTC)}
	r.flags = []*ff.Flag{
		{ID: "id-a", Name: "a", Environments: map[string]bool{"production": true}},
		{ID: "id-b", Name: "b", Environments: map[string]bool{"production": false}},
	}
	r.snap.Store(eval.Compile(r.flags, nil, []string{"production"}, 1))
	r.store.Store(&storeBox{db})
	r.c = New(Config{
		Snapshot: r.snap.Load,
		FlagID:   r.flagID,
		Store:    func() ff.Store { return r.store.Load().Store },
		Now:      func() time.Time { return r.now },
	})
	return r
}

// flagID is the id of r's flag named name.
func (r *rig) flagID(name string) (string, bool) {
	for _, f := range r.flags {
		if f.Name == name {
			return f.ID, true
		}
	}
	return "", false
}

func (r *rig) usage(t *testing.T) map[string]int64 {
	t.Helper()
	bs, err := r.db.Usage(t.Context(), ff.UsageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int64{}
	for _, b := range bs {
		m[b.FlagID+"/"+b.Environment+"/"+b.Variant+"/"+b.Reason+"@"+b.Hour.Format("15")] += b.Count
	}
	return m
}

func expect(t *testing.T, got, want map[string]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("usage %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

func TestFlushWritesCountsByFlagID(t *testing.T) {
	r := newRig(t)
	s := r.snap.Load()
	for i := 0; i < 3; i++ {
		s.Evaluate("production", "a", nil)
	}
	s.Evaluate("production", "b", nil)
	if err := r.c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(time.Hour)
	s.Evaluate("production", "a", nil)
	if err := r.c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	expect(t, r.usage(t), map[string]int64{
		"id-a/production/on/STATIC@10":    3,
		"id-b/production/off/DISABLED@10": 1,
		"id-a/production/on/STATIC@11":    1,
	})
	last, err := r.c.LastEvaluated(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := last["id-a"]["production"]; !got.Equal(r.now) {
		t.Errorf("a last evaluated %v, want %v", got, r.now)
	}
	if got := last["id-b"]["production"]; !got.Equal(r.now.Add(-time.Hour)) {
		t.Errorf("b last evaluated %v, want %v", got, r.now.Add(-time.Hour))
	}
}

// Evaluations on a snapshot that was replaced before the flush still count.
func TestFlushDrainsReplacedSnapshots(t *testing.T) {
	r := newRig(t)
	old := r.snap.Load()
	r.c.Retire() // the collector sees the first snapshot
	old.Evaluate("production", "a", nil)
	r.snap.Store(eval.Compile(r.flags, nil, []string{"production"}, 2))
	r.c.Retire()
	old.Evaluate("production", "a", nil) // a request still on the old one
	r.snap.Load().Evaluate("production", "a", nil)
	if err := r.c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	expect(t, r.usage(t), map[string]int64{"id-a/production/on/STATIC@10": 3})
}

// A chain of snapshots, each With one change (more than maxRetired of
// them), evaluated as they come and go: every evaluation counts once.
func TestFlushDrainsAChainOfChanges(t *testing.T) {
	r := newRig(t)
	r.c.Retire()
	var snaps []*eval.Snapshot
	for i := range 3 * maxRetired {
		s := r.snap.Load()
		snaps = append(snaps, s)
		s.Evaluate("production", "a", nil)
		s.Evaluate("production", "b", nil)
		changed := *r.flags[1] // b changes, a stays shared
		changed.Description = fmt.Sprint("change ", i)
		r.snap.Store(s.With("b", &changed, int64(i+2)))
		r.c.Retire()
	}
	for _, s := range snaps { // requests still on old snapshots
		s.Evaluate("production", "a", nil)
	}
	if err := r.c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	n := int64(len(snaps))
	expect(t, r.usage(t), map[string]int64{"id-a/production/on/STATIC@10": 2 * n, "id-b/production/off/DISABLED@10": n})
}

// Without a store counts wait, bounded by MaxPending, and reach it later.
func TestFlushKeepsCountsWhileStoreIsAway(t *testing.T) {
	r := newRig(t)
	r.c.cfg.MaxPending = 1
	r.store.Store(&storeBox{view.Unavailable{}})
	s := r.snap.Load()
	s.Evaluate("production", "a", nil)
	s.Evaluate("production", "a", nil)
	if err := r.c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Evaluate("production", "b", nil) // a second bucket: over MaxPending
	if err := r.c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	r.store.Store(&storeBox{r.db})
	if err := r.c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	expect(t, r.usage(t), map[string]int64{"id-a/production/on/STATIC@10": 2})
}

func TestReportAddsSDKCounts(t *testing.T) {
	r := newRig(t)
	r.c.Report("production", []eval.Count{
		{Flag: "a", Variant: "on", Reason: "STATIC", N: 40},
		{Flag: "gone", Variant: "on", Reason: "STATIC", N: 1},
	})
	if err := r.c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	expect(t, r.usage(t), map[string]int64{"id-a/production/on/STATIC@10": 40})
}
