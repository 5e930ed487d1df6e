package eval

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/featureflags/featureflags"
)

type opCase struct {
	attr  string
	op    string
	value any
	ctx   Context
	want  bool
}

// runOpCases compiles each condition as the only rule of a boolean flag and
// checks whether the rule matched, with the context's map and prepared.
func runOpCases(t *testing.T, cases []opCase, segs ...*featureflags.Segment) {
	t.Helper()
	for i, c := range cases {
		f := flagOn("f", "", nil, &featureflags.Targeting{
			Rules:        []featureflags.Rule{{Conditions: []featureflags.Condition{{Attribute: c.attr, Operator: c.op, Value: c.value}}, Serve: featureflags.Serve{Variant: "on"}}},
			DefaultServe: &featureflags.Serve{Variant: "off"},
		})
		snap := mustCompile(t, []*featureflags.Flag{f}, segs...)
		r := snap.Evaluate(prod, "f", c.ctx)
		if p := snap.EvaluatePrepared(prod, "f", Prepare(c.ctx)); p != r {
			t.Errorf("case %d: %q %s %#v with %v: prepared %+v, map %+v", i, c.attr, c.op, c.value, c.ctx, p, r)
		}
		if r.ErrorCode != "" {
			t.Fatalf("case %d: %s", i, r.ErrorDetails)
		}
		if got := r.Reason == ReasonTargetingMatch; got != c.want {
			t.Errorf("case %d: %q %s %#v with %v: matched %t, want %t", i, c.attr, c.op, c.value, c.ctx, got, c.want)
		}
	}
}

func TestOperatorsEquality(t *testing.T) {
	nested := Context{"user": map[string]any{"address": map[string]any{"country": "NZ"}, "name": "x"}}
	runOpCases(t, []opCase{
		{"country", "eq", "NZ", Context{"country": "NZ"}, true},
		{"country", "eq", "NZ", Context{"country": "nz"}, false},
		{"country", "eq", "NZ", Context{}, false},
		{"country", "eq", "NZ", nil, false},
		{"country", "eq", "NZ", Context{"country": nil}, false},
		{"country", "eq", "5", Context{"country": 5}, false},
		{"name", "eq", "Zoë", Context{"name": "Zoë"}, true},
		{"name", "eq", "Zoë", Context{"name": "Zoe\u0308"}, false}, // no Unicode normalisation
		{"name", "eq", "", Context{"name": ""}, true},
		{"user.address.country", "eq", "NZ", nested, true},
		{"user.name.first", "eq", "x", nested, false},
		{"user.address.city", "eq", "NZ", nested, false},
		{"user.address.country", "eq", "NZ", Context{"user": Context{"address": Context{"country": "NZ"}}}, true},
		{"age", "eq", 5.0, Context{"age": 5}, true},
		{"age", "eq", 5, Context{"age": 5.0}, true},
		{"age", "eq", 2.5, Context{"age": float32(2.5)}, true},
		{"age", "eq", 5.0, Context{"age": json.Number("5")}, true},
		{"age", "eq", 5.0, Context{"age": "5"}, false},
		{"age", "eq", 5.0, Context{"age": math.NaN()}, false},
		{"beta", "eq", true, Context{"beta": true}, true},
		{"beta", "eq", true, Context{"beta": "true"}, false},
		{"beta", "eq", false, Context{"beta": false}, true},

		{"country", "neq", "NZ", Context{"country": "AU"}, true},
		{"country", "neq", "NZ", Context{"country": "NZ"}, false},
		{"country", "neq", "NZ", Context{}, false},
		{"country", "neq", "NZ", Context{"country": nil}, false},
		{"country", "neq", "NZ", Context{"country": 3}, false},
		{"age", "neq", 5.0, Context{"age": math.NaN()}, false},
		{"beta", "neq", true, Context{"beta": false}, true},
	})
}

