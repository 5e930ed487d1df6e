// Package gcfloor keeps a server whose live heap is small from collecting
// garbage many times a second.
//
// Go's default (GOGC=100) starts a collection each time the heap has grown
// by as much as is live. A server of 1,000 flags keeps about 6 MB live and
// allocates some hundreds of bytes per evaluation, so under 40,000
// evaluations a second it collected about 20 times a second, each time
// marking its whole snapshot: about 5 % of its CPU. A Floor raises GOGC so
// that the heap may grow by at least its headroom between collections, and
// gives Go's default back once the live heap is larger than the headroom,
// so a large server's memory is what it was (100,000 flags keep about
// 160 MB live and collect at GOGC=100).
package gcfloor

import (
	"runtime/debug"
	"runtime/metrics"
)

// DefaultPercent is Go's GOGC when the environment does not set it.
const DefaultPercent = 100

// Percent is the GOGC that lets a heap of live bytes grow by at least
// headroom bytes before the next collection, and never less than Go's
// default. headroom*100 must fit in a uint64 (the server bounds it to
// 1 TiB).
func Percent(live, headroom uint64) int {
	if live == 0 || headroom <= live {
		return DefaultPercent
	}
	return max(DefaultPercent, int((headroom*100+live-1)/live))
}

// Floor sets GOGC from the live heap each time Adjust is called.
type Floor struct {
	headroom uint64
	live     func() uint64
	set      func(percent int)
	percent  int // the GOGC in force
}

// New returns a floor of headroom bytes over the process's live heap. It
// changes nothing until Adjust.
func New(headroom uint64) *Floor {
	return newFloor(headroom, liveHeap, func(p int) { debug.SetGCPercent(p) })
}

func newFloor(headroom uint64, live func() uint64, set func(int)) *Floor {
	return &Floor{headroom: headroom, live: live, set: set, percent: DefaultPercent}
}

// Adjust sets GOGC for the live heap the last collection found. Setting
// GOGC stops the world for a moment, so it is set only when the right
// value has moved by more than an eighth from the one in force.
func (f *Floor) Adjust() {
	p := Percent(f.live(), f.headroom)
	if p != f.percent && (p == DefaultPercent || 8*abs(p-f.percent) > f.percent) {
		f.set(p)
		f.percent = p
	}
}

func abs(n int) int { return max(n, -n) }

// Percent is the GOGC in force.
func (f *Floor) Percent() int { return f.percent }

// liveHeap is the heap the last collection marked live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
