package eval

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/featureflags/featureflags"
)

func TestEvaluateReasons(t *testing.T) {
	colors := map[string]any{"blue": "#00f", "green": "#0f0", "red": "#f00"}
	betaRule := serveRule("green", cond("beta", "eq", true))
	flags := []*featureflags.Flag{
		flagOn("static-nil", "", nil, nil),
		flagOn("static-default", featureflags.TypeString, colors, &featureflags.Targeting{DefaultServe: &featureflags.Serve{Variant: "red"}}),
		flagOn("rules", featureflags.TypeString, colors, &featureflags.Targeting{
			Rules:        []featureflags.Rule{betaRule, {Conditions: []featureflags.Condition{cond("country", "eq", "NZ")}, Serve: *split("", "blue", 100.0)}},
			DefaultServe: &featureflags.Serve{Variant: "red"},
		}),
		flagOn("split-default", "", nil, &featureflags.Targeting{DefaultServe: split("", "on", 100.0, "off", 0.0)}),
		flagOn("off", featureflags.TypeString, colors, &featureflags.Targeting{Rules: []featureflags.Rule{betaRule}, OffVariant: "blue"}),
		flagOn("off-bool", "", nil, nil),
	}
	flags[4].Environments[prod] = false
	flags[5].Environments[prod] = false
	snap := mustCompile(t, flags)
	cases := []struct {
		key     string
		ctx     Context
		reason  string
		variant string
		value   any
	}{
		{"static-nil", Context{"beta": true}, ReasonStatic, "on", true},
		{"static-default", nil, ReasonStatic, "red", "#f00"},
		{"rules", Context{"beta": true, "country": "NZ"}, ReasonTargetingMatch, "green", "#0f0"},
		{"rules", Context{"country": "NZ", "targetingKey": "u1"}, ReasonSplit, "blue", "#00f"},
		{"rules", Context{"country": "AU"}, ReasonDefault, "red", "#f00"},
		{"split-default", Context{"targetingKey": "u1"}, ReasonSplit, "on", true},
		{"off", Context{"beta": true}, ReasonDisabled, "blue", "#00f"},
		{"off-bool", nil, ReasonDisabled, "off", false},
	}
	for _, c := range cases {
		r := snap.Evaluate(prod, c.key, c.ctx)
		want := Result{Key: c.key, Type: snap.mustType(t, c.key), Value: c.value, Variant: c.variant, Reason: c.reason, Metadata: r.Metadata}
		if r != want {
			t.Errorf("%s with %v: got %+v, want %+v", c.key, c.ctx, r, want)
		}
	}
}

func (s *Snapshot) mustType(t *testing.T, key string) featureflags.FlagType {
	t.Helper()
	typ, ok := s.Lookup(prod, key)
	if !ok {
		t.Fatalf("Lookup(%s) failed", key)
	}
	return typ
}

func TestEvaluateDefaults(t *testing.T) {
	str := flagOn("str", featureflags.TypeString, map[string]any{"zebra": "z", "apple": "a", "mango": "m"}, nil)
	num := flagOn("num", featureflags.TypeNumber, map[string]any{"one": 1, "two": int64(2)}, &featureflags.Targeting{DefaultServe: &featureflags.Serve{Variant: "two"}})
	snap := mustCompile(t, []*featureflags.Flag{str, num})
	// The first variant by name, both on and off.
	if r := snap.Evaluate(prod, "str", nil); r.Variant != "apple" || r.Value != "a" || r.Reason != ReasonStatic {
		t.Errorf("string flag on: %+v", r)
	}
	if r := snap.Evaluate("staging", "str", nil); r.Variant != "apple" || r.Reason != ReasonDisabled {
		t.Errorf("string flag off: %+v", r)
	}
	if r := snap.Evaluate(prod, "num", nil); r.Value != 2.0 || r.Type != featureflags.TypeNumber {
		t.Errorf("number values must be float64: %+v (%T)", r, r.Value)
	}
	if r := snap.Evaluate("staging", "num", nil); r.Value != 1.0 || r.Variant != "one" {
		t.Errorf("number flag off ignores the production targeting: %+v", r)
	}
	// An environment the flag does not list is off.
	bare := &featureflags.Flag{ID: "id", Name: "bare"}
	if r := Compile([]*featureflags.Flag{bare}, nil, []string{prod}, 1).Evaluate(prod, "bare", nil); r.Reason != ReasonDisabled || r.Value != false || r.Type != featureflags.TypeBoolean {
		t.Errorf("bare flag: %+v", r)
	}
}

