package eval

import (
	"testing"

	"github.com/featureflags/featureflags"
)

func TestEvaluateAllUntilStops(t *testing.T) {
	snap := mustCompile(t, []*featureflags.Flag{flagOn("a", "", nil, nil), flagOn("b", "", nil, nil)})
	if all, ok := snap.EvaluateAllUntil(prod, nil, nil, nil); !ok || len(all) != 2 {
		t.Fatalf("open: %d results, finished %t", len(all), ok)
	}
	done := make(chan struct{})
	close(done)
	if got, ok := snap.EvaluateAllUntil(prod, nil, nil, done); ok || len(got) != 0 {
		t.Fatalf("closed: %d results, finished %t; want none", len(got), ok)
	}
}
