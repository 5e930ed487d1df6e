package featureflags

// LimitDepth names the bound on nesting of JSON values (variant values and
// evaluation contexts), as the command line and errors give it.
const LimitDepth = "max-depth"

// DefaultMaxDepth is the deepest nesting of arrays and objects accepted
// unless configured otherwise: far beyond real values, and shallow enough
// that every JSON decoder (the SDK's, export and import, the snapshot file,
// other languages') reads what the server accepts.
const DefaultMaxDepth = 32

// JSONDepth returns the deepest nesting of arrays and objects in the JSON
// text b, without decoding it; strings are skipped, so brackets inside them
// do not count. It reads b once and allocates nothing.
func JSONDepth(b []byte) int {
	depth, deepest := 0, 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ']', '}':
			depth--
		}
	}
	return deepest
}

// ValueDepth returns the deepest nesting of arrays and objects in a decoded
// JSON value: 0 for a scalar, 1 for a flat array or object. It stops
// descending past limit, so that a hostile value costs at most limit levels.
func ValueDepth(v any, limit int) int {
	if limit < 0 {
		return 0
	}
	deepest := 0
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			deepest = max(deepest, ValueDepth(e, limit-1))
		}
	case []any:
		for _, e := range x {
			deepest = max(deepest, ValueDepth(e, limit-1))
		}
	default:
		return 0
	}
	return deepest + 1
}

// CheckDepth refuses a value nested deeper than limit, naming field and
// the limit.
func CheckDepth(field string, v any, limit int) error {
	if d := ValueDepth(v, limit); d > limit {
		e := FieldErrorf(field, "%s is nested more than %d levels deep (limit %s)", field, limit, LimitDepth)
		e.Limit = LimitDepth
		return e
	}
	return nil
}
