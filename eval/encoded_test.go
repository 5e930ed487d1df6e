package eval

import (
	"strings"
	"testing"

	"github.com/featureflags/featureflags"
)

// TestEncodedMatchesEvaluateAll: AppendEncoded gives what encoding EvaluateAll's
// results gives, joined by commas, for fixed and targeted flags alike, and
// keeps its encodings per encode function, so another encoder never gets
// the first one's bytes.
func TestEncodedMatchesEvaluateAll(t *testing.T) {
	flags := []*featureflags.Flag{
		{ID: "1", Name: "static", Environments: map[string]bool{"prod": true}},
		{ID: "2", Name: "off", Environments: map[string]bool{"prod": false}},
		{ID: "3", Name: "targeted", Environments: map[string]bool{"prod": true}, Targeting: map[string]*featureflags.Targeting{"prod": {
			Rules: []featureflags.Rule{{Conditions: []featureflags.Condition{{Attribute: "plan", Operator: "eq", Value: "pro"}}, Serve: featureflags.Serve{Variant: "off"}}},
		}}},
	}
	snap := Compile(flags, nil, []string{"prod"}, 1)
	byReason := func(b []byte, r *Result) []byte { return append(b, r.Key+"="+r.Reason...) }
	byVariant := func(b []byte, r *Result) []byte { return append(b, r.Key+":"+r.Variant...) }
	for _, ctx := range []Context{{"plan": "pro"}, {"plan": "free"}, {"plan": "pro"}} {
		for _, enc := range []func([]byte, *Result) []byte{byReason, byVariant} {
			var want []string
			for _, r := range snap.EvaluateAll("prod", ctx, nil) {
				want = append(want, string(enc(nil, &r)))
			}
			if got := answer(snap, "prod", ctx, enc); got != strings.Join(want, ",") {
				t.Fatalf("context %v: AppendEncoded gives %q, want %q", ctx, got, want)
			}
		}
	}
	if got := answer(snap, "nowhere", nil, byReason); got != "" {
		t.Fatalf("an unknown environment gives %q", got)
	}
}

// TestEncodedOncePerResult: a targeted flag's results are each encoded
// once, whatever the contexts that select them and however many rules the
// flag has, and the answers stay right.
// answer is AppendEncoded's whole answer, separated by commas.
func answer(s *Snapshot, env string, ctx Context, enc func([]byte, *Result) []byte) string {
	return string(s.AppendEncoded(nil, env, ctx, enc, ',', func(b []byte) ([]byte, bool) { return b, true }))
}

func TestEncodedOncePerResult(t *testing.T) {
	const n = 12
	var rules []featureflags.Rule
	for i := range n { // each rule a result of its own
		rules = append(rules, featureflags.Rule{
			Conditions: []featureflags.Condition{{Attribute: "n", Operator: "eq", Value: float64(i)}},
			Serve:      featureflags.Serve{Variant: []string{"on", "off"}[i%2]},
		})
	}
	flags := []*featureflags.Flag{{ID: "1", Name: "many", Environments: map[string]bool{"prod": true},
		Targeting: map[string]*featureflags.Targeting{"prod": {Rules: rules}}}}
	snap := Compile(flags, nil, []string{"prod"}, 1)
	calls := map[*Result]int{}
	enc := func(b []byte, r *Result) []byte {
		calls[r]++
		return append(b, r.Reason+"/"+r.Variant...)
	}
	for range 3 {
		for i := range n + 1 { // n+1 matches no rule: the default
			ctx := Context{"n": float64(i)}
			want := snap.Evaluate("prod", "many", ctx)
			if got := answer(snap, "prod", ctx, enc); got != want.Reason+"/"+want.Variant {
				t.Fatalf("n=%d: %q, want %s/%s", i, got, want.Reason, want.Variant)
			}
		}
	}
	if len(calls) < n+1 {
		t.Errorf("%d results encoded, want at least the %d served", len(calls), n+1)
	}
	for r, c := range calls {
		if c != 1 {
			t.Errorf("%s/%s encoded %d times", r.Reason, r.Variant, c)
		}
	}
}
