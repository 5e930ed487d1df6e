package eval

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/featureflags/featureflags"
)

// staticFlags returns n boolean flags without targeting, on in production
// only, as most flags of a large service are.
func staticFlags(n int) []*featureflags.Flag {
	flags := make([]*featureflags.Flag, n)
	for i := range flags {
		flags[i] = &featureflags.Flag{ID: fmt.Sprintf("id-%06d", i), Name: fmt.Sprintf("flag-%06d", i), Type: featureflags.TypeBoolean,
			Version: 1, Environments: map[string]bool{"production": true}}
	}
	return flags
}

// retainedPerFlagEnv is the heap a compiled snapshot of flags in envs
// keeps, per flag and environment.
func retainedPerFlagEnv(flags []*featureflags.Flag, envs []string) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := Compile(flags, nil, envs, 1)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(len(flags)*len(envs))
}

// TestStaticFlagsCompileSmall holds a flag that serves one result whatever
// the context to little memory: at 100,000 flags in three environments,
// each 100 bytes here is 30 MB of the server's heap. It keeps the compiled
// flag, its one result, and its place in the environment's map.
func TestStaticFlagsCompileSmall(t *testing.T) {
	const limit = 360 // bytes; it was 809 while every result was built
	if got := retainedPerFlagEnv(staticFlags(20000), []string{"development", "staging", "production"}); got > limit {
		t.Fatalf("a static flag keeps %.0f bytes per environment, over %d", got, limit)
	}
}

// BenchmarkCompileStatic reports the heap a static flag keeps per
// environment (B/flag-env) and what compiling it allocates.
func BenchmarkCompileStatic(b *testing.B) {
	flags, envs := staticFlags(20000), []string{"development", "staging", "production"}
	b.ReportAllocs()
	for b.Loop() {
		Compile(flags, nil, envs, 1)
	}
	b.ReportMetric(retainedPerFlagEnv(flags, envs), "B/flag-env")
}
