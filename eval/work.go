package eval

import (
	"strconv"
	"sync/atomic"
)

// Bounds on the work of one evaluation, as the command line and errors
// name them. A "matches" condition costs up to its program's instructions
// times the input's bytes (RE2 runs in linear time, but its constant is the
// program: a 1000-instruction program takes about a second for 16 KiB),
// and a flag may hold thousands of conditions, so both the input and the
// sum are bounded.
const (
	LimitMatchInput = "max-match-input"
	LimitEvalWork   = "max-eval-work"
)

// Defaults: an e-mail address, a URL or a user agent fit in the input; the
// work allows a hundred e-mail addresses against a 100-instruction pattern,
// and costs about 0.1 s of CPU at worst (BenchmarkWorstEvaluation).
const (
	DefaultMaxMatchInput = 4096
	DefaultMaxEvalWork   = 1 << 20
)

var maxMatchInput, maxEvalWork atomic.Int64

func init() {
	maxMatchInput.Store(DefaultMaxMatchInput)
	maxEvalWork.Store(DefaultMaxEvalWork)
}

// SetMaxMatchInput bounds the bytes of an attribute a "matches" condition
// runs against: a longer one does not match, as a value of another type
// does not, and costs nothing. n < 1 restores the default.
func SetMaxMatchInput(n int) { setBound(&maxMatchInput, n, DefaultMaxMatchInput) }

// SetMaxEvalWork bounds the work of evaluating one flag for one context,
// counted as the sum over the "matches" conditions run of (input bytes + 1)
// times program instructions. An evaluation that would exceed it ends with
// a GENERAL error naming the limit, so the caller serves its own default.
// n < 1 restores the default.
func SetMaxEvalWork(n int) { setBound(&maxEvalWork, n, DefaultMaxEvalWork) }

// MaxMatchInput and MaxEvalWork return the bounds in force.
func MaxMatchInput() int { return int(maxMatchInput.Load()) }
func MaxEvalWork() int   { return int(maxEvalWork.Load()) }

func setBound(b *atomic.Int64, n, def int) {
	if n < 1 {
		n = def
	}
	b.Store(int64(n))
}

// matchRegex runs c's pattern against s, charging w for it; it reports no
// match without running when s is too long or w cannot pay.
func (c *condition) matchRegex(s string, w *int64) bool {
	if len(s) > int(maxMatchInput.Load()) {
		return false
	}
	*w -= int64(len(s)+1) * int64(c.re.inst)
	return *w >= 0 && c.re.MatchString(s)
}

// overWork is the result of an evaluation of d that ran out of work. Its
// details name the bound in force, and are shared by the flags c compiles.
func (c *compiler) overWork(d *flagDef) *tally {
	if c.overWorkDetails == "" {
		c.overWorkDetails = "evaluating the flag for this context needs more work than allowed: shorten the attributes its matches conditions test, or simplify their patterns (limit " + LimitEvalWork + ", " + strconv.Itoa(MaxEvalWork()) + ")"
	}
	return &tally{Result: Result{Key: d.key, Type: d.typ, Reason: ReasonError, ErrorCode: ErrorGeneral, ErrorDetails: c.overWorkDetails}}
}
