package service

import (
	"context"
	"fmt"
	"slices"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/view"
)

// The audit actions of change requests. Applying one is audited as the
// flag change it makes (its Action), by whoever applied it.
const (
	ActionRequestCreate  = "change-request.create"
	ActionRequestUpdate  = "change-request.update"
	ActionRequestApprove = "change-request.approve"
	ActionRequestReject  = "change-request.reject"
)

// MaxCommentLength bounds a change request's comments, in bytes.
const MaxCommentLength = 4096

// RequestView is a change request as the API shows it: with what it
// changes and, for an open one that can no longer be applied as it
// stands, why not.
type RequestView struct {
	ff.ChangeRequest
	Diff []Difference `json:"diff"`
	// Conflict says why an open request cannot be applied: the flag
	// changed (or went) since it was proposed. Editing it proposes it
	// again on the current flag, which needs approval again.
	Conflict string `json:"conflict,omitempty"`
}

// describe returns r as the API shows it, against the flags of v.
func (s *Service) describe(v *view.View, r *ff.ChangeRequest) *RequestView {
	rv := &RequestView{ChangeRequest: *r, Diff: FlagDiff(r.Before, r.After)}
	if r.After == nil {
		rv.Diff = []Difference{{Path: "flag", Before: r.FlagName}}
	}
	if r.Status == ff.RequestOpen {
		rv.Conflict = s.requestConflict(v, r)
	}
	return rv
}

// conflict says why r cannot be applied to cur, the flag now: "" if it can.
func conflict(cur *ff.Flag, r *ff.ChangeRequest) string {
	if cur == nil {
		return fmt.Sprintf("flag %q was deleted since this change was proposed", r.FlagName)
	}
	if cur.Version != r.Before.Version {
		return fmt.Sprintf("flag %q changed since this change was proposed (version %d, now %d); edit the request to propose it again on the current flag, which needs approval again",
			r.FlagName, r.Before.Version, cur.Version)
	}
	return ""
}

// newRequest is a new open change request by the caller of ctx.
func (s *Service) newRequest(ctx context.Context, action string, cur, next *ff.Flag, need int, envs []string, comment string) *ff.ChangeRequest {
	now := s.timestamp()
	return &ff.ChangeRequest{
		ID: ff.NewID(), FlagID: cur.ID, FlagName: cur.Name, Action: action, Environments: envs, Required: need,
		Status: ff.RequestOpen, Author: auth.ActorFrom(ctx), Comment: comment, Before: cur, After: next,
		Approvals: []ff.Review{}, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
}

// requestAudited is audited for a change of the request r.
func (s *Service) requestAudited(ctx context.Context, action string, r *ff.ChangeRequest, before, after *ff.ChangeRequest) context.Context {
	return s.audited(ctx, action, "change-request", r.ID, r.FlagName, firstEnv(r), before, after)
}

// firstEnv is the environment r's audit events name: the first that asked
// for approval.
func firstEnv(r *ff.ChangeRequest) string {
	if len(r.Environments) == 0 {
		return ""
	}
	return r.Environments[0]
}

// ListChangeRequests returns the requests with this status ("" for all),
// newest first.
func (s *Service) ListChangeRequests(ctx context.Context, status string) ([]*RequestView, error) {
	if !slices.Contains([]string{"", ff.RequestOpen, ff.RequestApplied, ff.RequestRejected}, status) {
		return nil, ff.FieldErrorf("status", "status must be open, applied or rejected")
	}
	v, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.Store().ListChangeRequests(ctx, status)
	if err != nil {
		return nil, err
	}
	out := make([]*RequestView, len(list))
	for i, r := range list {
		out[i] = s.describe(v, r)
	}
	return out, nil
}

// ChangeRequest returns the request with this id.
func (s *Service) ChangeRequest(ctx context.Context, id string) (*RequestView, error) {
	v, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.Store().FindChangeRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.describe(v, r), nil
}

// ProposeChange holds the change p makes to the flag idOrName in a new
// change request, for the writers that learn from NeedsApproval that
// their change needs approval, and for people who want a colleague to
// look first: it needs the approvals the environments it touches require,
// and one at least.
func (s *Service) ProposeChange(ctx context.Context, idOrName string, p FlagPatch, comment string) (*RequestView, error) {
	if err := validateText("comment", comment, MaxCommentLength); err != nil {
		return nil, err
	}
	var out *RequestView
	err := s.Write(ctx, func(v *view.View) error {
		cur, next, err := s.patched(ctx, v, idOrName, p)
		if err != nil {
			return err
		}
		need, envs := approvalFor(ctx, v, cur, next)
		r := s.newRequest(ctx, ActionFlagUpdate, cur, next, max(need, 1), envs, comment)
		out = s.describe(v, r)
		return s.Store().CreateChangeRequest(s.requestAudited(ctx, ActionRequestCreate, r, nil, r), r)
	}, nil)
	return out, err
}

// patched reads the flag idOrName from the store and returns it and the
// flag p makes of it, validated, one version on.
func (s *Service) patched(ctx context.Context, v *view.View, idOrName string, p FlagPatch) (cur, next *ff.Flag, err error) {
	if cur, err = s.Store().FindFlag(ctx, idOrName); err != nil {
		return nil, nil, err
	}
	view.Complete(cur, v.EnvNames)
	next = cur.Clone()
	if err := p.apply(next, v.EnvNames); err != nil {
		return nil, nil, err
	}
	view.Complete(next, v.EnvNames)
	if unchanged(cur, next) {
		return nil, nil, ff.Errorf(ff.EINVALID, "the change changes nothing in flag %q", cur.Name)
	}
	next.Version = cur.Version + 1
	return cur, next, s.validateFlag(next, v.EnvNames, v.SegmentMap())
}
