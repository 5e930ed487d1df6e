package service

import (
	"context"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/view"
)

// RequestEdit changes an open change request. Change, when set, replaces
// the request's change by the one it makes to the current flag; without
// it, the request's change is made again on the current flag (after the
// flag changed meanwhile, say). Comment, when set, replaces the comment.
// Either way the request starts again without approvals.
type RequestEdit struct {
	Change *FlagPatch
	// Schedule, for a request that proposes a schedule, replaces its
	// steps (and its environment, when set).
	Schedule *ScheduleInput
	Comment  *string
}

// EditChangeRequest applies e to the open request id; with ifMatch set,
// the request must be at that version. Whoever edits a request becomes its
// author: they propose what it now holds, so they may not approve it.
func (s *Service) EditChangeRequest(ctx context.Context, id string, e RequestEdit, ifMatch int64) (*RequestView, error) {
	if e.Comment != nil {
		if err := validateText("comment", *e.Comment, MaxCommentLength); err != nil {
			return nil, err
		}
	}
	return s.reviewRequest(ctx, id, ActionRequestUpdate, func(v *view.View, r *ff.ChangeRequest) error {
		if ifMatch != ff.AnyVersion && r.Version != ifMatch {
			return staleError("change request", r.ID, r.Version, ifMatch)
		}
		cur, next, err := s.proposedAgain(ctx, v, r, e)
		if err != nil {
			return err
		}
		need, envs := approvalFor(ctx, v, cur, next)
		if r.Schedule != nil {
			need, envs = approvalsNeeded(ctx, v, r.Schedule.Environment), []string{r.Schedule.Environment}
		}
		r.Required, r.Environments = max(need, 1), envs
		r.Before, r.After, r.Approvals, r.Author = cur, next, []ff.Review{}, auth.ActorFrom(ctx)
		if e.Comment != nil {
			r.Comment = *e.Comment
		}
		return nil
	})
}

// proposedAgain returns the current flag and what r's change, or e's
// when set, makes of it. A request that proposes a schedule proposes it,
// or e's steps, again: r.Schedule is replaced.
func (s *Service) proposedAgain(ctx context.Context, v *view.View, r *ff.ChangeRequest, e RequestEdit) (cur, next *ff.Flag, err error) {
	switch {
	case r.Schedule != nil && e.Change != nil:
		return nil, nil, ff.FieldErrorf("change", "change request %s proposes a schedule: edit its steps with schedule, not change", r.ID)
	case r.Schedule == nil && e.Schedule != nil:
		return nil, nil, ff.FieldErrorf("schedule", "change request %s proposes a change to the flag, not a schedule: edit it with change", r.ID)
	case r.Schedule != nil:
		return s.reproposeSchedule(v, r, e.Schedule)
	case e.Change != nil:
		return s.patched(ctx, v, r.FlagID, *e.Change)
	}
	if cur, err = s.Store().FindFlag(ctx, r.FlagID); err != nil {
		return nil, nil, err
	}
	view.Complete(cur, v.EnvNames)
	if r.After == nil {
		return cur, nil, nil
	}
	if next, err = rebase(r.Before, r.After, cur); err != nil {
		return nil, nil, err
	}
	view.Complete(next, v.EnvNames)
	next.Version = cur.Version + 1
	return cur, next, s.validateFlag(next, v.EnvNames, v.SegmentMap())
}

// ApproveChangeRequest adds the caller's approval to the open request id:
// not its author's, and not to a request that can no longer be applied
// as it stands. Approving twice changes nothing.
func (s *Service) ApproveChangeRequest(ctx context.Context, id, comment string) (*RequestView, error) {
	if err := validateText("comment", comment, MaxCommentLength); err != nil {
		return nil, err
	}
	return s.reviewRequest(ctx, id, ActionRequestApprove, func(v *view.View, r *ff.ChangeRequest) error {
		me := auth.ActorFrom(ctx)
		if sameActor(r.Author, me) {
			return ff.Errorf(ff.EFORBIDDEN, "you proposed this change; someone else must approve it")
		}
		if why := s.requestConflict(v, r); why != "" {
			return ff.Errorf(ff.ECONFLICT, "%s", why)
		}
		for _, a := range r.Approvals {
			if sameActor(a.Actor, me) {
				return errUnchanged
			}
		}
		r.Approvals = append(r.Approvals, ff.Review{Actor: me, Comment: comment, Time: s.timestamp()})
		return nil
	})
}

