package eval

import (
	"math"

	"github.com/featureflags/featureflags"
)

// variant is one of a flag's values, boxed once at compile time so that
// evaluation returns it without allocating.
type variant struct {
	name  string
	value any
}

// variantValue checks that v is a value of type typ and returns it in the
// form evaluation returns: numbers as float64, objects deep-copied so that
// the snapshot shares nothing with its input.
func variantValue(typ featureflags.FlagType, v any) (any, string) {
	switch typ {
	case featureflags.TypeBoolean:
		if b, ok := v.(bool); ok {
			return b, ""
		}
		return nil, "must be a boolean (the flag's type is boolean)"
	case featureflags.TypeString:
		if s, ok := v.(string); ok {
			return s, ""
		}
		return nil, "must be a string (the flag's type is string)"
	case featureflags.TypeNumber:
		if n, ok := toNumber(v); ok && !math.IsInf(n, 0) {
			return n, ""
		}
		return nil, "must be a finite number (the flag's type is number)"
	case featureflags.TypeObject:
		switch v.(type) {
		case map[string]any, []any:
			return deepCopy(v), ""
		}
		return nil, "must be a JSON object or array (the flag's type is object)"
	}
	return nil, "unknown flag type"
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(x))
		for k, e := range x {
			c[k] = deepCopy(e)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = deepCopy(e)
		}
		return c
	}
	return v
}
