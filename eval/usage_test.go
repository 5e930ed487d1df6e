package eval

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/featureflags/featureflags"
)

// drained collects a snapshot's counts by environment/flag/variant/reason/error.
func drained(s *Snapshot) map[Count]uint64 {
	m := map[Count]uint64{}
	s.Drain(func(c Count) {
		n := c.N
		c.N = 0
		m[c] += n
	})
	return m
}

func TestDrainCountsEveryServedResultOnce(t *testing.T) {
	f := flagOn("f", featureflags.TypeString, map[string]any{"a": "A", "b": "B"}, &featureflags.Targeting{
		Rules:        []featureflags.Rule{serveRule("b", cond("country", "eq", "NZ"))},
		DefaultServe: split("", "a", 100.0, "b", 0.0),
	})
	snap := mustCompile(t, []*featureflags.Flag{f, flagOn("g", "", nil, nil)})
	for i := 0; i < 3; i++ {
		snap.Evaluate(prod, "f", Context{"country": "NZ"})
	}
	snap.Evaluate(prod, "f", Context{"targetingKey": "k"})
	snap.Evaluate(prod, "f", Context{})      // no targeting key: an error
	snap.Evaluate("staging", "f", Context{}) // off there
	snap.EvaluateAll(prod, Context{"targetingKey": "k"}, nil)
	got := drained(snap)
	want := map[Count]uint64{
		{Environment: prod, Flag: "f", Variant: "b", Reason: ReasonTargetingMatch}:               3,
		{Environment: prod, Flag: "f", Variant: "a", Reason: ReasonSplit}:                        2,
		{Environment: prod, Flag: "f", Reason: ReasonError, ErrorCode: ErrorTargetingKeyMissing}: 1,
		{Environment: "staging", Flag: "f", Variant: "a", Reason: ReasonDisabled}:                1,
		{Environment: prod, Flag: "g", Variant: "on", Reason: ReasonStatic}:                      1,
	}
	if len(got) != len(want) {
		t.Fatalf("drained %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%+v: %d, want %d", k, got[k], n)
		}
	}
	if again := drained(snap); len(again) != 0 {
		t.Errorf("a second drain found %v; counts must reset", again)
	}
}

func TestWithoutCountingCountsNothing(t *testing.T) {
	snap := mustCompile(t, []*featureflags.Flag{flagOn("g", "", nil, nil)})
	quiet := snap.WithoutCounting()
	if r := quiet.Evaluate(prod, "g", nil); r.Variant != "on" {
		t.Fatalf("evaluate: %+v", r)
	}
	if got := drained(snap); len(got) != 0 {
		t.Errorf("counted %v", got)
	}
}

// Snapshots that share compiled flags (With) report each evaluation once,
// and concurrent evaluations and drains lose none.
func TestDrainConcurrentWithSharedSnapshots(t *testing.T) {
	a := mustCompile(t, []*featureflags.Flag{flagOn("g", "", nil, nil)})
	b := a.With("", flagOn("h", "", nil, nil), 8)
	const workers, each = 4, 2000
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(s *Snapshot) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				s.Resolve(prod, "g", nil)
			}
		}([]*Snapshot{a, b}[w%2])
	}
	total := drainWhile(&wg, a, b)
	if total != workers*each {
		t.Errorf("drained %d evaluations, want %d", total, workers*each)
	}
}

// Archived flags evaluate as not found, compiled whole or one at a time.
func TestArchivedFlagsAreNotFound(t *testing.T) {
	archived := flagOn("old", "", nil, nil)
	archived.ArchivedAt = &time.Time{}
	snap := mustCompile(t, []*featureflags.Flag{archived, flagOn("g", "", nil, nil)})
	if r := snap.Evaluate(prod, "old", nil); r.ErrorCode != ErrorFlagNotFound {
		t.Errorf("compiled archived flag: %+v", r)
	}
	live := mustCompile(t, []*featureflags.Flag{flagOn("old", "", nil, nil)})
	if r := live.With("old", archived, 9).Evaluate(prod, "old", nil); r.ErrorCode != ErrorFlagNotFound {
		t.Errorf("archived through With: %+v", r)
	}
	// The view names no old key when the name stays: archiving alone hides it.
	if r := live.With("", archived, 9).Evaluate(prod, "old", nil); r.ErrorCode != ErrorFlagNotFound {
		t.Errorf("archived through With, same name: %+v", r)
	}
}

// TestDrainReplaced: draining a replaced snapshot reports the counts of
// the flag the change replaced, which the new snapshot no longer holds,
// and leaves those of the flags both share to the new snapshot's drain:
// together every evaluation is reported once.
func TestDrainReplaced(t *testing.T) {
	var flags []*featureflags.Flag
	for i := range 1000 {
		flags = append(flags, flagOn(fmt.Sprintf("f%04d", i), "", nil, nil))
	}
	old := mustCompile(t, flags)
	old.Evaluate(prod, "f0000", nil)
	old.Evaluate(prod, "f0999", nil)
	changed := flagOn("f0000", "", nil, nil)
	changed.Environments[prod] = false
	cur := old.With("f0000", changed, 2)
	cur.Evaluate(prod, "f0999", nil)

	got := map[string]uint64{}
	old.DrainReplaced(cur, func(c Count) { got[c.Flag] += c.N })
	if got["f0000"] != 1 || got["f0999"] != 0 {
		t.Fatalf("the replaced snapshot drained %v, want f0000 once and not the shared f0999", got)
	}
	cur.Drain(func(c Count) { got[c.Flag] += c.N })
	if got["f0000"] != 1 || got["f0999"] != 2 {
		t.Fatalf("with the new snapshot's drain: %v, want f0000 1 and f0999 2", got)
	}
	all := map[string]uint64{}
	old.Evaluate(prod, "f0999", nil)
	old.DrainReplaced(mustCompile(t, flags), func(c Count) { all[c.Flag] += c.N })
	if all["f0999"] != 1 {
		t.Fatalf("against an unrelated snapshot every flag is drained; got %v", all)
	}
}

// drainWhile drains snaps over and over until wg's goroutines are done,
// then once more, and returns the evaluations drained in all.
func drainWhile(wg *sync.WaitGroup, snaps ...*Snapshot) uint64 {
	var total uint64
	add := func(c Count) { total += c.N }
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		for _, s := range snaps {
			s.Drain(add)
		}
	}
	return total
}
