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

// LimitRegexTotal names the bound on all the regular expressions of one
// flag or segment together: each pattern costs milliseconds and megabytes
// to compile, and a flag may hold 5000 conditions (ten seconds and 1.2 GB
// per write, and per start, before this bound).
const LimitRegexTotal = "max-regex-total"

// DefaultMaxRegexTotal allows ten patterns at the program bound, or a
// hundred of an e-mail pattern's size.
const DefaultMaxRegexTotal = 10 * DefaultMaxRegexProgram

var maxRegexTotal atomic.Int64

func init() { maxRegexTotal.Store(DefaultMaxRegexTotal) }

// SetMaxRegexTotal sets the bound on the instructions of all the
// "matches" programs of one flag (all environments) or one segment; n < 1
// restores the default. Stored flags over a lowered bound evaluate to
// PARSE_ERROR and are reported (Snapshot.Problems).
func SetMaxRegexTotal(n int) { setBound(&maxRegexTotal, n, DefaultMaxRegexTotal) }

// MaxRegexTotal returns the bound SetMaxRegexTotal set.
func MaxRegexTotal() int { return int(maxRegexTotal.Load()) }

// regex compiles a "matches" operand within what the flag or segment
// being compiled may still spend; once that is spent nothing more is
// compiled, so a write costs at most the total and one program.
func (c *compiler) regex(field, src string) (*regex, error) {
	if c.regexLeft > 0 {
		re, err := compileRegex(field, src)
		if err != nil {
			return nil, err
		}
		if c.regexLeft -= re.inst; c.regexLeft >= 0 {
			return re, nil
		}
	}
	limit := MaxRegexTotal()
	e := featureflags.FieldErrorf(field, "the regular expressions of this flag or segment have more than %d instructions in all (limit %s): use fewer or simpler patterns", limit, LimitRegexTotal)
	e.Limit = LimitRegexTotal
	return nil, e
}

// MaxRegexProgram returns the bound SetMaxRegexProgram set.
func MaxRegexProgram() int { return int(maxRegexProgram.Load()) }

// compileRegex compiles a "matches" operand, refusing one whose program
// would exceed the bound. Source length says little (x{1000}{1000} is
// short), so the parsed tree's size is estimated first, without building
// anything large, and the exact program is then measured.
// regex is a compiled "matches" operand and its program's size, the cost
// of each input byte (work.go).
type regex struct {
	*regexp.Regexp
	inst int
}

func compileRegex(field, src string) (*regex, error) {
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
	return &regex{out, len(prog.Inst)}, nil
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
