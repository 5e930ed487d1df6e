package gcfloor

import (
	"runtime"
	"runtime/debug"
	"testing"
)

const mb = 1 << 20

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		live, headroom uint64
		want           int
	}{
		{6 * mb, 32 * mb, 534},   // 6 MB may grow by 32: 533.3 rounded up
		{8 * mb, 32 * mb, 400},   // exactly
		{32 * mb, 32 * mb, 100},  // as large as the headroom: Go's default
		{160 * mb, 32 * mb, 100}, // larger: Go's default, never less
		{20 * mb, 32 * mb, 160},
		{0, 32 * mb, 100}, // no collection yet
		{6 * mb, 0, 100},  // no floor
	} {
		if got := Percent(c.live, c.headroom); got != c.want {
			t.Errorf("Percent(%d MB, %d MB) = %d, want %d", c.live/mb, c.headroom/mb, got, c.want)
		}
		if p := Percent(c.live, c.headroom); c.live > 0 && c.headroom > c.live && c.live*uint64(p)/100 < c.headroom {
			t.Errorf("Percent(%d MB, %d MB) = %d leaves less than the headroom", c.live/mb, c.headroom/mb, p)
		}
	}
}

func TestAdjustFollowsTheLiveHeap(t *testing.T) {
	var live uint64
	var sets []int
	f := newFloor(32*mb, func() uint64 { return live }, func(p int) { sets = append(sets, p) })
	for _, step := range []struct {
		live    uint64
		percent int
		set     bool
	}{
		{6 * mb, 534, true},
		{6*mb + mb/2, 534, false}, // 493 is within an eighth of 534: no stop of the world
		{4 * mb, 800, true},
		{16 * mb, 200, true},
		{40 * mb, 100, true}, // back to Go's default
		{80 * mb, 100, false},
		{30 * mb, 100, false}, // 107 is within an eighth of 100
		{28 * mb, 115, true},
	} {
		live = step.live
		n := len(sets)
		f.Adjust()
		if f.Percent() != step.percent {
			t.Fatalf("live %.1f MB: GOGC %d, want %d", float64(step.live)/mb, f.Percent(), step.percent)
		}
		if set := len(sets) > n; set != step.set {
			t.Fatalf("live %.1f MB: set %v, want %v", float64(step.live)/mb, set, step.set)
		}
		if step.set && sets[len(sets)-1] != step.percent {
			t.Fatalf("live %.1f MB: set GOGC %d, want %d", float64(step.live)/mb, sets[len(sets)-1], step.percent)
		}
	}
}

// TestNewSetsTheProcessGOGC runs the real floor: after a collection of
// this small test heap, GOGC is what Percent gives for it.
func TestNewSetsTheProcessGOGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(DefaultPercent))
	runtime.GC()
	live := liveHeap()
	if live == 0 || live > 64*mb {
		t.Fatalf("live heap %d bytes: the metric is not read", live)
	}
	f := New(64 * mb)
	f.Adjust()
	want := Percent(live, 64*mb)
	if got := debug.SetGCPercent(want); got != want || f.Percent() != want {
		t.Fatalf("GOGC %d (floor says %d), want %d for a live heap of %d bytes", got, f.Percent(), want, live)
	}
}