func TestOperatorsLists(t *testing.T) {
	long := []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0}
	runOpCases(t, []opCase{
		{"plan", "in", []any{"pro", "team"}, Context{"plan": "team"}, true},
		{"plan", "in", []string{"pro", "team"}, Context{"plan": "team"}, true},
		{"plan", "in", []any{"pro", "team"}, Context{"plan": "free"}, false},
		{"plan", "in", []any{"pro", "team"}, Context{}, false},
		{"plan", "in", []any{"pro", "team"}, Context{"plan": 1}, false},
		{"plan", "in", []any{"pro", "team"}, Context{"plan": []any{"pro"}}, false},
		{"plan", "in", []any{"日本", "ü"}, Context{"plan": "ü"}, true},
		{"plan", "in", []any{"", "x"}, Context{"plan": ""}, true},
		{"n", "in", []any{1.0, 2.0, "3"}, Context{"n": 2}, true},
		{"n", "in", []any{1.0, 2.0, "3"}, Context{"n": 3}, false},
		{"b", "in", []any{true}, Context{"b": true}, true},
		{"b", "in", []any{true}, Context{"b": false}, false},
		{"x", "in", long, Context{"x": "j"}, true},
		{"x", "in", long, Context{"x": "k"}, false},
		{"x", "in", long, Context{"x": 10}, true},
		{"x", "in", long, Context{"x": 11.0}, false},

		{"plan", "notIn", []any{"pro", "team"}, Context{"plan": "free"}, true},
		{"plan", "notIn", []any{"pro", "team"}, Context{"plan": "pro"}, false},
		{"plan", "notIn", []any{"pro", "team"}, Context{}, false},
		{"plan", "notIn", []any{"pro", "team"}, Context{"plan": nil}, false},
		{"plan", "notIn", []any{"pro", "team"}, Context{"plan": 7}, false},
		{"b", "notIn", []any{true}, Context{"b": false}, true},
		{"x", "notIn", long, Context{"x": "k"}, true},
		{"x", "notIn", long, Context{"x": 1}, false},
	})
}

func TestOperatorsStrings(t *testing.T) {
	runOpCases(t, []opCase{
		{"email", "contains", "@acme", Context{"email": "jo@acme.io"}, true},
		{"email", "contains", "@ACME", Context{"email": "jo@acme.io"}, false},
		{"email", "contains", "本", Context{"email": "日本語"}, true},
		{"email", "contains", "", Context{"email": "anything"}, true},
		{"email", "contains", "", Context{"email": ""}, true},
		{"email", "contains", "", Context{}, false},
		{"email", "contains", "1", Context{"email": 1}, false},
		{"email", "startsWith", "jo@", Context{"email": "jo@acme.io"}, true},
		{"email", "startsWith", "Zo", Context{"email": "Zoë"}, true},
		{"email", "startsWith", "ë", Context{"email": "Zoë"}, false},
		{"email", "startsWith", "x", Context{"email": nil}, false},
		{"email", "endsWith", ".io", Context{"email": "jo@acme.io"}, true},
		{"email", "endsWith", "ë", Context{"email": "Zoë"}, true},
		{"email", "endsWith", ".io", Context{"email": "jo@acme.com"}, false},
		{"email", "endsWith", ".io", Context{"email": []any{"a.io"}}, false},
		{"email", "matches", `^[a-z]+@acme\.io$`, Context{"email": "jo@acme.io"}, true},
		{"email", "matches", `^[a-z]+@acme\.io$`, Context{"email": "Jo@acme.io"}, false},
		{"email", "matches", `^\p{Han}+$`, Context{"email": "日本語"}, true},
		{"email", "matches", `^.$`, Context{"email": "ë"}, true}, // runes, not bytes
		{"email", "matches", `^$`, Context{"email": ""}, true},
		{"email", "matches", `.*`, Context{}, false},
		{"email", "matches", `.*`, Context{"email": 5}, false},
	})
}