func TestEvaluateErrors(t *testing.T) {
	good := flagOn("good", "", nil, nil)
	needsSegment := flagOn("needs-segment", "", nil, &featureflags.Targeting{Rules: []featureflags.Rule{serveRule("on", cond("", "inSegment", "gone"))}})
	badType := &featureflags.Flag{ID: "x", Name: "bad-type", Type: "date", Environments: map[string]bool{prod: true}}
	stagingOnly := flagOn("staging-only", "", nil, nil)
	stagingOnly.Targeting["staging"] = &featureflags.Targeting{OffVariant: "nope"}
	rollout := flagOn("rollout", "", nil, &featureflags.Targeting{DefaultServe: split("org.id", "on", 50.0, "off", 50.0)})
	snap := Compile([]*featureflags.Flag{good, needsSegment, badType, stagingOnly, rollout}, nil, testEnvs, 1)

	check := func(env, key string, ctx Context, code string) Result {
		t.Helper()
		r := snap.Evaluate(env, key, ctx)
		if r.Reason != ReasonError || r.ErrorCode != code || r.Value != nil || r.Variant != "" || r.ErrorDetails == "" || r.Key != key {
			t.Errorf("%s/%s: %+v, want an %s error", env, key, r, code)
		}
		return r
	}
	check(prod, "nope", nil, ErrorFlagNotFound)
	check("qa", "good", nil, ErrorGeneral)
	check(prod, "needs-segment", nil, ErrorParse)
	if r := check(prod, "bad-type", nil, ErrorParse); r.Type != "date" {
		t.Errorf("type %q, want the declared one", r.Type)
	}
	check("staging", "staging-only", nil, ErrorParse)
	if r := snap.Evaluate(prod, "staging-only", nil); r.Reason != ReasonStatic {
		t.Errorf("a broken staging must not break production: %+v", r)
	}
	if r := snap.Evaluate(prod, "good", nil); r.Reason != ReasonStatic || r.Value != true {
		t.Errorf("a broken flag must not break others: %+v", r)
	}
	for _, ctx := range []Context{nil, {"targetingKey": "u"}, {"org": map[string]any{"id": ""}}, {"org": map[string]any{"id": true}}, {"org": map[string]any{"id": []any{"x"}}}, {"org": "acme"}} {
		check(prod, "rollout", ctx, ErrorTargetingKeyMissing)
	}
	for _, id := range []any{"acme", 42, 4.5} {
		if r := snap.Evaluate(prod, "rollout", Context{"org": map[string]any{"id": id}}); r.Reason != ReasonSplit {
			t.Errorf("bucketing by %#v: %+v", id, r)
		}
	}
}

func TestSnapshotAccessors(t *testing.T) {
	flags := []*featureflags.Flag{flagOn("b", "", nil, nil), flagOn("a", "", nil, nil), flagOn("c", featureflags.TypeString, map[string]any{"x": "1"}, nil)}
	dup := flagOn("a", featureflags.TypeString, map[string]any{"x": "dup"}, nil)
	snap := Compile(append(flags, dup, nil), []*featureflags.Segment{nil}, []string{"staging", prod, "staging"}, 42)
	if snap.Revision() != 42 {
		t.Errorf("revision %d", snap.Revision())
	}
	envs := snap.Environments()
	if !slices.Equal(envs, []string{"staging", prod}) {
		t.Errorf("environments %v", envs)
	}
	envs[0] = "mutated"
	if snap.Environments()[0] != "staging" {
		t.Error("Environments exposes the snapshot's slice")
	}
	if keys := snap.Keys(prod); !slices.Equal(keys, []string{"a", "b", "c"}) {
		t.Errorf("keys %v", keys)
	}
	if snap.Keys("qa") != nil {
		t.Error("keys of an unknown environment")
	}
	if typ, ok := snap.Lookup(prod, "a"); !ok || typ != featureflags.TypeBoolean {
		t.Errorf("Lookup(a) = %q, %t: the first flag of a name must win", typ, ok)
	}
	if _, ok := snap.Lookup(prod, "zzz"); ok {
		t.Error("Lookup of a missing flag succeeded")
	}
}

func TestEvaluateAll(t *testing.T) {
	var flags []*featureflags.Flag
	for i := 9; i >= 0; i-- {
		flags = append(flags, flagOn("flag-"+strconv.Itoa(i), "", nil, nil))
	}
	snap := mustCompile(t, flags)
	prefix := []Result{{Key: "keep"}}
	got := snap.EvaluateAll(prod, nil, prefix)
	if len(got) != 11 || got[0].Key != "keep" {
		t.Fatalf("EvaluateAll did not append: %d results", len(got))
	}
	for i, r := range got[1:] {
		if want := snap.Evaluate(prod, "flag-"+strconv.Itoa(i), nil); r != want {
			t.Errorf("result %d: %+v, want %+v", i, r, want)
		}
	}
	again := snap.EvaluateAll(prod, nil, got[:0])
	if &again[0] != &got[0] {
		t.Error("EvaluateAll did not reuse dst")
	}
	if out := snap.EvaluateAll("qa", nil, prefix); len(out) != 1 {
		t.Errorf("unknown environment appended %d results", len(out)-1)
	}
}

