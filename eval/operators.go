package eval

import (
	"slices"
	"strings"
	"time"
)

type opcode uint8

const (
	opEq opcode = iota + 1
	opNeq
	opIn
	opNotIn
	opContains
	opStartsWith
	opEndsWith
	opMatches
	opLt
	opLte
	opGt
	opGte
	opSemverEq
	opSemverNeq
	opSemverLt
	opSemverLte
	opSemverGt
	opSemverGte
	opBefore
	opAfter
	opPresent
	opAbsent
	opInSegment
	opNotInSegment
	opAlways // a rule without conditions (compiler.flatten)
)

// operators maps the names used in featureflags.Condition.Operator.
var operators = map[string]opcode{
	"eq":           opEq,
	"neq":          opNeq,
	"in":           opIn,
	"notIn":        opNotIn,
	"contains":     opContains,
	"startsWith":   opStartsWith,
	"endsWith":     opEndsWith,
	"matches":      opMatches,
	"lt":           opLt,
	"lte":          opLte,
	"gt":           opGt,
	"gte":          opGte,
	"semverEq":     opSemverEq,
	"semverNeq":    opSemverNeq,
	"semverLt":     opSemverLt,
	"semverLte":    opSemverLte,
	"semverGt":     opSemverGt,
	"semverGte":    opSemverGte,
	"before":       opBefore,
	"after":        opAfter,
	"present":      opPresent,
	"absent":       opAbsent,
	"inSegment":    opInSegment,
	"notInSegment": opNotInSegment,
}

type scalarKind uint8

const (
	kindString scalarKind = iota + 1
	kindNumber
	kindBool
)

// condition is a compiled featureflags.Condition: the operand is parsed once
// into the field its operator reads.
type condition struct {
	op   opcode
	kind scalarKind // eq, neq: which of str, num, b holds the operand
	b    bool       // eq, neq
	// Its place in a flat list of rules (run): whether it is its rule's
	// last, its rule's index and the index of the next rule's first
	// condition. (The small fields sit together: a condition is 168 bytes.)
	last       bool
	rule, next int32
	id         uint32 // shared by conditions that test alike (outcomes.go), or 0

	attr attribute // unset for segment operators
	str  string    // eq, neq, contains, startsWith, endsWith
	num  float64   // eq, neq, lt, lte, gt, gte
	set  *valueSet // in, notIn
	re   *regex
	ver  version   // semver*
	t    time.Time // before, after
	seg  *segment  // inSegment, notInSegment
}

// match reports whether ctx satisfies c alone (Explain's question): run
// on a list of one rule of c.
func (c *condition) match(ctx view, w *int64) bool {
	one := [1]condition{*c}
	one[0].rule, one[0].next, one[0].last = 0, 1, true
	return run(one[:], ctx, w) == 0
}

// run evaluates conds, the conditions of a list of rules one after the
// other (each knows its rule, the start of the next rule and whether it is
// its rule's last; see place), and returns the index of the first rule
// whose conditions all hold, or -1. A rule of no conditions holds one of op
// always. Rules, segments and Explain all decide conditions here, in one
// loop without a call per condition (a call spills every live value).
//
// A bulk evaluation reads the outcome of a condition flags share from its
// memo (outcomes.go), checked only where a single evaluation would leave
// its one map look-up anyway, so single evaluations pay nothing for it.
//
// An absent attribute, or one of a type the operator cannot compare,
// matches nothing but "absent": negated operators (neq, notIn, semverNeq)
// only match a present, comparable value. A run that exhausts the work
// (*w < 0) goes on cheaply (matches conditions no longer run) and its
// callers report the exhaustion.
func run(conds []condition, ctx view, w *int64) int {
	for i := 0; i < len(conds); i++ {
		c := &conds[i]
		hold, v := false, any(nil)
		if c.op >= opInSegment { // inSegment, notInSegment, always
			hold = c.op == opAlways || c.seg.contains(ctx, w) == (c.op == opInSegment)
			goto decided
		}
		if m := ctx.memo; m == nil && c.attr.rest == nil { // a single evaluation, as attribute.get
			v = ctx.ctx[c.attr.name]
		} else if m != nil && c.id-1 < uint32(len(m.conds.marks)) { // a bulk evaluation's shared condition (id 0 wraps: none)
			known := false
			if hold, known = m.conds.outcome(c); !known { // else decided for an earlier flag
				hold = m.conds.decide(c, ctx.ctx, w)
			}
			goto decided
		} else if x, ok := ctx.held(&c.attr); ok {
			v = x
		} else {
			v = c.attr.getMore(ctx)
		}
		if v == nil {
			hold = c.op == opAbsent
		} else {
			s, isString := v.(string)
			switch c.op {
			case opPresent:
				hold = true
			case opEq, opNeq:
				if c.kind == kindString { // the common case, without a call
					hold = isString && (s == c.str) == (c.op == opEq)
				} else {
					eq, ok := c.equal(v)
					hold = ok && eq == (c.op == opEq)
				}
			case opIn, opNotIn:
				if isString && c.set.strMap == nil { // the common case, without a call
					hold = c.set.hasStr && slices.Contains(c.set.strs, s) == (c.op == opIn)
				} else {
					in, ok := c.set.has(v)
					hold = ok && in == (c.op == opIn)
				}
			case opContains:
				hold = isString && strings.Contains(s, c.str)
			case opStartsWith:
				hold = isString && strings.HasPrefix(s, c.str)
			case opEndsWith:
				hold = isString && strings.HasSuffix(s, c.str)
			case opMatches:
				hold = isString && c.matchRegex(s, w)
			case opLt, opLte, opGt, opGte:
				n, ok := v.(float64) // the common case, without a call
				if !ok || n != n {   // not a float64, or NaN (which toNumber refuses)
					n, ok = toNumber(v)
				}
				hold = ok && holds(c.op, compareFloats(n, c.num))
			case opSemverEq, opSemverNeq, opSemverLt, opSemverLte, opSemverGt, opSemverGte:
				if major, minor, patch, ok := parseRelease(s); ok {
					hold = holds(c.op, compareRelease(major, minor, patch, &c.ver))
				} else {
					var ver version
					hold = isString && ver.parse(s) && holds(c.op, compareVersions(&ver, &c.ver))
				}
			case opBefore, opAfter:
				t, ok := toTime(v)
				hold = ok && (c.op == opBefore && t.Before(c.t) || c.op == opAfter && t.After(c.t))
			}
		}
	decided:
		if !hold {
			i = int(c.next) - 1
			continue
		}
		if c.last {
			return int(c.rule)
		}
	}
	return -1
}

func (c *condition) equal(v any) (eq, ok bool) {
	switch c.kind {
	case kindString:
		s, ok := v.(string)
		return ok && s == c.str, ok
	case kindNumber:
		n, ok := toNumber(v)
		return ok && n == c.num, ok
	case kindBool:
		b, ok := v.(bool)
		return ok && b == c.b, ok
	}
	return false, false
}

// holds applies an ordering operator to the result of a comparison.
func holds(op opcode, cmp int) bool {
	switch op {
	case opSemverEq:
		return cmp == 0
	case opSemverNeq:
		return cmp != 0
	case opLt, opSemverLt:
		return cmp < 0
	case opLte, opSemverLte:
		return cmp <= 0
	case opGt, opSemverGt:
		return cmp > 0
	case opGte, opSemverGte:
		return cmp >= 0
	}
	return false
}

func compareFloats(a, b float64) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}
