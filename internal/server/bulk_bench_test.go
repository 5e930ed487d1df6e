package server

import (
	"fmt"
	"net/http"
	"runtime"
	"syscall"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkBulkEncode100k measures the CPU of one bulk answer of 100,000
// flags, nine in ten without targeting and the rest with a 50/50 rollout,
// each answer for another targeting key (floor: 10 ms/op), once the
// snapshot has answered once.
func BenchmarkBulkEncode100k(b *testing.B) {
	flags := make([]*ff.Flag, 100000)
	split := &ff.Serve{Rollout: &ff.Rollout{Variants: []ff.WeightedVariant{{Variant: "on", Weight: 50}, {Variant: "off", Weight: 50}}}}
	for i := range flags {
		f := &ff.Flag{ID: fmt.Sprintf("id-%06d", i), Name: fmt.Sprintf("flag-%06d", i), Environments: map[string]bool{"production": i%7 != 0}}
		if i%10 == 0 {
			f.Targeting = map[string]*ff.Targeting{"production": {DefaultServe: split}}
		}
		flags[i] = f
	}
	snap := eval.Compile(flags, nil, []string{"production"}, 1)
	w := &discard{h: http.Header{}}
	// The first answer of a snapshot also encodes each leaf's runs of
	// flags without targeting, which later answers (and snapshots sharing
	// the leaf) copy: it is reported apart, as first-cpu-ms.
	// The compile's garbage is collected first: its collection, by the
	// runtime's background workers, is no part of an answer's CPU.
	runtime.GC()
	cpu := cpuTime()
	buf := writeBulk(w, snap, "production", eval.Context{"targetingKey": "user-first"}, make([]byte, 0, 64<<10), nil)
	first := cpuTime() - cpu
	b.ReportAllocs()
	cpu = cpuTime()
	for i := 0; b.Loop(); i++ {
		buf = writeBulk(w, snap, "production", eval.Context{"targetingKey": fmt.Sprint("user-", i)}, buf, nil)
	}
	// The machine may be shared: CPU time, not wall time, is the cost.
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(first.Microseconds())/1000, "first-cpu-ms")
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// WriteBulk is writeBulk for the benchmarks of package server_test, which
// hold the flags the wrk floors use.
var WriteBulk = writeBulk

// NewDiscard returns a discard for package server_test.
func NewDiscard() http.ResponseWriter { return &discard{h: http.Header{}} }
