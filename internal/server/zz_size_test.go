package server_test

import (
	"fmt"
	"testing"

	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/server"
)

func BenchmarkZZSizes(b *testing.B) {
	for _, n := range []int{101, 1001, 10001} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			snap := eval.Compile(benchFlags(n), nil, []string{"development", "staging", "production"}, 1)
			w := server.NewDiscard()
			buf := make([]byte, 0, 64<<10)
			pol := make([]byte, 1<<20)
			for i := 0; b.Loop(); i++ {
				buf = server.WriteBulk(w, snap, "production", bulkContext(i), buf, nil)
				if polluteOn {
					for j := 0; j < len(pol); j += 64 {
						pol[j]++
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/flag")
		})
	}
}

var polluteOn = false
