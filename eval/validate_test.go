package eval

import (
	"math"
	"strings"
	"testing"

	"github.com/featureflags/featureflags"
)

func cond(attr, op string, v any) featureflags.Condition {
	return featureflags.Condition{Attribute: attr, Operator: op, Value: v}
}

func serveRule(variant string, conds ...featureflags.Condition) featureflags.Rule {
	return featureflags.Rule{Conditions: conds, Serve: featureflags.Serve{Variant: variant}}
}

// threeRules puts c as the second condition of the third rule, the example
// path of the product issue.
func threeRules(c featureflags.Condition) *featureflags.Targeting {
	ok := cond("country", "eq", "NZ")
	return &featureflags.Targeting{Rules: []featureflags.Rule{serveRule("on", ok), serveRule("on", ok), serveRule("on", ok, c)}}
}

var validSegments = map[string]*featureflags.Segment{
	"staff": {Name: "staff", Conditions: []featureflags.Condition{cond("email", "endsWith", "@acme.io")}},
	"broken": {Name: "broken", Match: "any", Conditions: []featureflags.Condition{
		cond("email", "endsWith", "@acme.io"), cond("email", "matches", "("),
	}},
}

func TestValidateFieldPaths(t *testing.T) {
	const cv = "targeting.production.rules[2].conditions[1]"
	colors := map[string]any{"blue": "#00f", "red": "#f00"}
	strFlag := func(t *featureflags.Targeting) *featureflags.Flag {
		return flagOn("color", featureflags.TypeString, colors, t)
	}
	boolFlag := func(t *featureflags.Targeting) *featureflags.Flag { return flagOn("b", "", nil, t) }
	cases := []struct {
		name  string
		flag  *featureflags.Flag
		field string
	}{
		{"unknown type", flagOn("x", "bool", nil, nil), "type"},
		{"wrong value type", flagOn("x", featureflags.TypeString, map[string]any{"blue": 5.0, "red": "#f00"}, nil), "variants.blue"},
		{"NaN number", flagOn("x", featureflags.TypeNumber, map[string]any{"n": math.NaN()}, nil), "variants.n"},
		{"object not object", flagOn("x", featureflags.TypeObject, map[string]any{"o": "{}"}, nil), "variants.o"},
		{"boolean non-bool", flagOn("x", "", map[string]any{"maybe": "yes"}, nil), "variants.maybe"},
		{"boolean on false", flagOn("x", featureflags.TypeBoolean, map[string]any{"on": false}, nil), "variants.on"},
		{"string flag without variants", flagOn("x", featureflags.TypeString, nil, nil), "variants"},
		{"empty variant name", flagOn("x", featureflags.TypeString, map[string]any{"": "a"}, nil), "variants"},

		{"unknown operator", boolFlag(threeRules(cond("a", "equals", "x"))), cv + ".operator"},
		{"missing attribute", boolFlag(threeRules(cond("", "eq", "x"))), cv + ".attribute"},
		{"empty path element", boolFlag(threeRules(cond("user..id", "eq", "x"))), cv + ".attribute"},
		{"bad regex", boolFlag(threeRules(cond("a", "matches", "a(b"))), cv + ".value"},
		{"regex not string", boolFlag(threeRules(cond("a", "matches", 1.0))), cv + ".value"},
		{"bad semver", boolFlag(threeRules(cond("v", "semverGte", "1.2"))), cv + ".value"},
		{"semver not string", boolFlag(threeRules(cond("v", "semverLt", 1.0))), cv + ".value"},
		{"bad time", boolFlag(threeRules(cond("t", "before", "2025-01-01"))), cv + ".value"},
		{"eq null", boolFlag(threeRules(cond("a", "eq", nil))), cv + ".value"},
		{"eq object", boolFlag(threeRules(cond("a", "eq", map[string]any{}))), cv + ".value"},
		{"lt string", boolFlag(threeRules(cond("a", "lt", "5"))), cv + ".value"},
		{"lt infinite", boolFlag(threeRules(cond("a", "lt", math.Inf(1)))), cv + ".value"},
		{"contains number", boolFlag(threeRules(cond("a", "contains", 5.0))), cv + ".value"},
		{"in not a list", boolFlag(threeRules(cond("a", "in", "x"))), cv + ".value"},
		{"in empty list", boolFlag(threeRules(cond("a", "in", []any{}))), cv + ".value"},
		{"in bad element", boolFlag(threeRules(cond("a", "notIn", []any{"x", map[string]any{}}))), cv + ".value[1]"},
		{"present with value", boolFlag(threeRules(cond("a", "present", true))), cv + ".value"},
		{"unknown segment", boolFlag(threeRules(cond("", "inSegment", "nobody"))), cv + ".value"},
		{"segment name missing", boolFlag(threeRules(cond("", "notInSegment", nil))), cv + ".value"},
		{"segment with attribute", boolFlag(threeRules(cond("email", "inSegment", "staff"))), cv + ".attribute"},
		{"invalid segment", boolFlag(threeRules(cond("", "inSegment", "broken"))), cv + ".value"},

		{"rule unknown variant", strFlag(&featureflags.Targeting{Rules: []featureflags.Rule{serveRule("green")}}), "targeting.production.rules[0].serve.variant"},
		{"rule serves nothing", strFlag(&featureflags.Targeting{Rules: []featureflags.Rule{serveRule("")}}), "targeting.production.rules[0].serve"},
		{"rule serves both", strFlag(&featureflags.Targeting{Rules: []featureflags.Rule{{Serve: featureflags.Serve{Variant: "red", Rollout: split("", "red", 100.0).Rollout}}}}), "targeting.production.rules[0].serve"},
		{"empty default serve", strFlag(&featureflags.Targeting{DefaultServe: &featureflags.Serve{}}), "targeting.production.defaultServe"},
		{"off variant unknown", strFlag(&featureflags.Targeting{OffVariant: "green"}), "targeting.production.offVariant"},
		{"weights sum 90", strFlag(&featureflags.Targeting{DefaultServe: split("", "red", 40.0, "blue", 50.0)}), "targeting.production.defaultServe.rollout.variants"},
		{"weights sum 100.001", strFlag(&featureflags.Targeting{DefaultServe: split("", "red", 50.001, "blue", 50.0)}), "targeting.production.defaultServe.rollout.variants"},
		{"weight finer than 0.001", strFlag(&featureflags.Targeting{DefaultServe: split("", "red", 33.3333, "blue", 66.6667)}), "targeting.production.defaultServe.rollout.variants[0].weight"},
		{"negative weight", strFlag(&featureflags.Targeting{DefaultServe: split("", "red", 110.0, "blue", -10.0)}), "targeting.production.defaultServe.rollout.variants[0].weight"},
		{"NaN weight", strFlag(&featureflags.Targeting{DefaultServe: split("", "red", 100.0, "blue", math.NaN())}), "targeting.production.defaultServe.rollout.variants[1].weight"},
		{"rollout unknown variant", strFlag(&featureflags.Targeting{DefaultServe: split("", "red", 50.0, "green", 50.0)}), "targeting.production.defaultServe.rollout.variants[1].variant"},
		{"rollout duplicate variant", strFlag(&featureflags.Targeting{DefaultServe: split("", "red", 50.0, "red", 50.0)}), "targeting.production.defaultServe.rollout.variants[1].variant"},
		{"rollout without variants", strFlag(&featureflags.Targeting{DefaultServe: split("")}), "targeting.production.defaultServe.rollout.variants"},
		{"bad bucketBy", strFlag(&featureflags.Targeting{DefaultServe: split("user.", "red", 100.0)}), "targeting.production.defaultServe.rollout.bucketBy"},
		{"rule rollout", strFlag(&featureflags.Targeting{Rules: []featureflags.Rule{{Serve: *split("", "red", 99.0)}}}), "targeting.production.rules[0].serve.rollout.variants"},
	}
	for _, c := range cases {
		err := Validate(c.flag, validSegments)
		if err == nil {
			t.Errorf("%s: no error, want one at %s", c.name, c.field)
			continue
		}
		if got := fieldOf(t, err); got != c.field {
			t.Errorf("%s: field %q (%v), want %q", c.name, got, err, c.field)
		}
	}
}

