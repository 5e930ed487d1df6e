package service

import (
	"context"
	"slices"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/view"
)

// NeedsApproval reports how many approvals a write to env by the caller of
// ctx needs before it is made: 0 when it may be made at once. Writers
// other than the flag routes (schedules, promotions) call it, and when it
// is not 0 hold their change in a change request (ProposeChange) rather
// than making it.
//
// A write needs approval when env requires it (RequireApproval > 0) and the
// caller is a token that is not an admin of an environment whose admins
// bypass it. Without access control (no tokens) nothing needs approval:
// there are no people to tell apart.
func (s *Service) NeedsApproval(ctx context.Context, env string) (int, error) {
	v, err := s.Current(ctx)
	if err != nil {
		return 0, err
	}
	return approvalsNeeded(ctx, v, env), nil
}

func approvalsNeeded(ctx context.Context, v *view.View, env string) int {
	tok := auth.TokenFrom(ctx)
	if tok == nil {
		return 0
	}
	for _, e := range v.Environments {
		if e.Name == env && !(e.ApprovalAdminsBypass && tok.Role == ff.RoleAdmin) {
			return e.RequireApproval
		}
	}
	return 0
}

// ChangedEnvironments returns the environments, of envs, whose evaluation
// a change of a flag from cur to next (nil: deleted) changes. These are
// the writes "to an environment" that approval applies to:
//   - the flag's state or targeting in that environment changes, or
//   - what every environment evaluates changes: the name (the key
//     applications ask for), the type, the variants, whether it is
//     archived, or the flag is deleted.
//
// Description, tags, owner, kind and expiry change no evaluation.
func ChangedEnvironments(cur, next *ff.Flag, envs []string) []string {
	if next == nil || cur.Name != next.Name || cur.Type != next.Type ||
		!sameJSON(cur.Variants, next.Variants) || (cur.ArchivedAt == nil) != (next.ArchivedAt == nil) {
		return slices.Clone(envs)
	}
	var out []string
	for _, env := range envs {
		if cur.Environments[env] != next.Environments[env] || !sameJSON(cur.Targeting[env], next.Targeting[env]) {
			out = append(out, env)
		}
	}
	return out
}

// approvalFor returns how many approvals the change from cur to next needs
// from the caller of ctx, and the environments that ask for them.
func approvalFor(ctx context.Context, v *view.View, cur, next *ff.Flag) (int, []string) {
	need, envs := 0, []string{}
	for _, env := range ChangedEnvironments(cur, next, v.EnvNames) {
		if n := approvalsNeeded(ctx, v, env); n > 0 {
			need = max(need, n)
			envs = append(envs, env)
		}
	}
	return need, envs
}

// gate holds the change from cur to next (nil: delete) in a new change
// request when it needs approval, returning the *Proposed error that
// answers it; nil when the change may be made.
func (s *Service) gate(ctx context.Context, v *view.View, action string, cur, next *ff.Flag) error {
	need, envs := approvalFor(ctx, v, cur, next)
	if need == 0 {
		return nil
	}
	r := s.newRequest(ctx, action, cur, next, need, envs, "")
	if err := s.Store().CreateChangeRequest(s.requestAudited(ctx, ActionRequestCreate, r, nil, r), r); err != nil {
		return err
	}
	return &Proposed{Request: s.describe(v, r)}
}

// gateToggle holds the toggle of the flag idOrName in env, which needs
// approval, in a change request: the flag with env's state flipped.
func (s *Service) gateToggle(ctx context.Context, v *view.View, idOrName, env string, ifMatch int64) error {
	cur, err := s.Store().FindFlag(ctx, idOrName)
	if err != nil {
		return err
	}
	if ifMatch != ff.AnyVersion && cur.Version != ifMatch {
		return staleError("flag", cur.Name, cur.Version, ifMatch)
	}
	view.Complete(cur, v.EnvNames)
	next := cur.Clone()
	next.Environments[env] = !cur.Environments[env]
	next.Version = cur.Version + 1
	return s.gate(ctx, v, ActionFlagToggle, cur, next)
}

// Proposed is what became of a write that needs approval: it was not made
// but held in a change request. The server answers it 202 with the
// request.
type Proposed struct {
	Request *RequestView
	// All holds every request a write of several flags (a promotion)
	// became, Request first.
	All []*RequestView
}

func (p *Proposed) Error() string {
	return "the change needs approval: it is held in change request " + p.Request.ID
}

// Accepted is the status and body the server answers a Proposed with.
func (p *Proposed) Accepted() any { return p.Request }
