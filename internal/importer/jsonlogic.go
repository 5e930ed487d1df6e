package importer

import (
	ff "github.com/featureflags/featureflags"
)

// opArgs returns the arguments of a JsonLogic operation {op: args} (a
// single argument counts as a list of one).
func opArgs(expr any, op string) ([]any, bool) {
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		return nil, false
	}
	a, ok := m[op]
	if !ok {
		return nil, false
	}
	if list, isList := a.([]any); isList {
		return list, true
	}
	return []any{a}, true
}

// varName reads {"var": "attr"}.
func varName(expr any) (string, bool) {
	args, ok := opArgs(expr, "var")
	if !ok || len(args) == 0 {
		return "", false
	}
	s, ok := args[0].(string)
	return s, ok && s != ""
}

// flagdConditions translates a rule's condition: one comparison, an "and"
// of them, or a $ref to an evaluator (a segment).
func flagdConditions(expr any) ([]ff.Condition, error) {
	if expr == true {
		return []ff.Condition{}, nil
	}
	if args, ok := opArgs(expr, "and"); ok {
		var out []ff.Condition
		for _, a := range args {
			c, err := flagdConditions(a)
			if err != nil {
				return nil, err
			}
			out = append(out, c...)
		}
		return out, nil
	}
	c, err := flagdCondition(expr)
	if err != nil {
		return nil, err
	}
	return []ff.Condition{c}, nil
}

// flagdOperators maps flagd's binary comparisons to ours.
var flagdOperators = map[string]string{
	"==": "eq", "===": "eq", "!=": "neq", "!==": "neq",
	"starts_with": "startsWith", "ends_with": "endsWith",
	"<": "lt", "<=": "lte", ">": "gt", ">=": "gte",
}

// semverOperators maps sem_ver's comparisons to ours.
var semverOperators = map[string]string{
	"=": "semverEq", "!=": "semverNeq", "<": "semverLt", "<=": "semverLte", ">": "semverGt", ">=": "semverGte",
}

func flagdCondition(expr any) (ff.Condition, error) {
	if ref, ok := opArgs(expr, "$ref"); ok && len(ref) == 1 {
		if name, isString := ref[0].(string); isString {
			return ff.Condition{Operator: "inSegment", Value: name}, nil
		}
	}
	for op, ours := range flagdOperators {
		if args, ok := opArgs(expr, op); ok {
			return compare(ours, args)
		}
	}
	if args, ok := opArgs(expr, "in"); ok {
		return inCondition(args)
	}
	if c, ok := negation(expr); ok {
		return c, nil
	}
	if args, ok := opArgs(expr, "sem_ver"); ok && len(args) == 3 {
		attr, isVar := varName(args[0])
		op, known := semverOperators[asString(args[1])]
		if isVar && known {
			return ff.Condition{Attribute: attr, Operator: op, Value: args[2]}, nil
		}
	}
	return ff.Condition{}, cannot("condition %s is outside the expressible subset (==, !=, in, starts_with, ends_with, comparisons, sem_ver =,!=,<,<=,>,>= of a var against a value, \"and\", $ref)", compact(expr))
}

// compare reads [var, value] or [value, var].
func compare(op string, args []any) (ff.Condition, error) {
	if len(args) == 2 {
		if attr, ok := varName(args[0]); ok && !isExpr(args[1]) {
			return ff.Condition{Attribute: attr, Operator: op, Value: args[1]}, nil
		}
		if attr, ok := varName(args[1]); ok && !isExpr(args[0]) && (op == "eq" || op == "neq") {
			return ff.Condition{Attribute: attr, Operator: op, Value: args[0]}, nil
		}
	}
	return ff.Condition{}, cannot("comparison %s must compare a var with a fixed value", compact(args))
}

// inCondition reads in [var, [list]] (membership) or in ["text", var]
// (substring).
func inCondition(args []any) (ff.Condition, error) {
	if len(args) == 2 {
		if attr, ok := varName(args[0]); ok {
			if list, isList := args[1].([]any); isList {
				return ff.Condition{Attribute: attr, Operator: "in", Value: list}, nil
			}
		}
		if attr, ok := varName(args[1]); ok {
			if s, isString := args[0].(string); isString {
				return ff.Condition{Attribute: attr, Operator: "contains", Value: s}, nil
			}
		}
	}
	return ff.Condition{}, cannot("in %s must test a var against a list, or a text within a var", compact(args))
}

func isExpr(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

// negation reads {"!!": var} (present), {"!": var} (absent), and {"!":
// $ref} and {"!": in} (notInSegment, notIn).
func negation(expr any) (ff.Condition, bool) {
	if args, ok := opArgs(expr, "!!"); ok && len(args) == 1 {
		attr, isVar := varName(args[0])
		return ff.Condition{Attribute: attr, Operator: "present"}, isVar
	}
	args, ok := opArgs(expr, "!")
	if !ok || len(args) != 1 {
		return ff.Condition{}, false
	}
	if attr, isVar := varName(args[0]); isVar {
		return ff.Condition{Attribute: attr, Operator: "absent"}, true
	}
	inner, err := flagdCondition(args[0])
	switch {
	case err != nil:
		return ff.Condition{}, false
	case inner.Operator == "inSegment":
		inner.Operator = "notInSegment"
	case inner.Operator == "in":
		inner.Operator = "notIn"
	default:
		return ff.Condition{}, false
	}
	return inner, true
}
