package eval

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/featureflags/featureflags"
)

// conditions appends the compiled in to dst: a flag's rules share one
// flat list (place).
func (c *compiler) conditions(dst []condition, path string, in []featureflags.Condition) ([]condition, error) {
	for i := range in {
		out, err := c.condition(path+".conditions["+strconv.Itoa(i)+"]", &in[i])
		if err != nil {
			return nil, err
		}
		dst = append(dst, out)
	}
	return dst, nil
}

func (c *compiler) condition(path string, in *featureflags.Condition) (condition, error) {
	op, ok := operators[in.Operator]
	if !ok {
		return condition{}, featureflags.FieldErrorf(path+".operator", "unknown operator %q", in.Operator)
	}
	out := condition{op: op}
	vpath := path + ".value"
	if op == opInSegment || op == opNotInSegment {
		if in.Attribute != "" {
			return out, featureflags.FieldErrorf(path+".attribute", "%s takes no attribute: the segment's conditions name their own", in.Operator)
		}
		name, _ := in.Value.(string)
		if name == "" {
			return out, featureflags.FieldErrorf(vpath, "%s needs a segment name as value", in.Operator)
		}
		seg, err := c.segment(name)
		if err != nil {
			if err.Field == "" {
				return out, featureflags.FieldErrorf(vpath, "%s", err.Message)
			}
			return out, featureflags.FieldErrorf(vpath, "segment %q is invalid: %s: %s", name, err.Field, err.Message)
		}
		out.seg = seg
		return out, nil
	}
	var err error
	if out.attr, err = attributePath(path+".attribute", in.Attribute); err != nil {
		return out, err
	}
	str, isString := in.Value.(string)
	switch op {
	case opPresent, opAbsent:
		if in.Value != nil {
			return out, featureflags.FieldErrorf(vpath, "%s takes no value", in.Operator)
		}
	case opEq, opNeq:
		if !scalar(in.Value, &out) {
			return out, featureflags.FieldErrorf(vpath, "%s needs a string, number or boolean value", in.Operator)
		}
	case opIn, opNotIn:
		if out.set, err = newValueSet(vpath, in.Operator, in.Value); err != nil {
			return out, err
		}
	case opContains, opStartsWith, opEndsWith:
		if !isString {
			return out, featureflags.FieldErrorf(vpath, "%s needs a string value", in.Operator)
		}
		out.str = str
	case opMatches:
		if !isString {
			return out, featureflags.FieldErrorf(vpath, "matches needs a regular expression (RE2 syntax) as value")
		}
		if out.re, err = c.regex(vpath, str); err != nil {
			return out, err
		}
	case opLt, opLte, opGt, opGte:
		n, ok := toNumber(in.Value)
		if !ok || math.IsInf(n, 0) {
			return out, featureflags.FieldErrorf(vpath, "%s needs a finite number as value", in.Operator)
		}
		out.num = n
	case opSemverEq, opSemverNeq, opSemverLt, opSemverLte, opSemverGt, opSemverGte:
		if !isString || !out.ver.parse(str) {
			return out, featureflags.FieldErrorf(vpath, "%s needs a semantic version (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]) as value", in.Operator)
		}
	case opBefore, opAfter:
		if out.t, ok = toTime(in.Value); !ok {
			return out, featureflags.FieldErrorf(vpath, "%s needs an RFC 3339 time (2006-01-02T15:04:05Z) as value", in.Operator)
		}
	}
	out.id = c.conditionID(op, in)
	return out, nil
}

// scalar stores an eq/neq operand in c.
func scalar(v any, c *condition) bool {
	switch x := v.(type) {
	case string:
		c.kind, c.str = kindString, x
	case bool:
		c.kind, c.b = kindBool, x
	default:
		n, ok := toNumber(v)
		if !ok || math.IsInf(n, 0) {
			return false
		}
		c.kind, c.num = kindNumber, n
	}
	return true
}

func newValueSet(path, operator string, v any) (*valueSet, error) {
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case []string:
		for _, s := range x {
			list = append(list, s)
		}
	default:
		return nil, featureflags.FieldErrorf(path, "%s needs a list as value", operator)
	}
	if len(list) == 0 {
		return nil, featureflags.FieldErrorf(path, "%s needs a non-empty list", operator)
	}
	s := &valueSet{}
	for i, e := range list {
		switch x := e.(type) {
		case string:
			s.addString(x)
		case bool:
			s.addBool(x)
		default:
			n, ok := toNumber(e)
			if !ok || math.IsInf(n, 0) {
				return nil, featureflags.FieldErrorf(path+"["+strconv.Itoa(i)+"]", "list values must be strings, numbers or booleans")
			}
			s.addNumber(n)
		}
	}
	s.seal()
	return s, nil
}

// attributePath compiles a dotted attribute path.
func attributePath(field, attr string) (attribute, error) {
	if attr == "" {
		return attribute{}, featureflags.FieldErrorf(field, "an attribute is required")
	}
	path := strings.Split(attr, ".")
	if slices.Contains(path, "") {
		return attribute{}, featureflags.FieldErrorf(field, "attribute %q has an empty path element", attr)
	}
	a := attribute{name: path[0], id: internName(path[0])}
	if len(path) > 1 {
		a.rest = path[1:]
	}
	return a, nil
}
