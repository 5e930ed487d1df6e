package eval

import "github.com/featureflags/featureflags"

// Reasons, as in OpenFeature.
const (
	ReasonStatic         = "STATIC"          // no rules and no rollout: the value cannot depend on context
	ReasonTargetingMatch = "TARGETING_MATCH" // a rule matched and served a fixed variant
	ReasonSplit          = "SPLIT"           // a rollout chose the variant (in a rule or the default)
	ReasonDefault        = "DEFAULT"         // rules exist, none matched, the default is a fixed variant
	ReasonDisabled       = "DISABLED"        // the flag is off in the environment
	ReasonError          = "ERROR"           // see ErrorCode
)

// Error codes, as in OpenFeature. Evaluate never returns TypeMismatch or
// InvalidContext; they are here for callers that check the type they asked
// for or the context they were sent.
const (
	ErrorFlagNotFound        = "FLAG_NOT_FOUND"
	ErrorParse               = "PARSE_ERROR"
	ErrorTypeMismatch        = "TYPE_MISMATCH"
	ErrorTargetingKeyMissing = "TARGETING_KEY_MISSING"
	ErrorInvalidContext      = "INVALID_CONTEXT"
	ErrorGeneral             = "GENERAL"
)

// Result is the outcome of evaluating one flag. On error Value is nil and
// Variant empty: the caller serves its own default. Value is shared with the
// snapshot: callers must not modify object values.
type Result struct {
	Key          string                `json:"key"`
	Type         featureflags.FlagType `json:"type,omitempty"`
	Value        any                   `json:"value"`
	Variant      string                `json:"variant,omitempty"`
	Reason       string                `json:"reason"`
	ErrorCode    string                `json:"errorCode,omitempty"`
	ErrorDetails string                `json:"errorDetails,omitempty"`
	// Metadata describes the flag, for OFREP answers (which encode it
	// themselves); nil when there is no such flag.
	Metadata *Metadata `json:"-"`
}

// Evaluate evaluates flag key in env for ctx. It does no I/O, reads no clock
// and, for valid input, does not allocate: results are built at compile time
// and copied out.
func (s *Snapshot) Evaluate(env, key string, ctx Context) Result {
	if r := s.Resolve(env, key, ctx); r != nil {
		return *r
	}
	if s.env(env) == nil {
		return Result{Key: key, Reason: ReasonError, ErrorCode: ErrorGeneral, ErrorDetails: "unknown environment"}
	}
	return Result{Key: key, Reason: ReasonError, ErrorCode: ErrorFlagNotFound, ErrorDetails: "flag not found"}
}

// EvaluatePrepared is Evaluate for a prepared context: the same result,
// without a look-up in the context map per attribute.
func (s *Snapshot) EvaluatePrepared(env, key string, p *Prepared) Result {
	if r := s.ResolvePrepared(env, key, p); r != nil {
		return *r
	}
	return s.Evaluate(env, key, nil) // no such env or key: the context plays no part
}

// Resolve is Evaluate for hot paths that only read the result: it returns
// the snapshot's own result, built at compile time, without copying it, or
// nil when env or key does not exist. The result is shared: never change it.
//
// It looks the flag up itself rather than through flag, which is not
// inlined: the call cost the map path 11-18 instructions of 1,950.
func (s *Snapshot) Resolve(env, key string, ctx Context) *Result {
	t := s.env(env)
	if t == nil {
		return nil
	}
	f, ok := t.flags.Get(key)
	if !ok {
		return nil
	}
	return s.count(f.evaluate(t, view{ctx: ctx}))
}

// ResolvePrepared is Resolve for a prepared context.
func (s *Snapshot) ResolvePrepared(env, key string, p *Prepared) *Result {
	t, f := s.flag(env, key)
	if f == nil {
		return nil
	}
	return s.count(f.evaluate(t, p.view()))
}

// flag returns env's flags and their flag key; f is nil when either does
// not exist.
func (s *Snapshot) flag(env, key string) (*envFlags, *flagEnv) {
	t := s.env(env)
	if t == nil {
		return nil, nil
	}
	f, ok := t.flags.Get(key)
	if !ok {
		return nil, nil
	}
	return t, f
}

// EvaluateAll appends the results of all of env's flags, in key order, to
// dst and returns it; nothing for an unknown environment. Passing dst[:0]
// of a previous call evaluates without allocating.
func (s *Snapshot) EvaluateAll(env string, ctx Context, dst []Result) []Result {
	dst, _ = s.EvaluateAllUntil(env, ctx, dst, nil) // a nil channel is never closed
	return dst
}

// evaluate evaluates f, a flag of t, for ctx. It is small enough to be
// inlined (evaluateIn checks for a fixed result).
func (f *flagEnv) evaluate(t *envFlags, ctx view) *tally {
	w := maxEvalWork.Load()
	return f.evaluateIn(t, ctx, &w, 0)
}

// evaluateIn evaluates f with the work w left, depth prerequisites deep.
func (f *flagEnv) evaluateIn(t *envFlags, ctx view, w *int64, depth int) *tally {
	if f.fixed != nil {
		return f.fixed
	}
	if f.prereqs != nil && f.failedPrereq(t, ctx, w, depth) >= 0 {
		if *w < 0 {
			return f.overWork
		}
		return f.prereqs.failed
	}
	i := -1
	if f.conds != nil {
		i = run(*f.conds, ctx, w)
	}
	switch {
	case *w < 0:
		return f.overWork
	case i >= 0:
		return f.rules[i].serve.pick(ctx)
	}
	return f.def.pick(ctx)
}

// serve is a compiled featureflags.Serve: a fixed variant's complete
// result, or a rollout. Results are built at compile time so that evaluation
// only copies one.
type serve struct {
	result  *tally
	rollout *rollout
}

// first returns the first of the results s can serve, as tallies lists
// them.
func (s *serve) first() *tally {
	if s.rollout == nil {
		return s.result
	}
	return &s.rollout.results[0]
}

func (s *serve) pick(ctx view) *tally {
	if s.rollout == nil {
		return s.result
	}
	return s.rollout.pick(ctx)
}

// rule is a compiled featureflags.Rule: its conditions are a part of its
// flag's flat list (flagEnv.conds).
type rule struct {
	conds []condition
	serve serve
}

// flagEnv is a flag compiled for one environment, everything Evaluate needs.
type flagEnv struct {
	key   string
	typ   featureflags.FlagType
	fixed *tally // the result whatever the context: broken, disabled or static
	// prereqs are the flags that must serve given variants first, nil
	// without any. A pointer: most flags have none, and a slice and a
	// result here moved every compiled flag up a size class.
	prereqs *prereqSet
	rules   []rule
	// conds are the rules' conditions laid out flat for run, nil without
	// rules. A pointer: a slice here would move every compiled flag up a
	// size class (TestStaticFlagsCompileSmall).
	conds *[]condition
	def   serve
	// problem is why the flag does not compile here (fixed is then its
	// PARSE_ERROR), or nil.
	problem *Problem
	// overWork is the result when the rules need more work than allowed.
	overWork *tally
}
