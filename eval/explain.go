package eval

// Explanation is an evaluation with its reasons: the result Evaluate gives
// and, for each rule in order, whether it matched and which of its
// conditions did. It is built by Explain, apart from Evaluate, so that the
// hot path never pays for it.
type Explanation struct {
	Result Result `json:"result"`
	// Rule is the index of the rule that matched, or -1: none did, or the
	// rules were not consulted (Evaluated false).
	Rule int `json:"matchedRule"`
	// Evaluated is false when the result did not depend on the rules: the
	// flag is off, has none, or cannot be evaluated.
	Evaluated bool          `json:"evaluated"`
	Rules     []RuleOutcome `json:"rules"`
	// Prerequisites says how each prerequisite fared, in order; when one
	// fails, those after it are not consulted and neither are the rules.
	Prerequisites []PrerequisiteOutcome `json:"prerequisites,omitempty"`
}

// PrerequisiteOutcome is how one prerequisite fared: the flag it names,
// the variants it requires, what that flag served (its result, nil when
// it was not evaluated: missing, or too deep) and whether that met it.
type PrerequisiteOutcome struct {
	Flag      string   `json:"flag"`
	Variants  []string `json:"variants"`
	Consulted bool     `json:"consulted"`
	Met       bool     `json:"met"`
	Served    *Result  `json:"served,omitempty"`
}

// RuleOutcome is how one rule fared: Conditions[i] reports whether its
// condition i matched. Rules after the matching one are not consulted
// (Consulted false), as in Evaluate.
type RuleOutcome struct {
	Consulted  bool   `json:"consulted"`
	Matched    bool   `json:"matched"`
	Conditions []bool `json:"conditions"`
}

// Explain evaluates flag key in env for ctx as Evaluate does and says why.
// The result is always Evaluate's.
func (s *Snapshot) Explain(env, key string, ctx Context) Explanation {
	return s.explain(env, key, view{ctx: ctx}, s.Evaluate(env, key, ctx))
}

// explain explains r, the result of evaluating key in env for ctx.
func (s *Snapshot) explain(env, key string, ctx view, r Result) Explanation {
	x := Explanation{Result: r, Rule: -1}
	t, f := s.flag(env, key)
	if f == nil {
		return x
	}
	w := maxEvalWork.Load() // the same work bound as evaluation
	x.Rules = make([]RuleOutcome, len(f.rules))
	x.Evaluated = f.fixed == nil
	if x.Evaluated {
		x.Prerequisites, x.Evaluated = f.explainPrereqs(t, ctx, &w)
	}
	for i := range f.rules {
		x.Rules[i].Conditions = f.rules[i].outcomes(ctx, &w)
		if !x.Evaluated || x.Rule >= 0 {
			continue
		}
		x.Rules[i].Consulted = true
		if x.Rules[i].Matched = allTrue(x.Rules[i].Conditions); x.Rules[i].Matched {
			x.Rule = i
		}
	}
	return x
}

// outcomes reports, for each condition of r, whether ctx meets it.
func (r *rule) outcomes(ctx view, w *int64) []bool {
	out := make([]bool, len(r.conds))
	for i := range r.conds {
		out[i] = r.conds[i].match(ctx, w)
	}
	return out
}

func allTrue(bs []bool) bool {
	for _, b := range bs {
		if !b {
			return false
		}
	}
	return true
}

// explainPrereqs reports how each of f's prerequisites fared, and whether
// all were met.
func (f *flagEnv) explainPrereqs(t *envFlags, ctx view, w *int64) ([]PrerequisiteOutcome, bool) {
	var list []prereq
	if f.prereqs != nil {
		list = f.prereqs.list
	}
	out := make([]PrerequisiteOutcome, len(list))
	met := true
	for i := range list {
		p := &list[i]
		out[i] = PrerequisiteOutcome{Flag: p.key, Variants: p.variants}
		if !met {
			continue
		}
		var served *tally
		served, met = p.meets(t, ctx, w, 0)
		out[i].Consulted, out[i].Met = true, met
		if served != nil {
			r := served.Result
			out[i].Served = &r
		}
	}
	return out, met
}
