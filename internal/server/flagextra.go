package server

import (
	"net/http"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/httpx"
)

// explainResponse is the answer of POST /flags/{id}/explain: the
// evaluation, the rule that matched and, for every rule, whether it was
// consulted and which conditions held.
type explainResponse struct {
	Flag        string        `json:"flag"`
	Environment string        `json:"environment"`
	Result      eval.Result   `json:"result"`
	MatchedRule int           `json:"matchedRule"`
	Evaluated   bool          `json:"evaluated"`
	Rules       []ruleOutcome `json:"rules"`
	// Prerequisites, when the flag has any in the environment, says how
	// each fared; the first not met is why the flag serves its off variant.
	Prerequisites []eval.PrerequisiteOutcome `json:"prerequisites,omitempty"`
}

// ruleOutcome is one rule as the flag defines it, with how it fared.
type ruleOutcome struct {
	Index      int                `json:"index"`
	Name       string             `json:"name,omitempty"`
	Consulted  bool               `json:"consulted"`
	Matched    bool               `json:"matched"`
	Conditions []conditionOutcome `json:"conditions"`
}

type conditionOutcome struct {
	ff.Condition
	Matched bool `json:"matched"`
}

// explainFlag answers POST /flags/{id}/explain?environment=E with an OFREP
// style body ({"context": {...}}): what the flag gives that context in E
// and why. Management only: it reveals the flag's rules.
func (s *Server) explainFlag(w http.ResponseWriter, r *http.Request) {
	v, err := s.svc.Current(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f := v.Flag(r.PathValue("id"))
	if f == nil {
		httpx.Error(w, r, ff.Errorf(ff.ENOTFOUND, "flag %q not found", r.PathValue("id")))
		return
	}
	env := r.URL.Query().Get("environment")
	if err := checkEnvParam(env, v.EnvNames); err != nil {
		httpx.Error(w, r, err)
		return
	}
	ctx, in, fail := s.ofrepMap(w, r)
	defer in.release()
	if fail != nil {
		httpx.Error(w, r, fail.err)
		return
	}
	x := v.Snapshot.Explain(env, f.Name, ctx)
	httpx.WriteJSON(w, http.StatusOK, explainResponse{Flag: f.Name, Environment: env, Result: x.Result,
		MatchedRule: x.Rule, Evaluated: x.Evaluated, Rules: outcomes(f.Targeting[env], x.Rules), Prerequisites: x.Prerequisites})
}

// outcomes pairs the rules of t with how each fared.
func outcomes(t *ff.Targeting, fared []eval.RuleOutcome) []ruleOutcome {
	out := make([]ruleOutcome, len(fared))
	for i, o := range fared {
		rule := t.Rules[i]
		out[i] = ruleOutcome{Index: i, Name: rule.Name, Consulted: o.Consulted, Matched: o.Matched,
			Conditions: make([]conditionOutcome, len(o.Conditions))}
		for j, ok := range o.Conditions {
			out[i].Conditions[j] = conditionOutcome{Condition: rule.Conditions[j], Matched: ok}
		}
	}
	return out
}

// revertRequest is the body of POST /flags/{id}/revert.
type revertRequest struct {
	Version *int64 `json:"version"`
}

// revertFlag answers POST /flags/{id}/revert {"version": N}: the flag made
// as it was at version N, one audited write, If-Match honoured.
func (s *Server) revertFlag(w http.ResponseWriter, r *http.Request) {
	var req revertRequest
	ifMatch, ok := s.decodeWrite(w, r, &req)
	if !ok {
		return
	}
	if req.Version == nil {
		httpx.Error(w, r, ff.FieldErrorf("version", `version is required, e.g. {"version": 3}`))
		return
	}
	f, err := s.svc.RevertFlag(r.Context(), r.PathValue("id"), *req.Version, ifMatch)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	s.writeFlag(w, http.StatusOK, f)
}
