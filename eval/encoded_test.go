package eval

import (
	"slices"
	"testing"

	"github.com/featureflags/featureflags"
)

// TestEncodedMatchesEvaluateAll: Encoded yields what encoding EvaluateAll's
// results gives, for fixed and targeted flags alike, and keeps its memo per
// encode function, so another encoder never gets the first one's bytes.
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
			var want, got []string
			for _, r := range snap.EvaluateAll("prod", ctx, nil) {
				want = append(want, string(enc(nil, &r)))
			}
			for b := range snap.Encoded("prod", ctx, enc) {
				got = append(got, string(b))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("context %v: Encoded gives %q, want %q", ctx, got, want)
			}
		}
	}
	for range snap.Encoded("nowhere", nil, byReason) {
		t.Fatal("an unknown environment yields items")
	}
}
