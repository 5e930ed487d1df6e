package service

import (
	"context"
	"fmt"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/view"
)

// A schedule into an environment that requires approval is held like any
// other write there: the change request holds the proposed schedule
// (ChangeRequest.Schedule), is approved by others than its author and,
// applied, stores the schedule, whose steps then run at their times as
// the request's author. The approval is given once, for the schedule as a
// whole, when it is made; cancelling is never held, so that a schedule
// can always be stopped at once.

// holdSchedule holds sc, a schedule of the flag f into an environment
// where the caller's writes need approvals, in a new change request;
// end is f as sc's last step would make it. It returns the *Proposed
// that answers the write.
func (s *Service) holdSchedule(ctx context.Context, v *view.View, f, end *ff.Flag, sc *ff.Schedule, need int) error {
	cur := f.Clone()
	view.Complete(cur, v.EnvNames)
	r := s.newRequest(ctx, ActionScheduleCreate, cur, end, need, []string{sc.Environment}, "")
	r.Schedule = sc
	if err := s.Store().CreateChangeRequest(s.requestAudited(ctx, ActionRequestCreate, r, nil, r), r); err != nil {
		return err
	}
	return &Proposed{Request: s.describe(v, r)}
}

// scheduleInput is the input that proposed sc: its environment, and its
// steps' times and changes without the rules bases the service set.
func scheduleInput(sc *ff.Schedule) ScheduleInput {
	in := ScheduleInput{Environment: sc.Environment, Steps: make([]ff.ScheduleStep, len(sc.Steps))}
	for i, st := range sc.Steps {
		c := cloneChange(st.Change)
		c.RulesBase = ""
		in.Steps[i] = ff.ScheduleStep{RunAt: st.RunAt, Change: c}
	}
	return in
}

// requestConflict says why the open request r cannot be applied as it
// stands, against the flags of v: "" if it can.
func (s *Service) requestConflict(v *view.View, r *ff.ChangeRequest) string {
	if r.Schedule != nil {
		return s.scheduleConflict(v, r)
	}
	return conflict(v.Flag(r.FlagID), r)
}

// scheduleConflict says why the schedule r proposes could not be made now:
// the flag went or was archived, a step's time passed while the request
// waited, a step no longer applies, or the rules a step replaces are no
// longer those it was proposed over.
func (s *Service) scheduleConflict(v *view.View, r *ff.ChangeRequest) string {
	f := v.Flag(r.FlagID)
	if f == nil {
		return fmt.Sprintf("flag %q was deleted since this schedule was proposed", r.FlagName)
	}
	steps, _, err := s.checkSchedule(f, scheduleInput(r.Schedule), v)
	if err != nil {
		return fmt.Sprintf("the schedule can no longer be made: %s; edit the request to propose it again, which needs approval again", ff.ErrorMessage(err))
	}
	for i, st := range steps {
		if st.Change.RulesBase != r.Schedule.Steps[i].Change.RulesBase {
			return fmt.Sprintf("the rules of flag %q in %s changed since this schedule was proposed; edit the request to propose it again on the current rules, which needs approval again",
				r.FlagName, r.Schedule.Environment)
		}
	}
	return ""
}

// reproposeSchedule makes the schedule request r propose in again (or,
// with in nil, its own schedule again) on the flag as it is now.
func (s *Service) reproposeSchedule(v *view.View, r *ff.ChangeRequest, in *ScheduleInput) (cur, end *ff.Flag, err error) {
	f := v.Flag(r.FlagID)
	if f == nil {
		return nil, nil, ff.Errorf(ff.ENOTFOUND, "flag %q not found", r.FlagName)
	}
	next := scheduleInput(r.Schedule)
	if in != nil {
		next.Steps = in.Steps
		if in.Environment != "" {
			next.Environment = in.Environment
		}
	}
	steps, end, err := s.checkSchedule(f, next, v)
	if err != nil {
		return nil, nil, err
	}
	sc := r.Schedule.Clone()
	sc.Environment, sc.Steps = next.Environment, steps
	r.Schedule = sc
	cur = f.Clone()
	view.Complete(cur, v.EnvNames)
	return cur, end, nil
}

// applySchedule stores the schedule of r, an approved request recorded as
// applied (expectVersion is its version before), as its author's: its
// steps run as the person who proposed it.
func (s *Service) applySchedule(ctx context.Context, v *view.View, r *ff.ChangeRequest, expectVersion int64) error {
	ss, err := s.scheduleStore()
	if err != nil {
		return err
	}
	if why := s.scheduleConflict(v, r); why != "" {
		return ff.Errorf(ff.ECONFLICT, "nothing was changed: %s", why)
	}
	sc := r.Schedule
	sc.CreatedBy, sc.CreatedAt = r.Author, r.UpdatedAt
	err = ss.ApplyScheduleRequest(s.audited(ctx, ActionScheduleCreate, "flag", r.FlagID, r.FlagName, sc.Environment, nil, sc), r, expectVersion)
	if ff.ErrorCode(err) == ff.EPRECONDITION {
		return ff.Errorf(ff.ECONFLICT, "change request %s changed while it was being applied; read it again: %s", r.ID, ff.ErrorMessage(err))
	}
	return err
}
