package eval

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/featureflags/featureflags"
)

// agreeAttrs are the attribute paths the random flags test: top-level and
// nested names, sharing first names, and one no context has.
var agreeAttrs = []string{"targetingKey", "country", "plan", "age", "appVersion", "email", "beta", "since",
	"account.id", "account.tier", "org.plan.name", "never"}

// agreeCondition returns a random valid condition on a random attribute,
// of every operator, from few operands: many flags test the same
// conditions (which bulk evaluations decide once), some written with
// operands of other types that compile alike (30 and 30.0) or not ("30").
func agreeCondition(r *rand.Rand) featureflags.Condition {
	attr := agreeAttrs[r.IntN(len(agreeAttrs))]
	switch r.IntN(13) {
	case 10:
		return cond(attr, []string{"lte", "gt"}[r.IntN(2)], []any{30, 30.0, int64(17), float32(65)}[r.IntN(4)])
	case 11:
		return cond(attr, []string{"semverEq", "semverLte", "semverGt"}[r.IntN(3)], []string{"2.3.1", "1.9.0"}[r.IntN(2)])
	case 12:
		return cond(attr, []string{"before", "after"}[r.IntN(2)], []string{"2024-01-01T00:00:00Z", "2030-06-01T12:00:00+02:00"}[r.IntN(2)])
	case 0:
		return cond(attr, "present", nil)
	case 1:
		return cond(attr, "absent", nil)
	case 2:
		return cond(attr, "eq", []any{"US", "NZ", "gold", "u1", true, 30.0, 30, "30"}[r.IntN(8)])
	case 3:
		return cond(attr, "neq", []any{"US", "free", false}[r.IntN(3)])
	case 4:
		return cond(attr, "in", []any{"US", "NZ", "gold", "free", "acme", 7.0})
	case 5:
		return cond(attr, "notIn", []any{"AU", "team"})
	case 6:
		return cond(attr, []string{"lt", "gte"}[r.IntN(2)], float64(r.IntN(60)))
	case 7:
		return cond(attr, []string{"semverLt", "semverGte", "semverNeq"}[r.IntN(3)], "2.3.0")
	case 8:
		return cond(attr, "matches", "^[a-u][a-z0-9-]*$")
	}
	return cond(attr, []string{"contains", "startsWith", "endsWith"}[r.IntN(3)], []string{"a", "u", ".io"}[r.IntN(3)])
}

func agreeConditions(r *rand.Rand, max int) []featureflags.Condition {
	conds := make([]featureflags.Condition, 1+r.IntN(max))
	for i := range conds {
		conds[i] = agreeCondition(r)
	}
	return conds
}

// agreeFlags returns n random flags: rules of random conditions, some on
// segments, rollouts by targetingKey or a nested attribute, prerequisites
// on earlier flags, some off and some static.
func agreeFlags(r *rand.Rand, n int) ([]*featureflags.Flag, []*featureflags.Segment) {
	segs := []*featureflags.Segment{
		{Name: "all", Conditions: agreeConditions(r, 3)},
		{Name: "any", Match: "any", Conditions: agreeConditions(r, 3)},
		{Name: "nested", Conditions: []featureflags.Condition{cond("", "inSegment", "any"), cond("account.tier", "present", nil)}},
	}
	flags := make([]*featureflags.Flag, n)
	for i := range flags {
		var t *featureflags.Targeting
		if i%7 != 6 { // every seventh static
			t = &featureflags.Targeting{DefaultServe: &featureflags.Serve{Variant: []string{"on", "off"}[r.IntN(2)]}}
			for range r.IntN(4) {
				conds := agreeConditions(r, 3)
				if r.IntN(4) == 0 {
					op := []string{"inSegment", "notInSegment"}[r.IntN(2)]
					conds = append(conds, cond("", op, segs[r.IntN(len(segs))].Name))
				}
				t.Rules = append(t.Rules, serveRule([]string{"on", "off"}[r.IntN(2)], conds...))
			}
			if r.IntN(3) == 0 {
				t.DefaultServe = split([]string{"", "account.id"}[r.IntN(2)], "on", 50.0, "off", 50.0)
			}
			if i > 0 && r.IntN(4) == 0 {
				requires(t, fmt.Sprintf("f%03d", r.IntN(i)), "on")
			}
		}
		flags[i] = flagOn(fmt.Sprintf("f%03d", i), "", nil, t)
		flags[i].Environments[prod] = i%11 != 10
	}
	return flags, segs
}