func TestSnapshotSharesNothingWithInput(t *testing.T) {
	obj := map[string]any{"limits": []any{1.0, 2.0}}
	f := flagOn("obj", featureflags.TypeObject, map[string]any{"v": obj}, &featureflags.Targeting{
		Rules: []featureflags.Rule{serveRule("v", cond("plan", "in", []any{"pro"}))},
	})
	snap := mustCompile(t, []*featureflags.Flag{f})
	obj["limits"].([]any)[0] = 99.0
	obj["new"] = true
	f.Targeting[prod].Rules[0].Conditions[0].Value.([]any)[0] = "free"
	f.Environments[prod] = false
	r := snap.Evaluate(prod, "obj", Context{"plan": "pro"})
	if want := map[string]any{"limits": []any{1.0, 2.0}}; r.Reason != ReasonTargetingMatch || !reflect.DeepEqual(r.Value, want) {
		t.Errorf("after changing the input: %+v", r)
	}
}

// Many goroutines evaluating one snapshot must agree with a sequential run;
// -race checks that evaluation only reads.
func TestEvaluateConcurrently(t *testing.T) {
	snap, _ := benchSnapshot(t, 200)
	ctxs := make([]Context, 50)
	want := make([][]Result, len(ctxs))
	for i := range ctxs {
		ctxs[i] = benchContext("user-" + strconv.Itoa(i))
		ctxs[i]["country"] = []string{"NZ", "US", "DE"}[i%3]
		want[i] = snap.EvaluateAll(prod, ctxs[i], nil)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst []Result
			for i := range ctxs {
				dst = snap.EvaluateAll(prod, ctxs[i], dst[:0])
				if !slices.Equal(dst, want[i]) {
					errs <- "EvaluateAll differs for context " + strconv.Itoa(i)
					return
				}
				for _, r := range want[i][:20] {
					if got := snap.Evaluate(prod, r.Key, ctxs[i]); got != r {
						errs <- "Evaluate differs for " + r.Key
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestCompileManyFlags: a snapshot of more flags than are compiled on one
// goroutine evaluates each flag as a snapshot of that flag alone does.
func TestCompileManyFlags(t *testing.T) {
	var flags []*featureflags.Flag
	for i := range parallelFlags + 100 {
		var tg *featureflags.Targeting
		if i%3 == 0 {
			tg = &featureflags.Targeting{Rules: []featureflags.Rule{serveRule("off", cond("country", "eq", "NZ"))}}
		}
		f := flagOn(fmt.Sprintf("f%05d", i), "", nil, tg)
		f.Environments[prod] = i%5 != 0
		flags = append(flags, f)
	}
	all := mustCompile(t, flags)
	ctx := Context{"targetingKey": "k", "country": "NZ"}
	for _, f := range flags {
		got, want := all.Evaluate(prod, f.Name, ctx), mustCompile(t, []*featureflags.Flag{f}).Evaluate(prod, f.Name, ctx)
		// Each snapshot has its own metadata: compare what it says.
		if got.Metadata.String() != want.Metadata.String() {
			t.Fatalf("%s: metadata %s, want %s", f.Name, got.Metadata, want.Metadata)
		}
		got.Metadata, want.Metadata = nil, nil
		if got != want {
			t.Fatalf("%s: %+v, want %+v", f.Name, got, want)
		}
	}
}

// TestRulesInOrder checks the flat list of rules evaluation runs: a rule
// whose first condition holds and second does not gives way to the next,
// a rule without conditions always matches, and rules after it are never
// reached; Explain agrees with each result.
func TestRulesInOrder(t *testing.T) {
	variants := map[string]any{"a": "A", "b": "B", "c": "C", "d": "D"}
	snap := mustCompile(t, []*featureflags.Flag{flagOn("f", featureflags.TypeString, variants, &featureflags.Targeting{
		Rules: []featureflags.Rule{
			serveRule("a", cond("country", "eq", "NZ"), cond("plan", "eq", "team")),
			serveRule("b", cond("plan", "in", []any{"team", "free"})),
			serveRule("c"),
			serveRule("a", cond("country", "eq", "US")),
		},
		DefaultServe: &featureflags.Serve{Variant: "d"},
	})})
	for _, c := range []struct {
		ctx     Context
		variant string
		rule    int
	}{
		{Context{"country": "NZ", "plan": "team"}, "a", 0},
		{Context{"country": "NZ", "plan": "free"}, "b", 1},
		{Context{"country": "US", "plan": "business"}, "c", 2},
		{nil, "c", 2},
	} {
		r := snap.Evaluate(prod, "f", c.ctx)
		if r.Variant != c.variant || r.Reason != ReasonTargetingMatch {
			t.Errorf("%v: %s, %s; want %s, %s", c.ctx, r.Variant, r.Reason, c.variant, ReasonTargetingMatch)
		}
		x := snap.Explain(prod, "f", c.ctx)
		if x.Rule != c.rule || x.Rules[2].Conditions == nil || len(x.Rules[2].Conditions) != 0 || x.Rules[3].Consulted {
			t.Errorf("%v: explained %+v; want rule %d, rule 2 without conditions, rule 3 not consulted", c.ctx, x, c.rule)
		}
	}
}
