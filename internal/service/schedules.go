package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/view"
)

// The audit actions of scheduled changes. A step that runs is audited as
// ActionFlagScheduled on its flag, by "scheduled by <who scheduled it>".
const (
	ActionScheduleCreate = "schedule.create"
	ActionScheduleCancel = "schedule.cancel"
	ActionScheduleSkip   = "schedule.skip"
	ActionFlagScheduled  = "flag.scheduled"
)

// MaxScheduleSteps bounds the steps of one schedule (limit
// LimitScheduleSteps); a ramp needs a handful.
const MaxScheduleSteps = 100

// LimitScheduleSteps names MaxScheduleSteps in errors.
const LimitScheduleSteps = "schedule-steps"

// ScheduleInput is a new schedule as a client describes it: changes to one
// environment of a flag, each at its time (RunAt and Change of each step).
type ScheduleInput struct {
	Environment string
	Steps       []ff.ScheduleStep
	// IfMatch, unless AnyVersion, is the flag's version the client
	// scheduled over: a rules step then replaces the rules it saw.
	IfMatch int64
}

// scheduleStore returns the store's ScheduleStore.
func (s *Service) scheduleStore() (ff.ScheduleStore, error) {
	ss, ok := s.Store().(ff.ScheduleStore)
	if !ok {
		return nil, ff.Errorf(ff.EUNAVAILABLE, "the store keeps no schedules")
	}
	return ss, nil
}

