package server

import "testing"

// TestLogSampler: one in every successful evaluation is logged, while
// failures and management requests always are.
func TestLogSampler(t *testing.T) {
	l := newLogSampler(5)
	logged := 0
	for range 20 {
		if l.logs("/ofrep/v1/evaluate/flags/{key}", 200) {
			logged++
		}
		if !l.logs("/ofrep/v1/evaluate/flags", 400) || !l.logs("/flags/{id}", 200) || !l.logs("/flags", 500) {
			t.Fatal("a failure or a management request went unlogged")
		}
	}
	if logged != 4 {
		t.Fatalf("logged %d of 20 evaluations at 1 in 5, want 4", logged)
	}
	for _, every := range []int{0, 1} {
		if l := newLogSampler(every); !l.logs("/ofrep/v1/evaluate/flags", 200) || !l.logs("/ofrep/v1/evaluate/flags", 200) {
			t.Fatalf("sampling 1 in %d skipped an evaluation", every)
		}
	}
}
