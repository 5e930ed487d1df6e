package eval

import (
	"errors"
	"strings"
	"testing"

	"github.com/featureflags/featureflags"
)

// worstPattern is near the program bound and keeps hundreds of states alive
// on every byte of an input of letters: the costliest kind of "matches".
var worstPattern = strings.Repeat(`[a-z]{300}`, 3) + "x"

// TestMatchInputBound: an attribute longer than max-match-input does not
// match (nor run the pattern); one at the bound does.
func TestMatchInputBound(t *testing.T) {
	SetMaxMatchInput(64)
	defer SetMaxMatchInput(0)
	snap := mustCompile(t, []*featureflags.Flag{flagOn("f", "", nil, &featureflags.Targeting{
		Rules: []featureflags.Rule{serveRule("off", cond("email", "matches", `^a+$`))},
	})})
	if r := snap.Evaluate(prod, "f", Context{"email": strings.Repeat("a", 64)}); r.Reason != ReasonTargetingMatch {
		t.Fatalf("64 bytes: %+v, want TARGETING_MATCH", r)
	}
	if r := snap.Evaluate(prod, "f", Context{"email": strings.Repeat("a", 65)}); r.Reason != ReasonDefault {
		t.Fatalf("65 bytes: %+v, want DEFAULT (no match)", r)
	}
}

// TestEvalWorkBound: once one evaluation's matches have cost more than
// max-eval-work, it ends with an error naming the limit, never falling
// through to a later rule; a cheap context of the same flag is unaffected.
func TestEvalWorkBound(t *testing.T) {
	rules := make([]featureflags.Rule, 0, 11)
	for range 10 {
		rules = append(rules, serveRule("on", cond("ua", "matches", worstPattern)))
	}
	rules = append(rules, serveRule("off", cond("ua", "present", nil)))
	snap := mustCompile(t, []*featureflags.Flag{flagOn("f", "", nil, &featureflags.Targeting{Rules: rules})})
	long := Context{"ua": strings.Repeat("a", DefaultMaxMatchInput)}
	r := snap.Evaluate(prod, "f", long)
	if r.ErrorCode != ErrorGeneral || !strings.Contains(r.ErrorDetails, LimitEvalWork) || r.Value != nil {
		t.Fatalf("long input: %+v, want GENERAL naming %s", r, LimitEvalWork)
	}
	if r := snap.Evaluate(prod, "f", Context{"ua": "abc"}); r.Reason != ReasonTargetingMatch || r.Variant != "off" {
		t.Fatalf("short input: %+v, want the last rule's off", r)
	}
	SetMaxEvalWork(1 << 40)
	defer SetMaxEvalWork(0)
	if r := snap.Evaluate(prod, "f", Context{"ua": strings.Repeat("a", 64)}); r.Variant != "off" {
		t.Fatalf("ample work: %+v, want the last rule's off", r)
	}
}

// TestProblems: a flag over a lowered bound reports where and why, for the
// environment where it does not compile only.
func TestProblems(t *testing.T) {
	big := flagOn("big", "", nil, threeRules(cond("email", "matches", `a{50}`)))
	small := flagOn("small", "", nil, threeRules(cond("email", "matches", `a`)))
	SetMaxRegexProgram(20)
	defer SetMaxRegexProgram(0)
	snap := Compile([]*featureflags.Flag{big, small}, nil, testEnvs, 1)
	got := snap.Problems("big")
	if len(got) != 1 || got[0].Environment != prod || got[0].Flag != "big" ||
		got[0].Field != "targeting.production.rules[2].conditions[1].value" || !strings.Contains(got[0].Message, LimitRegexProgram) {
		t.Fatalf("Problems(big) = %+v", got)
	}
	if p := snap.Problems("small"); p != nil {
		t.Fatalf("Problems(small) = %+v, want none", p)
	}
	if n := snap.InvalidFlags(); n != 1 {
		t.Fatalf("InvalidFlags = %d, want 1", n)
	}
	if all := snap.AllProblems(); len(all) != 1 {
		t.Fatalf("AllProblems = %+v", all)
	}
}