// RejectChangeRequest closes the open request id without its change; its
// author may so withdraw it.
func (s *Service) RejectChangeRequest(ctx context.Context, id, comment string) (*RequestView, error) {
	if err := validateText("comment", comment, MaxCommentLength); err != nil {
		return nil, err
	}
	return s.reviewRequest(ctx, id, ActionRequestReject, func(v *view.View, r *ff.ChangeRequest) error {
		r.Status = ff.RequestRejected
		r.Decision = &ff.Review{Actor: auth.ActorFrom(ctx), Comment: comment, Time: s.timestamp()}
		return nil
	})
}

// reviewRequest changes the open request id as change says (errUnchanged:
// not at all) and stores it, one version on, audited as action.
func (s *Service) reviewRequest(ctx context.Context, id, action string, change func(v *view.View, r *ff.ChangeRequest) error) (*RequestView, error) {
	var out *RequestView
	err := s.Write(ctx, func(v *view.View) error {
		cur, err := s.openRequest(ctx, id)
		if err != nil {
			return err
		}
		next := cur.Clone()
		if err := change(v, next); err != nil {
			out = s.describe(v, cur)
			return err
		}
		next.Version, next.UpdatedAt = cur.Version+1, s.timestamp()
		out = s.describe(v, next)
		return s.Store().UpdateChangeRequest(s.requestAudited(ctx, action, next, cur, next), next, cur.Version)
	}, nil)
	if err != nil && err != errUnchanged {
		return nil, err
	}
	return out, nil
}

// openRequest returns the request id, refusing (ECONFLICT) a closed one.
func (s *Service) openRequest(ctx context.Context, id string) (*ff.ChangeRequest, error) {
	r, err := s.Store().FindChangeRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != ff.RequestOpen {
		return nil, ff.Errorf(ff.ECONFLICT, "change request %s is %s already", r.ID, r.Status)
	}
	return r, nil
}

// ApplyChangeRequest makes the change of the open request id once it has
// its approvals, in one store transaction with recording it applied: if
// the flag changed since the change was proposed, nothing is made
// (ECONFLICT) and the request must be edited, and approved, again.
func (s *Service) ApplyChangeRequest(ctx context.Context, id, comment string) (*RequestView, error) {
	if err := validateText("comment", comment, MaxCommentLength); err != nil {
		return nil, err
	}
	var out *RequestView
	var after *ff.Flag
	err := s.Write(ctx, func(v *view.View) error {
		r, err := s.openRequest(ctx, id)
		if err != nil {
			return err
		}
		if len(r.Approvals) < r.Required {
			return ff.Errorf(ff.ECONFLICT, "change request %s needs %d approvals and has %d", r.ID, r.Required, len(r.Approvals))
		}
		next := r.Clone()
		next.Status, next.Version, next.UpdatedAt = ff.RequestApplied, r.Version+1, s.timestamp()
		next.Decision = &ff.Review{Actor: auth.ActorFrom(ctx), Comment: comment, Time: next.UpdatedAt}
		if next.Schedule != nil {
			after, out = v.Flag(r.FlagID), s.describe(v, next)
			return s.applySchedule(ctx, v, next, r.Version)
		}
		if next.After != nil {
			next.After.UpdatedAt = next.UpdatedAt
		}
		after = next.After
		err = s.Store().ApplyChangeRequest(s.audited(ctx, r.Action, "flag", r.FlagID, r.FlagName, firstEnv(r), r.Before, after), next, r.Version)
		if ff.ErrorCode(err) == ff.EPRECONDITION {
			return s.applyConflict(ctx, v, r, err)
		}
		out = s.describe(v, next)
		return err
	}, func(v *view.View, rev int64) *view.View { return v.WithFlag(out.FlagID, after, rev) })
	return out, err
}

// applyConflict explains a refused apply: the flag moved (or the request
// did, applied or changed by someone else at the same time).
func (s *Service) applyConflict(ctx context.Context, v *view.View, r *ff.ChangeRequest, err error) error {
	cur, ferr := s.Store().FindFlag(ctx, r.FlagID)
	if ferr != nil && ff.ErrorCode(ferr) != ff.ENOTFOUND {
		return ferr
	}
	if why := conflict(cur, r); why != "" {
		return ff.Errorf(ff.ECONFLICT, "nothing was changed: %s", why)
	}
	return ff.Errorf(ff.ECONFLICT, "change request %s changed while it was being applied; read it again: %s", r.ID, ff.ErrorMessage(err))
}

func sameActor(a, b ff.Actor) bool { return a.Type == b.Type && a.ID == b.ID }
