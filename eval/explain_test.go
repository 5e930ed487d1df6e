package eval

import (
	"reflect"
	"testing"

	"github.com/featureflags/featureflags"
)

func TestExplainNamesTheMatchingRuleAndWhyOthersFailed(t *testing.T) {
	colors := map[string]any{"blue": "#00f", "green": "#0f0", "red": "#f00"}
	rules := &featureflags.Targeting{
		Rules: []featureflags.Rule{
			serveRule("green", cond("beta", "eq", true), cond("country", "eq", "NZ")),
			serveRule("blue", cond("country", "eq", "NZ")),
			serveRule("red", cond("plan", "eq", "pro")),
		},
		DefaultServe: &featureflags.Serve{Variant: "red"},
	}
	off := flagOn("off", featureflags.TypeString, colors, rules)
	off.Environments[prod] = false
	snap := mustCompile(t, []*featureflags.Flag{flagOn("rules", featureflags.TypeString, colors, rules), off})
	cases := []struct {
		key       string
		ctx       Context
		rule      int
		evaluated bool
		outcomes  []RuleOutcome
	}{
		{"rules", Context{"country": "NZ"}, 1, true, []RuleOutcome{
			{Consulted: true, Conditions: []bool{false, true}},
			{Consulted: true, Matched: true, Conditions: []bool{true}},
			{Conditions: []bool{false}},
		}},
		{"rules", Context{"country": "AU", "plan": "free"}, -1, true, []RuleOutcome{
			{Consulted: true, Conditions: []bool{false, false}},
			{Consulted: true, Conditions: []bool{false}},
			{Consulted: true, Conditions: []bool{false}},
		}},
		{"off", Context{"country": "NZ"}, -1, false, []RuleOutcome{
			{Conditions: []bool{false, true}}, {Conditions: []bool{true}}, {Conditions: []bool{false}},
		}},
	}
	for _, c := range cases {
		x := snap.Explain(prod, c.key, c.ctx)
		if x.Result != snap.Evaluate(prod, c.key, c.ctx) {
			t.Errorf("%s %v: Explain's result %+v differs from Evaluate's", c.key, c.ctx, x.Result)
		}
		if x.Rule != c.rule || x.Evaluated != c.evaluated || !reflect.DeepEqual(x.Rules, c.outcomes) {
			t.Errorf("%s %v: rule %d evaluated %t %+v, want %d %t %+v", c.key, c.ctx, x.Rule, x.Evaluated, x.Rules, c.rule, c.evaluated, c.outcomes)
		}
	}
	if x := snap.Explain(prod, "missing", nil); x.Result.ErrorCode != ErrorFlagNotFound || x.Rules != nil {
		t.Errorf("missing flag explained as %+v", x)
	}
}