// worstFlag has the most rules and conditions the service accepts by
// default (100 × 50): first as many worst-case patterns as
// --max-regex-total allows, then substring tests, all on one attribute.
func worstFlag() *featureflags.Flag {
	re, err := compileRegex("v", worstPattern)
	if err != nil {
		panic(err)
	}
	patterns := MaxRegexTotal() / re.inst
	rules := make([]featureflags.Rule, 100)
	for i := range rules {
		conds := make([]featureflags.Condition, 50)
		for j := range conds {
			if i*50+j < patterns {
				conds[j] = cond("ua", "matches", worstPattern)
			} else {
				conds[j] = cond("ua", "contains", strings.Repeat("b", 100))
			}
		}
		rules[i] = serveRule("on", conds...)
	}
	return flagOn("worst", "", nil, &featureflags.Targeting{Rules: rules})
}

// TestRegexTotalBound: the worst flag is accepted; one more pattern is
// refused, naming the place and max-regex-total; a segment has an
// allowance of its own.
func TestRegexTotalBound(t *testing.T) {
	f := worstFlag()
	if err := Validate(f, nil); err != nil {
		t.Fatal(err)
	}
	f.Targeting[prod].Rules[99].Conditions[49] = cond("ua", "matches", worstPattern)
	err := Validate(f, nil)
	var e *featureflags.Error
	if !errors.As(err, &e) || e.Limit != LimitRegexTotal || e.Field != "targeting.production.rules[99].conditions[49].value" {
		t.Fatalf("error %v, want %s at the last condition", err, LimitRegexTotal)
	}
	seg := &featureflags.Segment{Name: "s", Conditions: []featureflags.Condition{cond("ua", "matches", worstPattern)}}
	f = worstFlag()
	f.Targeting[prod].Rules[99].Conditions[49] = cond("", "inSegment", "s")
	if err := Validate(f, map[string]*featureflags.Segment{"s": seg}); err != nil {
		t.Fatalf("a segment's pattern counted against the flag: %v", err)
	}
}

// BenchmarkWorstEvaluation measures the CPU of the costliest evaluation of
// one flag under the default bounds: the worst flag against the longest
// attribute whose match the work bound still pays for once (a longer one
// is refused before running, a shorter one costs less per match).
func BenchmarkWorstEvaluation(b *testing.B) {
	snap := Compile([]*featureflags.Flag{worstFlag()}, nil, testEnvs, 1)
	re, err := compileRegex("v", worstPattern)
	if err != nil {
		b.Fatal(err)
	}
	n := min(MaxMatchInput(), MaxEvalWork()/re.inst-1)
	ctx := Context{"ua": strings.Repeat("a", n)}
	b.ReportMetric(float64(n), "input-bytes")
	if r := snap.Evaluate(prod, "worst", ctx); r.ErrorCode == ErrorParse {
		b.Fatalf("%+v: the worst flag must compile", r)
	}
	b.ReportAllocs()
	for b.Loop() {
		snap.Evaluate(prod, "worst", ctx)
	}
}

// BenchmarkWorstMatch measures one worst-case pattern against an input at
// max-match-input: the most one condition can cost.
func BenchmarkWorstMatch(b *testing.B) {
	re, err := compileRegex("v", worstPattern)
	if err != nil {
		b.Fatal(err)
	}
	s := strings.Repeat("a", MaxMatchInput())
	b.ReportMetric(float64(re.inst), "instructions")
	for b.Loop() {
		re.MatchString(s)
	}
}

// BenchmarkCompileWorstFlag measures compiling the flag with the most
// costly patterns the default bounds accept, the CPU one write of it
// takes (and every start, once per environment that targets it).
func BenchmarkCompileWorstFlag(b *testing.B) {
	f := worstFlag()
	for b.Loop() {
		if err := Validate(f, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOverWorkIsCounted: an evaluation that ran out of work is reported by
// Drain like any other error, so usage and the error metric see it.
func TestOverWorkIsCounted(t *testing.T) {
	rules := []featureflags.Rule{serveRule("on", cond("ua", "matches", worstPattern))}
	snap := mustCompile(t, []*featureflags.Flag{flagOn("f", "", nil, &featureflags.Targeting{Rules: rules})})
	long := Context{"ua": strings.Repeat("a", DefaultMaxMatchInput)}
	for range 2 {
		if r := snap.Evaluate(prod, "f", long); r.ErrorCode != ErrorGeneral {
			t.Fatalf("long input: %+v, want GENERAL", r)
		}
	}
	want := Count{Environment: prod, Flag: "f", Reason: ReasonError, ErrorCode: ErrorGeneral}
	if got := drained(snap); got[want] != 2 {
		t.Fatalf("drained %v, want 2 of %+v", got, want)
	}
}