func TestValidateReportsEnvironmentsInNameOrder(t *testing.T) {
	f := flagOn("b", "", nil, nil)
	f.Targeting = map[string]*featureflags.Targeting{
		"staging":     {DefaultServe: split("", "on", 90.0, "off", 0.0)},
		"development": {OffVariant: "maybe"},
	}
	if got := fieldOf(t, Validate(f, nil)); got != "targeting.development.offVariant" {
		t.Errorf("field %q, want the first environment by name", got)
	}
}

func TestValidateAccepts(t *testing.T) {
	flags := []*featureflags.Flag{
		flagOn("plain", "", nil, nil),
		flagOn("declared-bools", featureflags.TypeBoolean, map[string]any{"on": true, "off": false, "also-on": true}, &featureflags.Targeting{
			Rules: []featureflags.Rule{serveRule("also-on", cond("", "inSegment", "staff"))}, OffVariant: "off",
		}),
		flagOn("thirds", featureflags.TypeString, map[string]any{"a": "A", "b": "B", "c": "C"}, &featureflags.Targeting{
			DefaultServe: split("account.id", "a", 33.333, "b", 33.333, "c", 33.334),
		}),
		flagOn("tiny", featureflags.TypeNumber, map[string]any{"x": 1, "y": 2.5}, &featureflags.Targeting{
			Rules:        []featureflags.Rule{{Conditions: nil, Serve: *split("", "x", 0.001, "y", 99.999)}},
			DefaultServe: &featureflags.Serve{Variant: "y"},
		}),
		flagOn("obj", featureflags.TypeObject, map[string]any{"o": map[string]any{"k": []any{1.0}}, "list": []any{}}, nil),
	}
	for _, f := range flags {
		if err := Validate(f, validSegments); err != nil {
			t.Errorf("Validate(%s): %v", f.Name, err)
		}
	}
	if err := Validate(nil, nil); err == nil {
		t.Error("Validate(nil) accepted")
	}
}