// agreeContext returns a random context: some attributes missing, some
// nil, some of another type, nested objects as maps or Contexts.
func agreeContext(r *rand.Rand) Context {
	pick := func(vs ...any) any { return vs[r.IntN(len(vs))] }
	ctx := Context{}
	for name, v := range map[string]func() any{
		"targetingKey": func() any { return pick("u1", "u2", fmt.Sprint("user-", r.IntN(1000)), "", 42.0, nil) },
		"country":      func() any { return pick("US", "NZ", "AU", nil, 7.0) },
		"plan":         func() any { return pick("free", "gold", "team", true) },
		"age":          func() any { return pick(30.0, 17.0, 65, "30", nil) },
		"since":        func() any { return pick("2025-03-01T00:00:00Z", "2020-01-01T00:00:00Z", "soon", 1.0) },
		"appVersion":   func() any { return pick("2.3.1", "1.9.0", "2.3.0-beta.1", "x", nil) },
		"email":        func() any { return pick("jane@acme.io", "bob@example.com", "a", nil) },
		"beta":         func() any { return pick(true, false, "true") },
		"account": func() any {
			return pick(map[string]any{"id": "acme", "tier": "gold"}, Context{"id": 7.0}, map[string]any{"tier": nil},
				map[string]any{"id": nil}, "acme", nil)
		},
		"org": func() any {
			return pick(map[string]any{"plan": map[string]any{"name": "free"}}, map[string]any{"plan": "free"}, Context{"plan": Context{"name": "US"}})
		},
	} {
		if r.IntN(4) != 0 { // a quarter of the attributes missing
			ctx[name] = v()
		}
	}
	return ctx
}

// checkAgree evaluates every flag of snap for ctx one by one and in bulk
// (EvaluateAll and AppendEncoded), failing on any difference.
func checkAgree(t *testing.T, snap *Snapshot, ctx Context) {
	t.Helper()
	keys := snap.Keys(prod)
	all := snap.EvaluateAll(prod, ctx, nil)
	if len(all) != len(keys) {
		t.Fatalf("EvaluateAll gave %d results for %d flags", len(all), len(keys))
	}
	var want []string
	for i, key := range keys {
		one := snap.Evaluate(prod, key, ctx)
		if !reflect.DeepEqual(all[i], one) {
			t.Fatalf("context %v, flag %s: bulk %+v, single %+v", ctx, key, all[i], one)
		}
		want = append(want, string(byKey(nil, &one)))
	}
	if got := answer(snap, prod, ctx, byKey); got != strings.Join(want, ",") {
		t.Fatalf("context %v: AppendEncoded\n%s\nwant\n%s", ctx, got, strings.Join(want, ","))
	}
}

// TestBulkAgreesWithSingle: for many random flags and contexts, bulk
// evaluations (which read each attribute once per request from a memo)
// give exactly what evaluating each flag alone gives: nested paths, absent
// and nil values, segments, prerequisites and rollouts included. Contexts
// follow one another, so a memo that kept a previous request's values
// would show.
func TestBulkAgreesWithSingle(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 1))
	flags, segs := agreeFlags(r, 300)
	snap := mustCompile(t, flags, segs...).WithoutCounting()
	reasons := map[string]bool{}
	for range 400 {
		ctx := agreeContext(r)
		checkAgree(t, snap, ctx)
		for _, res := range snap.EvaluateAll(prod, ctx, nil) {
			reasons[res.Reason+res.ErrorCode] = true
		}
	}
	checkAgree(t, snap, nil)
	checkAgree(t, snap, Context{})
	// The flags must exercise every outcome, or agreement proves little.
	for _, want := range []string{ReasonStatic, ReasonTargetingMatch, ReasonSplit, ReasonDefault, ReasonDisabled,
		ReasonError + ErrorTargetingKeyMissing} {
		if !reasons[want] {
			t.Errorf("no result %s among %v", want, reasons)
		}
	}
}

