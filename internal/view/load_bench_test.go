package view_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/view"
	"github.com/featureflags/featureflags/store/sqlite"
)

// BenchmarkLoad100k loads a SQLite store of 100,000 flags (nine in ten
// without targeting, in the three default environments) into a view, as a
// server's start does, and reports the CPU each step takes (store-cpu-ms:
// reading and decoding the rows; view-cpu-ms: completing the flags, their
// maps and the compiled snapshot), what the load allocates (alloc-MB) and
// what the view keeps (heap-MB, after a collection):
//
//	go test -run '^$' -bench Load100k -benchtime 3x ./internal/view/
//
// CPU time rather than wall time, so that a shared machine's waiting is
// left out; BenchmarkScale100k measures the whole start on the binary.
func BenchmarkLoad100k(b *testing.B) {
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "flags.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := service.New(st).Init(b.Context()); err != nil {
		b.Fatal(err)
	}
	if err := st.Import(b.Context(), &ff.Dataset{Flags: loadFlags(100000)}); err != nil {
		b.Fatal(err)
	}
	var storeCPU, viewCPU time.Duration
	var allocated, kept uint64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := cpuTime()
		d, err := st.Load(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		loaded := cpuTime()
		v := view.New(d, nil)
		done := cpuTime()
		runtime.ReadMemStats(&after)
		allocated += after.TotalAlloc - before.TotalAlloc
		runtime.GC()
		runtime.ReadMemStats(&after)
		kept += after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(v)
		storeCPU += loaded - start
		viewCPU += done - loaded
	}
	n := float64(b.N)
	b.ReportMetric(float64(storeCPU.Milliseconds())/n, "store-cpu-ms")
	b.ReportMetric(float64(viewCPU.Milliseconds())/n, "view-cpu-ms")
	b.ReportMetric(float64(allocated)/n/(1<<20), "alloc-MB")
	b.ReportMetric(float64(kept)/n/(1<<20), "heap-MB")
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadFlags returns n boolean flags of which one in ten has targeting in
// production: rules and a percentage rollout.
func loadFlags(n int) []*ff.Flag {
	now := time.Now().UTC().Truncate(time.Millisecond)
	flags := make([]*ff.Flag, n)
	for i := range flags {
		f := &ff.Flag{ID: ff.NewID(), Name: fmt.Sprintf("flag-%06d", i), Type: ff.TypeBoolean, Version: 1, CreatedAt: now, UpdatedAt: now,
			Description: "a flag of the benchmark", Environments: map[string]bool{"development": true, "staging": true, "production": i%3 != 0}}
		if i%10 == 0 {
			f.Targeting = map[string]*ff.Targeting{"production": {
				Rules:        []ff.Rule{{Conditions: []ff.Condition{{Attribute: "country", Operator: "in", Value: []any{"NZ", "AU"}}}, Serve: ff.Serve{Variant: "on"}}},
				DefaultServe: &ff.Serve{Rollout: &ff.Rollout{Variants: []ff.WeightedVariant{{Variant: "on", Weight: 30}, {Variant: "off", Weight: 70}}}},
			}}
		}
		flags[i] = f
	}
	return flags
}
