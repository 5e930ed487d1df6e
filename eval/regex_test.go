package eval

import (
	"errors"
	"strings"
	"testing"

	"github.com/featureflags/featureflags"
)

// TestRegexProgramBounded: a short pattern whose program is huge is refused,
// naming the place and the limit; one within the bound passes.
func TestRegexProgramBounded(t *testing.T) {
	for _, src := range []string{
		`\pL{1000}\pL{1000}\pL{1000}\pL{1000}\pL{1000}\pL{1000}`, // short source, enormous program
		strings.Repeat(`[a-z]{1000}`, 40),                        // the 36 KB kind, smaller
		strings.Repeat("x", DefaultMaxRegexProgram+1),            // a long literal
	} {
		f := flagOn("f", "", nil, threeRules(cond("email", "matches", src)))
		err := Validate(f, nil)
		var e *featureflags.Error
		if !errors.As(err, &e) || e.Limit != LimitRegexProgram || !strings.Contains(e.Message, LimitRegexProgram) {
			t.Fatalf("%.40s: error %v, want the limit %s named", src, err, LimitRegexProgram)
		}
		if want := "targeting.production.rules[2].conditions[1].value"; e.Field != want {
			t.Fatalf("field %q, want %q", e.Field, want)
		}
	}
	ok := flagOn("f", "", nil, threeRules(cond("email", "matches", `^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$`)))
	if err := Validate(ok, nil); err != nil {
		t.Fatal(err)
	}
}

// TestRegexBoundLowered: a stored flag over a lowered bound evaluates to
// PARSE_ERROR alone; the other flags of the snapshot are unaffected.
func TestRegexBoundLowered(t *testing.T) {
	big := flagOn("big", "", nil, threeRules(cond("email", "matches", `a{50}`)))
	small := flagOn("small", "", nil, threeRules(cond("email", "matches", `a`)))
	if err := Validate(big, nil); err != nil {
		t.Fatal(err)
	}
	SetMaxRegexProgram(20)
	defer SetMaxRegexProgram(0)
	snap := Compile([]*featureflags.Flag{big, small}, nil, testEnvs, 1)
	ctx := Context{"country": "NZ", "email": "a"}
	if r := snap.Evaluate(prod, "big", ctx); r.ErrorCode != ErrorParse || !strings.Contains(r.ErrorDetails, LimitRegexProgram) {
		t.Fatalf("big: %+v, want PARSE_ERROR naming %s", r, LimitRegexProgram)
	}
	if r := snap.Evaluate(prod, "small", ctx); r.Reason != ReasonTargetingMatch {
		t.Fatalf("small: %+v, want TARGETING_MATCH", r)
	}
}

// BenchmarkRegexWorstCase measures the most one condition can cost: a
// program at the bound against a 16 KiB attribute.
func BenchmarkRegexWorstCase(b *testing.B) {
	re, err := compileRegex("v", strings.Repeat(`[a-z]{300}`, 3)+"x")
	if err != nil {
		b.Fatal(err)
	}
	s := strings.Repeat("a", 16<<10)
	b.ResetTimer()
	for b.Loop() {
		re.MatchString(s)
	}
}
