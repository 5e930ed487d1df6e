package ofrepjson

import (
	"testing"

	"github.com/featureflags/featureflags/eval"
)

// benchResults are typical bulk items: a boolean, a string variant, an
// object value and a failure.
var benchResults = []eval.Result{
	{Key: "new-checkout", Value: true, Variant: "on", Reason: eval.ReasonTargetingMatch},
	{Key: "banner-text", Value: "Free shipping over $50", Variant: "promo", Reason: eval.ReasonSplit},
	{Key: "limits", Value: map[string]any{"max": 25.0, "burst": 1.5, "tiers": []any{"free", "pro"}}, Variant: "default", Reason: eval.ReasonStatic},
	{Key: "broken", Reason: eval.ReasonError, ErrorCode: eval.ErrorParse, ErrorDetails: "the flag does not compile: unknown segment \"beta\""},
}

func BenchmarkAppendItem(b *testing.B) {
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for i := range benchResults {
			buf = AppendItem(buf, &benchResults[i])
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkBulkETag(b *testing.B) {
	ctx := eval.Context{"targetingKey": "user-1234", "country": "NZ", "plan": "pro", "age": 42.0}
	scratch := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		BulkETag(scratch, "production", 1234, ctx)
	}
}