// CreateSchedule checks in against the flag idOrName as it is now (each
// step applied in turn must leave a valid flag) and stores it, audited on
// the flag.
func (s *Service) CreateSchedule(ctx context.Context, idOrName string, in ScheduleInput) (*ff.Schedule, error) {
	ss, err := s.scheduleStore()
	if err != nil {
		return nil, err
	}
	var sc *ff.Schedule
	var f *ff.Flag
	err = s.Write(ctx, func(v *view.View) error {
		if f = v.Flag(idOrName); f == nil {
			return ff.Errorf(ff.ENOTFOUND, "flag %q not found", idOrName)
		}
		if in.IfMatch != ff.AnyVersion && f.Version != in.IfMatch {
			return staleError("flag", f.Name, f.Version, in.IfMatch)
		}
		steps, end, err := s.checkSchedule(f, in, v)
		if err != nil {
			return err
		}
		sc = &ff.Schedule{ID: ff.NewID(), FlagID: f.ID, FlagName: f.Name, Environment: in.Environment,
			CreatedBy: auth.ActorFrom(ctx), CreatedAt: s.timestamp(), Steps: steps}
		if need := approvalsNeeded(ctx, v, in.Environment); need > 0 {
			return s.holdSchedule(ctx, v, f, end, sc, need)
		}
		return ss.CreateSchedule(s.audited(ctx, ActionScheduleCreate, "flag", f.ID, f.Name, in.Environment, nil, sc), sc)
	}, func(v *view.View, rev int64) *view.View { return v.WithFlag(f.ID, f, rev) })
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// checkSchedule returns in's steps, pending and with their rules bases,
// and the flag f would be after the last of them, or the error of the
// first thing wrong with them.
func (s *Service) checkSchedule(f *ff.Flag, in ScheduleInput, v *view.View) ([]ff.ScheduleStep, *ff.Flag, error) {
	if f.ArchivedAt != nil {
		return nil, nil, ff.Errorf(ff.ECONFLICT, "flag %q is archived; restore it before scheduling changes to it", f.Name)
	}
	if err := checkEnvironment("environment", in.Environment, v.EnvNames); err != nil {
		return nil, nil, err
	}
	if len(in.Steps) == 0 {
		return nil, nil, ff.FieldErrorf("steps", "steps must hold at least one step")
	}
	if len(in.Steps) > MaxScheduleSteps {
		return nil, nil, overLimit(LimitScheduleSteps, "steps", len(in.Steps), MaxScheduleSteps, "steps")
	}
	now, cur := s.timestamp(), f.Clone()
	view.Complete(cur, v.EnvNames)
	steps := make([]ff.ScheduleStep, len(in.Steps))
	for i, st := range in.Steps {
		field := fmt.Sprintf("steps[%d]", i)
		if err := checkStepInput(field, st, now, in.Steps[:i]); err != nil {
			return nil, nil, err
		}
		change := cloneChange(st.Change)
		if change.Rules != nil {
			change.RulesBase = rulesBase(cur, in.Environment)
		}
		next, why := applyChange(cur, in.Environment, change)
		if why != "" {
			return nil, nil, ff.FieldErrorf(field+".change", "%s would not apply: %s", field, why)
		}
		if err := s.validateFlag(next, v.EnvNames, v.SegmentMap()); err != nil {
			return nil, nil, ff.FieldErrorf(field+".change", "%s would leave the flag invalid: %s", field, ff.ErrorMessage(err))
		}
		cur = next
		steps[i] = ff.ScheduleStep{RunAt: st.RunAt.UTC().Truncate(time.Millisecond), Change: change, Status: ff.StepPending}
	}
	return steps, cur, nil
}

// checkStepInput checks one step's time (set, not past, not before the
// steps before it) and that its change changes something.
func checkStepInput(field string, st ff.ScheduleStep, now time.Time, before []ff.ScheduleStep) error {
	c := st.Change
	switch {
	case st.RunAt.IsZero():
		return ff.FieldErrorf(field+".runAt", "%s.runAt is required: when the change is to be made (RFC 3339)", field)
	case st.RunAt.Before(now):
		return ff.FieldErrorf(field+".runAt", "%s.runAt is in the past (now is %s)", field, now.Format(time.RFC3339))
	case len(before) > 0 && st.RunAt.Before(before[len(before)-1].RunAt):
		return ff.FieldErrorf(field+".runAt", "%s.runAt is before the step before it: steps run in order", field)
	case c.Enabled == nil && c.DefaultServe == nil && c.Rollout == nil && c.Rules == nil:
		return ff.FieldErrorf(field+".change", "%s.change changes nothing: set enabled, defaultServe, rollout or rules", field)
	case c.DefaultServe != nil && c.Rollout != nil:
		return ff.FieldErrorf(field+".change", "%s.change sets both defaultServe and rollout: set one", field)
	case c.RulesBase != "":
		return ff.FieldErrorf(field+".change.rulesBase", "%s.change.rulesBase is set by the server", field)
	}
	return nil
}

// cloneChange returns a deep copy of c, so that what is stored is not what
// the caller goes on holding.
func cloneChange(c ff.ScheduledChange) ff.ScheduledChange {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // plain data
	}
	var out ff.ScheduledChange
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// rulesBase fingerprints the rules of f's targeting in env.
func rulesBase(f *ff.Flag, env string) string {
	rules := []ff.Rule{}
	if t := f.Targeting[env]; t != nil && len(t.Rules) > 0 {
		rules = t.Rules
	}
	b, _ := json.Marshal(rules)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// ListSchedules returns the schedules of the flag idOrName (every flag's
// when it is empty), only those still to run if pending.
func (s *Service) ListSchedules(ctx context.Context, idOrName string, pending bool) ([]*ff.Schedule, error) {
	ss, err := s.scheduleStore()
	if err != nil {
		return nil, err
	}
	filter := ff.ScheduleFilter{Pending: pending}
	if idOrName != "" {
		f, err := s.Flag(ctx, idOrName)
		if err != nil {
			return nil, err
		}
		filter.FlagID = f.ID
	}
	return ss.ListSchedules(ctx, filter)
}

// CancelSchedule cancels the steps still pending of the flag's schedule
// id, audited on the flag.
func (s *Service) CancelSchedule(ctx context.Context, idOrName, id string) (*ff.Schedule, error) {
	ss, err := s.scheduleStore()
	if err != nil {
		return nil, err
	}
	var out *ff.Schedule
	var f *ff.Flag
	err = s.Write(ctx, func(v *view.View) error {
		if f = v.Flag(idOrName); f == nil {
			return ff.Errorf(ff.ENOTFOUND, "flag %q not found", idOrName)
		}
		sc, err := ss.FindSchedule(ctx, id)
		if ff.ErrorCode(err) == ff.ENOTFOUND || (err == nil && sc.FlagID != f.ID) {
			return ff.Errorf(ff.ENOTFOUND, "flag %q has no schedule %q", f.Name, id)
		}
		if err != nil {
			return err
		}
		out, err = ss.CancelSchedule(s.audited(ctx, ActionScheduleCancel, "flag", f.ID, f.Name, sc.Environment, sc, nil), id, s.timestamp())
		return err
	}, func(v *view.View, rev int64) *view.View { return v.WithFlag(f.ID, f, rev) })
	return out, err
}
