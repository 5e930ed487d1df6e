package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/view"
)

// When a due step no longer applies. A step is a patch of one
// environment, applied to the flag as it is when the step runs, so a change
// made meanwhile to anything else (another environment, the description,
// the rules when the step sets the default) never blocks it. It is skipped,
// with one of these reasons, when:
//   - the flag was deleted or archived, or the environment deleted;
//   - it sets rules and the environment's rules are no longer those it
//     was scheduled over (someone else changed them);
//   - it sets rollout weights and the default serve is no longer a rollout
//     between the same variants;
//   - the flag it would leave does not validate (a variant it serves is
//     gone, a segment its rules name was deleted, a limit was lowered).
const (
	whyDeleted     = "the flag was deleted"
	whyArchived    = "the flag is archived"
	whyEnvironment = "environment %q no longer exists"
	whyRules       = "the targeting rules in %q changed after this step was scheduled"
	whyNoRollout   = "the default serve in %q is no longer a rollout"
	whyVariants    = "the rollout in %q no longer splits between %s"
	whyInvalid     = "the change no longer validates: %s"
	whyAlready     = "the flag already was as this step sets it"
)

// errNothingDue ends a run of the worker that found no step due: nothing
// was written, so the view is not read again.
var errNothingDue = errors.New("no step due")

// RunDueSchedules runs every step due by now, one at a time, and returns
// how many ran (or were skipped). Each is claimed in the store's
// transaction, so that replicas running this at once run each step
// exactly once; steps missed while no replica ran run now, in order.
func (s *Service) RunDueSchedules(ctx context.Context) (int, error) {
	ss, err := s.scheduleStore()
	if err != nil {
		return 0, err
	}
	for n := 0; ; n++ {
		ran, err := s.runDueStep(ctx, ss)
		if err != nil || !ran {
			return n, err
		}
	}
}

// runDueStep runs one due step, if there is one.
func (s *Service) runDueStep(ctx context.Context, ss ff.ScheduleStore) (bool, error) {
	var id string
	var after *ff.Flag
	err := s.Write(ctx, func(v *view.View) error {
		due, err := ss.RunDueStep(ctx, s.timestamp(), func(due *ff.Schedule, f *ff.Flag) ff.StepOutcome {
			id = due.FlagID
			out := s.decideStep(due, f, v)
			if after = f; out.Flag != nil {
				after = out.Flag
			}
			return out
		})
		if err == nil && due == nil {
			return errNothingDue
		}
		return err
	}, func(v *view.View, rev int64) *view.View { return v.WithFlag(id, after, rev) })
	if err == errNothingDue {
		return false, nil
	}
	return err == nil, err
}

// decideStep decides due's step on f, the flag as stored (nil if deleted).
func (s *Service) decideStep(due *ff.Schedule, f *ff.Flag, v *view.View) ff.StepOutcome {
	env := due.Environment
	if f != nil {
		view.Complete(f, v.EnvNames)
	}
	next, why := s.stepResult(f, due.Steps[0].Change, env, v)
	actor := due.CreatedBy
	actor.Name = "scheduled by " + actorName(actor)
	if why != "" {
		ev := s.stepEvent(ActionScheduleSkip, due, f, actor, map[string]any{"scheduleId": due.ID, "runAt": due.Steps[0].RunAt, "reason": why})
		return ff.StepOutcome{Status: ff.StepSkipped, Reason: why, Event: ev}
	}
	if unchanged(f, next) {
		return ff.StepOutcome{Status: ff.StepDone, Reason: whyAlready}
	}
	next.Version, next.UpdatedAt = f.Version+1, s.timestamp()
	ev := s.stepEvent(ActionFlagScheduled, due, f, actor, next)
	ev.Before = document(f)
	return ff.StepOutcome{Flag: next, Status: ff.StepDone, Event: ev}
}

// stepResult is f with change applied in env, or why it no longer applies.
func (s *Service) stepResult(f *ff.Flag, change ff.ScheduledChange, env string, v *view.View) (*ff.Flag, string) {
	switch {
	case f == nil:
		return nil, whyDeleted
	case f.ArchivedAt != nil:
		return nil, whyArchived
	case !slices.Contains(v.EnvNames, env):
		return nil, fmt.Sprintf(whyEnvironment, env)
	}
	next, why := applyChange(f, env, change)
	if why != "" {
		return nil, why
	}
	if err := s.validateFlag(next, v.EnvNames, v.SegmentMap()); err != nil {
		return nil, fmt.Sprintf(whyInvalid, ff.ErrorMessage(err))
	}
	return next, ""
}

// stepEvent is the audit event of a step of due on f (nil if deleted).
func (s *Service) stepEvent(action string, due *ff.Schedule, f *ff.Flag, actor ff.Actor, after any) *ff.AuditEvent {
	name := due.FlagName
	if f != nil {
		name = f.Name
	}
	return &ff.AuditEvent{Time: s.timestamp(), Actor: actor, Action: action, TargetType: "flag",
		TargetID: due.FlagID, TargetName: name, Environment: due.Environment, After: document(after)}
}

// actorName names who scheduled a change in its audit actor.
func actorName(a ff.Actor) string {
	switch {
	case a.Name != "":
		return a.Name
	case a.ID != "":
		return a.ID
	}
	return a.Type
}

// applyChange returns a copy of f with c applied to env, or why c does not
// apply to f.
func applyChange(f *ff.Flag, env string, c ff.ScheduledChange) (*ff.Flag, string) {
	next := f.Clone()
	t := next.Targeting[env]
	if t == nil {
		t = &ff.Targeting{}
	}
	if c.Enabled != nil {
		if next.Environments == nil {
			next.Environments = map[string]bool{}
		}
		next.Environments[env] = *c.Enabled
	}
	if c.Rules != nil {
		if rulesBase(f, env) != c.RulesBase {
			return nil, fmt.Sprintf(whyRules, env)
		}
		t.Rules = *cloneChange(ff.ScheduledChange{Rules: c.Rules}).Rules
	}
	if c.DefaultServe != nil {
		t.DefaultServe = cloneChange(ff.ScheduledChange{DefaultServe: c.DefaultServe}).DefaultServe
	}
	if c.Rollout != nil {
		if why := setWeights(t, env, c.Rollout); why != "" {
			return nil, why
		}
	}
	if next.Targeting == nil {
		next.Targeting = map[string]*ff.Targeting{}
	}
	next.Targeting[env] = t
	if len(t.Rules) == 0 && t.DefaultServe == nil && t.OffVariant == "" {
		delete(next.Targeting, env)
	}
	return next, ""
}

// setWeights gives t's default rollout the weights of ws, which must
// name the variants it splits between.
func setWeights(t *ff.Targeting, env string, ws []ff.WeightedVariant) string {
	if t.DefaultServe == nil || t.DefaultServe.Rollout == nil {
		return fmt.Sprintf(whyNoRollout, env)
	}
	r := t.DefaultServe.Rollout
	have, want := weightedNames(r.Variants), weightedNames(ws)
	if !slices.Equal(have, want) {
		return fmt.Sprintf(whyVariants, env, strings.Join(want, ", "))
	}
	r.Variants = append([]ff.WeightedVariant(nil), ws...)
	return ""
}

// weightedNames returns the variants a rollout names, sorted.
func weightedNames(ws []ff.WeightedVariant) []string {
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = w.Variant
	}
	slices.Sort(names)
	return names
}
