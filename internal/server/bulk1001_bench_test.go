package server_test

import (
	"fmt"
	"testing"

	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/server"
)

// BenchmarkBulkEncode1001 measures the CPU of one bulk answer of the
// 1,001 flags of BenchmarkWrkFloors' bulk/80KB for its context, without
// HTTP: what the bulk answer costs beyond writing the body.
func BenchmarkBulkEncode1001(b *testing.B) {
	snap := eval.Compile(benchFlags(1001), nil, []string{"development", "staging", "production"}, 1)
	w := server.NewDiscard()
	buf := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = server.WriteBulk(w, snap, "production", bulkContext(i), buf, nil)
	}
}

// BenchmarkBulkEncode1001Parallel is BenchmarkBulkEncode1001 answered on
// every core at once (-cpu), counting in the same leaves.
func BenchmarkBulkEncode1001Parallel(b *testing.B) {
	snap := eval.Compile(benchFlags(1001), nil, []string{"development", "staging", "production"}, 1)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := server.NewDiscard()
		buf := make([]byte, 0, 64<<10)
		for i := 0; pb.Next(); i++ {
			buf = server.WriteBulk(w, snap, "production", bulkContext(i), buf, nil)
		}
	})
}

// bulkContext is benchContext's context for the i-th targeting key.
func bulkContext(i int) eval.Context {
	return eval.Context{"targetingKey": fmt.Sprint("user-", i), "country": "US", "plan": "free", "age": 30.0,
		"appVersion": "2.3.1", "email": "jane@acme.io", "beta": false}
}
