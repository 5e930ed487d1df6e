package eval

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/featureflags/featureflags"
)

// conditionIDOf compiles in alone and returns its id.
func conditionIDOf(t *testing.T, in featureflags.Condition) uint32 {
	t.Helper()
	segs := map[string]*featureflags.Segment{"s": {Name: "s", Conditions: []featureflags.Condition{cond("plan", "eq", "gold")}}}
	cc := newCompiler(segs)
	cc.regexLeft = MaxRegexTotal()
	c, err := cc.condition("c", &in)
	if err != nil {
		t.Fatal(err)
	}
	return c.id
}

// TestConditionIDs: conditions that compile alike share an id, others do
// not, and those whose outcome depends on more than the context have none.
func TestConditionIDs(t *testing.T) {
	same := [][2]featureflags.Condition{
		{cond("country", "in", []any{"NZ", "AU"}), cond("country", "in", []string{"NZ", "AU"})},
		{cond("age", "gte", 30), cond("age", "gte", 30.0)},
		{cond("age", "eq", int64(7)), cond("age", "eq", float32(7))},
		{cond("a.b", "present", nil), cond("a.b", "present", nil)},
	}
	for _, p := range same {
		if a, b := conditionIDOf(t, p[0]), conditionIDOf(t, p[1]); a == 0 || a != b {
			t.Errorf("%v and %v: ids %d and %d, want one", p[0], p[1], a, b)
		}
	}
	differ := [][2]featureflags.Condition{
		{cond("age", "eq", 30), cond("age", "eq", "30")},
		{cond("age", "eq", true), cond("age", "eq", "t")},
		{cond("age", "gte", 30), cond("age", "gt", 30)},
		{cond("age", "gte", 30), cond("agf", "gte", 30)},
		{cond("a.b", "present", nil), cond("a", "present", nil)},
		{cond("x", "in", []any{"ab", "c"}), cond("x", "in", []any{"a", "bc"})},
		{cond("x", "in", []any{"a"}), cond("x", "in", []any{"a", "a"})},
		{cond("v", "semverLt", "2.0.0"), cond("v", "semverLt", "2.0.1")},
		{cond("t", "before", "2024-01-01T00:00:00Z"), cond("t", "after", "2024-01-01T00:00:00Z")},
	}
	for _, p := range differ {
		if a, b := conditionIDOf(t, p[0]), conditionIDOf(t, p[1]); a == b {
			t.Errorf("%v and %v share id %d", p[0], p[1], a)
		}
	}
	for _, c := range []featureflags.Condition{cond("email", "matches", "^a"), cond("", "inSegment", "s"), cond("", "notInSegment", "s")} {
		if id := conditionIDOf(t, c); id != 0 {
			t.Errorf("%v has id %d: its outcome depends on more than the context", c, id)
		}
	}
}

// TestOutcomesDecidedOncePerUse: within one use a memo answers a condition
// from its first decision (the context is not read again), and a new use
// decides afresh.
func TestOutcomesDecidedOncePerUse(t *testing.T) {
	c, err := newCompiler(nil).condition("c", &featureflags.Condition{Attribute: "outcomeTestPlan", Operator: "eq", Value: "gold"})
	if err != nil || c.id == 0 {
		t.Fatalf("condition %+v, %v", c, err)
	}
	ctx := Context{"outcomeTestPlan": "gold"}
	conds := []condition{c}
	place(conds, []int{1})
	m := beginBulk()
	if run(conds, view{ctx: ctx, memo: m}, new(int64)) != 0 {
		t.Fatal("first decision: does not hold")
	}
	ctx["outcomeTestPlan"] = "free"
	if hold, known := m.conds.outcome(&c); !hold || !known {
		t.Errorf("outcome after the first decision: %t, %t", hold, known)
	}
	if run(conds, view{ctx: ctx, memo: m}, new(int64)) != 0 {
		t.Error("second decision in one use: does not hold, want the first decision")
	}
	endMemo(m)
	m = beginBulk()
	defer endMemo(m)
	if _, known := m.conds.outcome(&c); known {
		t.Error("a new use knows the previous use's outcome")
	}
	if run(conds, view{ctx: ctx, memo: m}, new(int64)) == 0 {
		t.Error("decision in a new use: holds, want a fresh decision")
	}
}