// TestBulkAgreesOverWork: with a work limit that some contexts exceed,
// bulk and single evaluation give the same GENERAL errors.
func TestBulkAgreesOverWork(t *testing.T) {
	defer SetMaxEvalWork(0)
	SetMaxEvalWork(40)
	r := rand.New(rand.NewPCG(17, 2))
	flags, segs := agreeFlags(r, 120)
	snap := mustCompile(t, flags, segs...).WithoutCounting()
	over := 0
	for range 200 {
		ctx := agreeContext(r)
		checkAgree(t, snap, ctx)
		for _, res := range snap.EvaluateAll(prod, ctx, nil) {
			if res.ErrorCode == ErrorGeneral {
				over++
			}
		}
	}
	if over == 0 {
		t.Error("no evaluation exceeded the work limit")
	}
}

// TestAttrMemoReadsOncePerUse: within one use a memo answers a name from
// its first read (the context is not read again), a new use reads afresh,
// and a name interned after the use began is read from the context.
func TestAttrMemoReadsOncePerUse(t *testing.T) {
	a, err := attributePath("a", "memoTestCountry")
	if err != nil {
		t.Fatal(err)
	}
	ctx := Context{"memoTestCountry": "US"}
	m := beginMemo()
	if v := m.lookup(&a, ctx); v != "US" {
		t.Fatalf("first lookup %v", v)
	}
	ctx["memoTestCountry"] = "NZ"
	if v := m.lookup(&a, ctx); v != "US" {
		t.Errorf("second lookup in one use %v, want the first read, US", v)
	}
	late, _ := attributePath("b", fmt.Sprint("memoTestLate", names.n.Load()))
	ctx[late.name] = "late"
	if v := m.lookup(&late, ctx); v != "late" {
		t.Errorf("name interned after the use began: %v, want late", v)
	}
	endMemo(m)
	m = beginMemo()
	defer endMemo(m)
	if v := m.lookup(&a, ctx); v != "NZ" {
		t.Errorf("lookup in a new use %v, want NZ", v)
	}
}

// TestAttrMemoGenerationWraps: a memo whose generation wraps forgets what
// it read 2^32 uses ago, whose stamp the new generation would match.
func TestAttrMemoGenerationWraps(t *testing.T) {
	a, _ := attributePath("a", "memoTestWrap")
	n := int(names.n.Load())
	m := &attrMemo{}
	m.begin(n) // generation 1
	m.lookup(&a, Context{"memoTestWrap": "old"})
	m.gen = ^uint32(0) // 2^32 - 2 uses later
	m.begin(n)
	if m.gen != 1 {
		t.Fatalf("generation after wrapping %d, want 1", m.gen)
	}
	if v := m.lookup(&a, Context{"memoTestWrap": "new"}); v != "new" {
		t.Errorf("after wrapping: %v, want new", v)
	}
}

// TestNamesBounded: past maxNames a new name gets no memo slot, and bulk
// evaluation reads it from the context each time.
func TestNamesBounded(t *testing.T) {
	names.mu.Lock()
	saved := names.ids
	full := make(map[string]uint32, maxNames)
	for i := range maxNames {
		full[fmt.Sprint("bounded", i)] = uint32(i)
	}
	names.ids = full
	names.mu.Unlock()
	defer func() { names.mu.Lock(); names.ids = saved; names.mu.Unlock() }()
	if id := internName("one-more"); id != unmemoized {
		t.Fatalf("a name past the bound got id %d", id)
	}
	m := beginMemo()
	defer endMemo(m)
	a := attribute{name: "one-more", id: unmemoized}
	ctx := Context{"one-more": "a"}
	if v := m.lookup(&a, ctx); v != "a" {
		t.Fatalf("lookup gave %v, want a", v)
	}
	ctx["one-more"] = "b"
	if v := m.lookup(&a, ctx); v != "b" {
		t.Errorf("lookup gave %v after the context changed, want b", v)
	}
}
