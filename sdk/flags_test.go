package sdk

import (
	"github.com/featureflags/featureflags"
)

func cond(attr, op string, v any) featureflags.Condition {
	return featureflags.Condition{Attribute: attr, Operator: op, Value: v}
}

func rollout(pairs ...any) *featureflags.Serve {
	r := &featureflags.Rollout{}
	for i := 0; i < len(pairs); i += 2 {
		r.Variants = append(r.Variants, featureflags.WeightedVariant{Variant: pairs[i].(string), Weight: pairs[i+1].(float64)})
	}
	return &featureflags.Serve{Rollout: r}
}

// checkout is a boolean flag with five rules and a 30/70 rollout in
// production (the benchmark's shape), and a rule only staging has.
func checkout(prodOn bool) *featureflags.Flag {
	return &featureflags.Flag{
		ID: "65f1c0ffee0000000000abcd", Name: "checkout",
		Environments: map[string]bool{prod: prodOn, staging: true},
		Targeting: map[string]*featureflags.Targeting{
			prod: {
				Rules: []featureflags.Rule{
					{Conditions: []featureflags.Condition{cond("country", "eq", "NZ")}, Serve: featureflags.Serve{Variant: "on"}},
					{Conditions: []featureflags.Condition{cond("plan", "in", []any{"enterprise", "business", "team"})}, Serve: featureflags.Serve{Variant: "on"}},
					{Conditions: []featureflags.Condition{cond("age", "gte", 65.0)}, Serve: featureflags.Serve{Variant: "on"}},
					{Conditions: []featureflags.Condition{cond("appVersion", "semverLt", "2.0.0")}, Serve: featureflags.Serve{Variant: "off"}},
					{Conditions: []featureflags.Condition{cond("email", "endsWith", "@example.com"), cond("beta", "eq", true)}, Serve: featureflags.Serve{Variant: "on"}},
				},
				DefaultServe: rollout("on", 30.0, "off", 70.0),
			},
			staging: {Rules: []featureflags.Rule{{Conditions: []featureflags.Condition{cond("secret", "eq", "staging-only")}, Serve: featureflags.Serve{Variant: "off"}}}},
		},
	}
}

func testFlags() []*featureflags.Flag {
	return []*featureflags.Flag{
		checkout(true),
		{ID: "b1", Name: "banner", Type: featureflags.TypeString, Variants: map[string]any{"a": "Hello", "b": "Hi", "c": "Welcome, valued customer"},
			Environments: map[string]bool{prod: true},
			Targeting: map[string]*featureflags.Targeting{prod: {
				Rules:        []featureflags.Rule{{Conditions: []featureflags.Condition{cond("plan", "eq", "enterprise")}, Serve: featureflags.Serve{Variant: "c"}}},
				DefaultServe: rollout("a", 50.0, "b", 50.0),
			}}},
		{ID: "l1", Name: "limit", Type: featureflags.TypeNumber, Variants: map[string]any{"small": 10.0, "big": 1000.0},
			Environments: map[string]bool{prod: true},
			Targeting:    map[string]*featureflags.Targeting{prod: {DefaultServe: &featureflags.Serve{Variant: "big"}}}},
		{ID: "r1", Name: "ratio", Type: featureflags.TypeNumber, Variants: map[string]any{"x": 0.25},
			Environments: map[string]bool{prod: true}},
		{ID: "t1", Name: "theme", Type: featureflags.TypeObject, Variants: map[string]any{"blue": map[string]any{"color": "blue"}, "list": []any{"a", "b"}},
			Environments: map[string]bool{prod: true},
			Targeting: map[string]*featureflags.Targeting{prod: {
				Rules:        []featureflags.Rule{{Conditions: []featureflags.Condition{cond("country", "in", []any{"NZ", "AU"})}, Serve: featureflags.Serve{Variant: "list"}}},
				DefaultServe: &featureflags.Serve{Variant: "blue"},
			}}},
		{ID: "s1", Name: "beta", Environments: map[string]bool{prod: true},
			Targeting: map[string]*featureflags.Targeting{prod: {
				Rules:        []featureflags.Rule{{Conditions: []featureflags.Condition{{Operator: "inSegment", Value: "beta-users"}}, Serve: featureflags.Serve{Variant: "on"}}},
				DefaultServe: &featureflags.Serve{Variant: "off"},
			}}},
		{ID: "x1", Name: "broken", Environments: map[string]bool{prod: true},
			Targeting: map[string]*featureflags.Targeting{prod: {
				Rules: []featureflags.Rule{{Conditions: []featureflags.Condition{{Operator: "inSegment", Value: "deleted-segment"}}, Serve: featureflags.Serve{Variant: "on"}}},
			}}},
		{ID: "o1", Name: "dark-launch", Environments: map[string]bool{prod: false, staging: true}},
	}
}

func testSegments() []*featureflags.Segment {
	return []*featureflags.Segment{{ID: "seg1", Name: "beta-users", Conditions: []featureflags.Condition{cond("email", "endsWith", "@example.com")}, Version: 1}}
}

// testContexts cover rules, rollouts, segments and missing keys.
func testContexts() []Context {
	ctxs := []Context{
		{},
		{"country": "NZ"},
		{"targetingKey": "user-1", "plan": "enterprise"},
		{"targetingKey": "user-2", "appVersion": "1.9.0"},
		{"targetingKey": "user-3", "email": "jo@example.com", "beta": true},
		{"targetingKey": 42},
		{"targetingKey": "user-4", "secret": "staging-only"},
	}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		ctxs = append(ctxs, Context{"targetingKey": "user-" + k, "country": "US", "age": 30.0})
	}
	return ctxs
}
