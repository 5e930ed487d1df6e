package eval

import (
	"encoding/json"
	"math"
	"time"
)

// Context holds the attributes a flag is evaluated for, as decoded from JSON
// (string, float64, bool, nil, []any, map[string]any). Go callers may also
// use any integer type, float32, json.Number and time.Time.
type Context map[string]any

// attribute is a compiled attribute path: its first name, looked up in the
// context, and the names that follow it through nested objects. Most
// attributes are a single name, and get then costs one map lookup.
type attribute struct {
	name string
	rest []string // nil for a top-level attribute
}

// get follows a through nested objects of ctx. A nil value counts as absent.
func (a *attribute) get(ctx Context) (any, bool) {
	v := ctx[a.name]
	if a.rest != nil {
		return a.nested(v)
	}
	return v, v != nil
}

// nested follows the rest of a's path from v, the value of its first name.
func (a *attribute) nested(v any) (any, bool) {
	for _, k := range a.rest {
		switch m := v.(type) {
		case map[string]any:
			v = m[k]
		case Context:
			v = m[k]
		default:
			return nil, false
		}
	}
	return v, v != nil
}

// toNumber converts any numeric value to float64. NaN is not a number here:
// it equals nothing and would make every negated operator match.
func toNumber(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float32:
		f = float64(x)
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	return f, !math.IsNaN(f)
}

// toTime reads an RFC 3339 string or a time.Time.
func toTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		t, err := time.Parse(time.RFC3339, x)
		return t, err == nil
	case time.Time:
		return x, true
	}
	return time.Time{}, false
}
