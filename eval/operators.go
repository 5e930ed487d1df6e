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
	attr attribute // unset for segment operators

	kind scalarKind // eq, neq: which of str, num, b holds the operand
	str  string     // eq, neq, contains, startsWith, endsWith
	num  float64    // eq, neq, lt, lte, gt, gte
	b    bool       // eq, neq
	set  *valueSet  // in, notIn
	re   *regex
	ver  version   // semver*
	t    time.Time // before, after
	seg  *segment  // inSegment, notInSegment
}

// match reports whether ctx satisfies c. An absent attribute, or one of a
// type the operator cannot compare, matches nothing but "absent": negated
// operators (neq, notIn, semverNeq) only match a present, comparable value.
func (c *condition) match(ctx Context, w *int64) bool {
	if c.seg != nil { // inSegment, notInSegment
		return c.seg.contains(ctx, w) == (c.op == opInSegment)
	}
	v, ok := c.attr.get(ctx)
	if !ok {
		return c.op == opAbsent
	}
	switch c.op {
	case opPresent:
		return true
	case opEq, opNeq:
		if c.kind == kindString { // the common case, without a call
			s, ok := v.(string)
			return ok && (s == c.str) == (c.op == opEq)
		}
		eq, ok := c.equal(v)
		return ok && eq == (c.op == opEq)
	case opIn, opNotIn:
		if s, ok := v.(string); ok && c.set.strMap == nil { // the common case, without a call
			return c.set.hasStr && slices.Contains(c.set.strs, s) == (c.op == opIn)
		}
		in, ok := c.set.has(v)
		return ok && in == (c.op == opIn)
	case opContains, opStartsWith, opEndsWith, opMatches:
		s, ok := v.(string)
		if !ok {
			return false
		}
		switch c.op {
		case opContains:
			return strings.Contains(s, c.str)
		case opStartsWith:
			return strings.HasPrefix(s, c.str)
		case opEndsWith:
			return strings.HasSuffix(s, c.str)
		}
		return c.matchRegex(s, w)
	case opLt, opLte, opGt, opGte:
		n, ok := v.(float64) // the common case, without a call
		if !ok || n != n {   // not a float64, or NaN (which toNumber refuses)
			if n, ok = toNumber(v); !ok {
				return false
			}
		}
		return holds(c.op, compareFloats(n, c.num))
	case opSemverEq, opSemverNeq, opSemverLt, opSemverLte, opSemverGt, opSemverGte:
		s, ok := v.(string)
		if !ok {
			return false
		}
		var ver version
		return (ver.parseRelease(s) || ver.parse(s)) && holds(c.op, compareVersions(&ver, &c.ver))
	case opBefore, opAfter:
		t, ok := toTime(v)
		if !ok {
			return false
		}
		if c.op == opBefore {
			return t.Before(c.t)
		}
		return t.After(c.t)
	}
	return false
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