func TestOperatorsNumbers(t *testing.T) {
	runOpCases(t, []opCase{
		{"age", "lt", 18.0, Context{"age": 17}, true},
		{"age", "lt", 18.0, Context{"age": 18}, false},
		{"age", "lte", 18.0, Context{"age": 18.0}, true},
		{"age", "lte", 18.0, Context{"age": 18.5}, false},
		{"age", "gt", 18.0, Context{"age": uint8(19)}, true},
		{"age", "gt", 18.0, Context{"age": 18}, false},
		{"age", "gte", 18.0, Context{"age": int64(18)}, true},
		{"age", "gte", -1.5, Context{"age": -2}, false},
		{"age", "gte", 18.0, Context{"age": "20"}, false},
		{"age", "lt", 18.0, Context{"age": math.NaN()}, false},
		{"age", "gte", 18.0, Context{"age": math.NaN()}, false},
		{"age", "lt", 18.0, Context{"age": math.Inf(-1)}, true},
		{"age", "lt", 18.0, Context{}, false},
		{"age", "lt", 18.0, Context{"age": nil}, false},
		{"age", "lt", 18.0, Context{"age": true}, false},
	})
}

func TestOperatorsSemver(t *testing.T) {
	runOpCases(t, []opCase{
		{"v", "semverEq", "1.2.3", Context{"v": "1.2.3"}, true},
		{"v", "semverEq", "1.2.3", Context{"v": "v1.2.3+build.7"}, true},
		{"v", "semverEq", "1.2.3", Context{"v": "1.2.3-rc.1"}, false},
		{"v", "semverNeq", "1.2.3", Context{"v": "1.2.4"}, true},
		{"v", "semverNeq", "1.2.3", Context{"v": "1.2"}, false}, // not a version: no match
		{"v", "semverNeq", "1.2.3", Context{}, false},
		{"v", "semverLt", "2.0.0", Context{"v": "1.10.0"}, true},
		{"v", "semverLt", "2.0.0", Context{"v": "2.0.0-rc.1"}, true},
		{"v", "semverLt", "2.0.0", Context{"v": "2.0.0"}, false},
		{"v", "semverLte", "2.0.0", Context{"v": "2.0.0"}, true},
		{"v", "semverGt", "1.0.0-beta.2", Context{"v": "1.0.0-beta.11"}, true},
		{"v", "semverGt", "1.0.0-alpha", Context{"v": "1.0.0-alpha"}, false},
		{"v", "semverGte", "1.9.0", Context{"v": "1.10.0"}, true},
		{"v", "semverGte", "1.9.0", Context{"v": "1.8.99"}, false},
		{"v", "semverGte", "1.0.0", Context{"v": 2}, false},
		{"v", "semverGte", "1.0.0", Context{"v": ""}, false},
		{"v", "semverGte", "1.0.0", Context{"v": "banana"}, false},
	})
}