// TestOutcomesGenerationWraps: a memo whose generation reaches 2^31 (where
// gen<<1 loses its top bit) forgets every outcome.
func TestOutcomesGenerationWraps(t *testing.T) {
	c, _ := newCompiler(nil).condition("c", &featureflags.Condition{Attribute: "outcomeTestWrap", Operator: "present"})
	n := int(conditionIDs.n.Load())
	m := &outcomeMemo{}
	m.begin(n) // generation 1
	w := int64(1)
	m.decide(&c, Context{"outcomeTestWrap": 1}, &w)
	m.gen = 1<<31 - 1
	m.begin(n)
	if m.gen != 1 {
		t.Fatalf("generation after wrapping %d, want 1", m.gen)
	}
	if _, known := m.outcome(&c); known {
		t.Error("after wrapping: the outcome of 2^31 uses ago")
	}
}

// TestConditionsBounded: past maxConditions a condition gets no id, and
// bulk evaluations decide it every time, as single ones do.
func TestConditionsBounded(t *testing.T) {
	conditionIDs.mu.Lock()
	saved, savedN := conditionIDs.ids, conditionIDs.n.Load()
	full := make(map[string]uint32, maxConditions)
	for i := range maxConditions {
		full[fmt.Sprint("bounded", i)] = uint32(i + 1)
	}
	conditionIDs.ids = full
	conditionIDs.mu.Unlock()
	defer func() {
		conditionIDs.mu.Lock()
		conditionIDs.ids = saved
		conditionIDs.n.Store(savedN)
		conditionIDs.mu.Unlock()
	}()
	if id := conditionIDOf(t, cond("outcomeTestOneMore", "eq", "x")); id != 0 {
		t.Fatalf("a condition past the bound got id %d", id)
	}
	r := rand.New(rand.NewPCG(17, 3))
	flags, segs := agreeFlags(r, 100)
	snap := mustCompile(t, flags, segs...).WithoutCounting()
	for range 50 {
		checkAgree(t, snap, agreeContext(r))
	}
}

// TestBulkResultNotAmongEncodings: a result missing from its flag's
// encodings (tallies and evaluation disagreeing) is encoded and counted as
// Evaluate would.
func TestBulkResultNotAmongEncodings(t *testing.T) {
	flags := []*featureflags.Flag{flagOn("a", "", nil, &featureflags.Targeting{
		Rules:        []featureflags.Rule{serveRule("off", cond("plan", "eq", "free"))},
		DefaultServe: &featureflags.Serve{Variant: "on"},
	})}
	snap := mustCompile(t, flags)
	answer(snap, prod, nil, byKey) // encodes the flag's results
	f, _ := snap.env(prod).flags.Get("a")
	res := f.evaluate(snap.env(prod), view{ctx: Context{"plan": "free"}})
	unlisted := 0
	for l := range snap.env(prod).flags.Leaves() {
		r := memoOf(l).runs.Load()
		for i := range r.encs {
			if r.encs[i].t == res {
				r.encs[i].t, unlisted = &tally{}, unlisted+1
			}
		}
	}
	if unlisted != 1 {
		t.Fatalf("the result is among the encodings %d times, want 1", unlisted)
	}
	for range 2 {
		if got := answer(snap, prod, Context{"plan": "free"}, byKey); got != "a=off/"+ReasonTargetingMatch {
			t.Fatalf("answer %q", got)
		}
	}
	var n uint64
	snap.Drain(func(c Count) {
		if c.Variant == "off" {
			n += c.N
		}
	})
	if n != 2 {
		t.Errorf("%d servings of off counted, want 2", n)
	}
}