func TestValidateSegment(t *testing.T) {
	seg := func(name, match string, conds ...featureflags.Condition) *featureflags.Segment {
		return &featureflags.Segment{Name: name, Match: match, Conditions: conds}
	}
	existing := map[string]*featureflags.Segment{
		"a":     seg("a", "", cond("", "inSegment", "b")),
		"b":     seg("b", "", cond("x", "eq", "y")),
		"staff": validSegments["staff"],
	}
	cases := []struct {
		name    string
		segment *featureflags.Segment
		field   string // "" when valid
		message string
	}{
		{"valid nested", seg("c", "any", cond("", "inSegment", "a"), cond("", "notInSegment", "staff")), "", ""},
		{"empty", seg("c", "all"), "", ""},
		{"bad match", seg("c", "some", cond("x", "eq", "y")), "match", ""},
		{"bad regex", seg("c", "", cond("x", "eq", "y"), cond("x", "matches", "[")), "conditions[1].value", ""},
		{"unknown operator", seg("c", "", cond("x", "like", "y")), "conditions[0].operator", ""},
		{"unknown segment", seg("c", "", cond("x", "eq", "y"), cond("", "inSegment", "zzz")), "conditions[1].value", "unknown segment"},
		{"self reference", seg("c", "", cond("", "inSegment", "c")), "conditions[0].value", "cycle"},
		// b is rewritten to refer to a, which refers to b.
		{"cycle through another", seg("b", "", cond("", "notInSegment", "a")), "conditions[0].value", "cycle"},
	}
	for _, c := range cases {
		err := ValidateSegment(c.segment, existing)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted, want an error at %s", c.name, c.field)
			continue
		}
		if got := fieldOf(t, err); got != c.field || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%s: %v; want field %q mentioning %q", c.name, err, c.field, c.message)
		}
	}
	if existing["b"].Conditions[0].Operator != "eq" {
		t.Error("ValidateSegment changed the stored segments")
	}
}

// A flag that uses a segment in a stored cycle does not validate either.
func TestValidateFlagWithCyclicSegments(t *testing.T) {
	cyclic := map[string]*featureflags.Segment{
		"a": {Name: "a", Conditions: []featureflags.Condition{cond("", "inSegment", "b")}},
		"b": {Name: "b", Conditions: []featureflags.Condition{cond("", "inSegment", "a")}},
	}
	f := flagOn("f", "", nil, &featureflags.Targeting{Rules: []featureflags.Rule{serveRule("on", cond("", "inSegment", "a"))}})
	err := Validate(f, cyclic)
	if got := fieldOf(t, err); got != "targeting.production.rules[0].conditions[0].value" || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("got %v", err)
	}
}