func TestOperatorsTime(t *testing.T) {
	at := "2025-06-01T12:00:00Z"
	runOpCases(t, []opCase{
		{"signup", "before", at, Context{"signup": "2025-06-01T11:59:59Z"}, true},
		{"signup", "before", at, Context{"signup": at}, false},
		{"signup", "after", at, Context{"signup": at}, false},
		{"signup", "after", at, Context{"signup": "2025-06-01T12:00:00.001Z"}, true},
		{"signup", "before", at, Context{"signup": "2025-06-01T13:30:00+02:00"}, true}, // 11:30Z
		{"signup", "after", at, Context{"signup": "2025-06-01T08:00:00-05:00"}, true},  // 13:00Z
		{"signup", "before", at, Context{"signup": time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, true},
		{"signup", "before", at, Context{"signup": "2025-01-01"}, false},
		{"signup", "before", at, Context{"signup": 1700000000}, false},
		{"signup", "before", at, Context{}, false},
		{"signup", "after", "2025-06-01T14:00:00+02:00", Context{"signup": "2025-06-01T12:00:01Z"}, true},
	})
}

func TestOperatorsPresence(t *testing.T) {
	runOpCases(t, []opCase{
		{"email", "present", nil, Context{"email": "a"}, true},
		{"email", "present", nil, Context{"email": ""}, true},
		{"email", "present", nil, Context{"email": false}, true},
		{"email", "present", nil, Context{"email": nil}, false},
		{"email", "present", nil, Context{}, false},
		{"email", "absent", nil, Context{}, true},
		{"email", "absent", nil, nil, true},
		{"email", "absent", nil, Context{"email": nil}, true},
		{"email", "absent", nil, Context{"email": ""}, false},
		{"user.email", "absent", nil, Context{"user": "flat"}, true},
		{"user.email", "present", nil, Context{"user": map[string]any{"email": "x"}}, true},
	})
}

func TestOperatorsSegments(t *testing.T) {
	staff := &featureflags.Segment{Name: "staff", Match: "any", Conditions: []featureflags.Condition{
		{Attribute: "email", Operator: "endsWith", Value: "@acme.io"},
		{Attribute: "role", Operator: "eq", Value: "admin"},
	}}
	nzStaff := &featureflags.Segment{Name: "nz-staff", Conditions: []featureflags.Condition{
		{Operator: "inSegment", Value: "staff"},
		{Attribute: "country", Operator: "eq", Value: "NZ"},
	}}
	empty := &featureflags.Segment{Name: "empty", Match: "any"}
	cases := []opCase{
		{"", "inSegment", "staff", Context{"email": "jo@acme.io"}, true},
		{"", "inSegment", "staff", Context{"role": "admin"}, true},
		{"", "inSegment", "staff", Context{"role": "user"}, false},
		{"", "inSegment", "staff", nil, false},
		{"", "notInSegment", "staff", Context{"role": "user"}, true},
		{"", "notInSegment", "staff", Context{"role": "admin"}, false},
		{"", "inSegment", "nz-staff", Context{"role": "admin", "country": "NZ"}, true},
		{"", "inSegment", "nz-staff", Context{"role": "admin", "country": "AU"}, false},
		{"", "inSegment", "nz-staff", Context{"country": "NZ"}, false},
		{"", "inSegment", "empty", Context{"x": 1}, false},
		{"", "notInSegment", "empty", Context{"x": 1}, true},
	}
	runOpCases(t, cases, staff, nzStaff, empty)
}

// Every operator must survive any decoded-JSON value without panicking.
func TestOperatorsNeverPanic(t *testing.T) {
	values := []any{nil, "", "x", "1.2.3", "2025-01-01T00:00:00Z", 0.0, -1, math.NaN(), math.Inf(1), true,
		[]any{}, []any{"x"}, map[string]any{}, map[string]any{"a": nil}, json.Number("bad"), struct{}{}}
	operands := map[string]any{
		"eq": "x", "neq": 1.0, "in": []any{"x", 1.0, true}, "notIn": []any{"x"}, "contains": "x", "startsWith": "x",
		"endsWith": "x", "matches": "x", "lt": 1.0, "lte": 1.0, "gt": 1.0, "gte": 1.0, "semverEq": "1.2.3",
		"semverNeq": "1.2.3", "semverLt": "1.2.3", "semverLte": "1.2.3", "semverGt": "1.2.3", "semverGte": "1.2.3",
		"before": "2025-01-01T00:00:00Z", "after": "2025-01-01T00:00:00Z", "present": nil, "absent": nil,
	}
	if len(operands)+2 != len(operators) {
		t.Fatalf("%d operators tested, %d exist", len(operands)+2, len(operators))
	}
	var flags []*featureflags.Flag
	for op, v := range operands {
		for _, attr := range []string{"a", "a.b"} {
			flags = append(flags, flagOn(op+"-"+attr, "", nil, &featureflags.Targeting{Rules: []featureflags.Rule{{
				Conditions: []featureflags.Condition{{Attribute: attr, Operator: op, Value: v}}, Serve: featureflags.Serve{Variant: "on"},
			}}}))
		}
	}
	snap := mustCompile(t, flags)
	for i, v := range values {
		for _, ctx := range []Context{{"a": v}, {"a": map[string]any{"b": v}}} {
			for _, r := range snap.EvaluateAll(prod, ctx, nil) {
				if r.ErrorCode != "" {
					t.Errorf("value %d: %s: %s", i, r.Key, r.ErrorDetails)
				}
			}
		}
	}
	if len(snap.Keys(prod)) != 2*len(operands) {
		t.Fatalf("compiled %d flags, want %d", len(snap.Keys(prod)), 2*len(operands))
	}
}
