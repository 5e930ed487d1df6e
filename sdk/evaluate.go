package sdk

import (
	"math"

	"github.com/featureflags/featureflags/eval"
)

// Context holds the attributes a flag is evaluated for; "targetingKey"
// identifies the subject for rollouts. See package eval for the types.
type Context = eval.Context

// Reasons and error codes, as in OpenFeature.
const (
	ReasonStatic         = eval.ReasonStatic
	ReasonTargetingMatch = eval.ReasonTargetingMatch
	ReasonSplit          = eval.ReasonSplit
	ReasonDefault        = eval.ReasonDefault
	ReasonDisabled       = eval.ReasonDisabled
	ReasonError          = eval.ReasonError

	ErrorFlagNotFound        = eval.ErrorFlagNotFound
	ErrorParse               = eval.ErrorParse
	ErrorTypeMismatch        = eval.ErrorTypeMismatch
	ErrorTargetingKeyMissing = eval.ErrorTargetingKeyMissing
	ErrorGeneral             = eval.ErrorGeneral
	ErrorProviderNotReady    = "PROVIDER_NOT_READY"
)

// Result is the outcome of a typed evaluation. On any error Value is the
// caller's default, Reason is ERROR and ErrorCode says why.
type Result[T any] struct {
	Value        T
	Variant      string
	Reason       string
	ErrorCode    string
	ErrorMessage string
	// Metadata describes the flag (owner, kind, tags, version) as OFREP
	// answers do, in successes and failures alike; nil when there is no
	// such flag or no configuration. It is shared: never change it.
	Metadata *Metadata
}

// Metadata is a flag's owner, kind, tags and version.
type Metadata = eval.Metadata

// The typed results.
type (
	BoolResult   = Result[bool]
	StringResult = Result[string]
	FloatResult  = Result[float64]
	IntResult    = Result[int64]
	ObjectResult = Result[any]
)

// Bool evaluates a boolean flag.
func (c *Client) Bool(key string, def bool, ctx Context) BoolResult {
	return resolve(c, key, def, ctx)
}

// String evaluates a string flag.
func (c *Client) String(key string, def string, ctx Context) StringResult {
	return resolve(c, key, def, ctx)
}

// Float evaluates a number flag.
func (c *Client) Float(key string, def float64, ctx Context) FloatResult {
	return resolve(c, key, def, ctx)
}

// Int evaluates a number flag whose value is a whole number that fits an
// int64; any other value is a TYPE_MISMATCH.
func (c *Client) Int(key string, def int64, ctx Context) IntResult {
	f := resolve(c, key, float64(def), ctx)
	if f.ErrorCode != "" {
		return IntResult{Value: def, Reason: f.Reason, ErrorCode: f.ErrorCode, ErrorMessage: f.ErrorMessage, Metadata: f.Metadata}
	}
	n, ok := asInt(f.Value)
	if !ok {
		return IntResult{Value: def, Reason: ReasonError, ErrorCode: ErrorTypeMismatch, ErrorMessage: mismatch, Metadata: f.Metadata}
	}
	return IntResult{Value: n, Variant: f.Variant, Reason: f.Reason, Metadata: f.Metadata}
}

// Object evaluates an object flag: a map[string]any or []any shared with
// the configuration, which the caller must not modify.
func (c *Client) Object(key string, def any, ctx Context) ObjectResult {
	r := resolve(c, key, def, ctx)
	if r.ErrorCode == "" && !isObject(r.Value) {
		return ObjectResult{Value: def, Reason: ReasonError, ErrorCode: ErrorTypeMismatch, ErrorMessage: mismatch, Metadata: r.Metadata}
	}
	return r
}

const mismatch = "the flag's value is not of the requested type"

// resolve evaluates without allocating: eval builds its results at compile
// time and this only unboxes the value. It does not recover panics: eval
// does not panic on any input, and a deferred recover would cost a tenth of
// the evaluation.
func resolve[T any](c *Client, key string, def T, ctx Context) Result[T] {
	var cur *compiled
	if c != nil {
		cur = c.cur.Load()
	}
	if cur == nil {
		return Result[T]{Value: def, Reason: ReasonError, ErrorCode: ErrorProviderNotReady, ErrorMessage: "the client has no configuration"}
	}
	r := cur.snap.Resolve(cur.env, key, ctx)
	if r == nil {
		e := cur.snap.Evaluate(cur.env, key, ctx) // says which of env and key is missing
		return Result[T]{Value: def, Reason: ReasonError, ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorDetails}
	}
	if r.ErrorCode != "" {
		return Result[T]{Value: def, Reason: ReasonError, ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorDetails, Metadata: r.Metadata}
	}
	v, ok := r.Value.(T)
	if !ok {
		return Result[T]{Value: def, Reason: ReasonError, ErrorCode: ErrorTypeMismatch, ErrorMessage: mismatch, Metadata: r.Metadata}
	}
	return Result[T]{Value: v, Variant: r.Variant, Reason: r.Reason, Metadata: r.Metadata}
}

func asInt(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

func isObject(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}
