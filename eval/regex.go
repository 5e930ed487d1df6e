package eval

import (
	"regexp"
	"regexp/syntax"
	"strconv"
	"sync/atomic"

	"github.com/featureflags/featureflags"
)

// LimitRegexProgram names the bound on a compiled regular expression, as
// the command line and errors give it.
const LimitRegexProgram = "max-regex-program"

// DefaultMaxRegexProgram is the most instructions a "matches" condition's
// compiled program may have unless SetMaxRegexProgram says otherwise: far
// above what real patterns need (an e-mail pattern is about a hundred), and
// small enough that compiling and matching stay cheap.
const DefaultMaxRegexProgram = 1000

var maxRegexProgram atomic.Int64

func init() { maxRegexProgram.Store(DefaultMaxRegexProgram) }

// SetMaxRegexProgram sets the bound on compiled regular expressions for
// Validate and Compile alike, so that a write is accepted exactly when it
// compiles; n < 1 restores the default. A stored flag over a lowered bound
// evaluates to PARSE_ERROR, alone.
func SetMaxRegexProgram(n int) {
	if n < 1 {
		n = DefaultMaxRegexProgram
	}
	maxRegexProgram.Store(int64(n))
}

// MaxRegexProgram returns the bound SetMaxRegexProgram set.
func MaxRegexProgram() int { return int(maxRegexProgram.Load()) }

// compileRegex compiles a "matches" operand, refusing one whose program
// would exceed the bound. Source length says little (x{1000}{1000} is
// short), so the parsed tree's size is estimated first, without building
// anything large, and the exact program is then measured.
func compileRegex(field, src string) (*regexp.Regexp, error) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, featureflags.FieldErrorf(field, "invalid regular expression: %v", err)
	}
	limit := MaxRegexProgram()
	if n := estimate(re, limit); n > limit {
		return nil, regexTooLarge(field, n, limit)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, featureflags.FieldErrorf(field, "invalid regular expression: %v", err)
	}
	if n := len(prog.Inst); n > limit {
		return nil, regexTooLarge(field, n, limit)
	}
	out, err := regexp.Compile(src)
	if err != nil {
		return nil, featureflags.FieldErrorf(field, "invalid regular expression: %v", err)
	}
	return out, nil
}

func regexTooLarge(field string, n, limit int) *featureflags.Error {
	what := strconv.Itoa(n)
	if n > limit && n == limit+1 {
		what = "more than " + strconv.Itoa(limit)
	}
	e := featureflags.FieldErrorf(field, "the regular expression is too large: its program has %s instructions; at most %d are allowed (limit %s)",
		what, limit, LimitRegexProgram)
	e.Limit = LimitRegexProgram
	return e
}

// estimate bounds from above the instructions re compiles to, stopping
// once past limit (so that nested repeats cannot overflow).
func estimate(re *syntax.Regexp, limit int) int {
	switch re.Op {
	case syntax.OpLiteral:
		return min(len(re.Rune), limit+1)
	case syntax.OpRepeat:
		count := max(re.Min, re.Max)
		if re.Max < 0 {
			count = re.Min + 1
		}
		sub := estimate(re.Sub[0], limit)
		if count > 0 && sub > (limit+1)/count {
			return limit + 1
		}
		return min(sub*count+count-re.Min+1, limit+1)
	}
	n := 1 // a leaf, or the split or capture around the subexpressions
	for _, sub := range re.Sub {
		n += estimate(sub, limit) + 1
		if n > limit {
			return limit + 1
		}
	}
	return n
}
