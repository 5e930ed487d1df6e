package service_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/service"
)

var schedT0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// scheduling is a service on a new SQLite store with a clock the test
// moves, and a flag "checkout" with variants and a production rollout.
type scheduling struct {
	t    *testing.T
	svc  *service.Service
	now  time.Time
	flag *ff.Flag
}

func newScheduling(t *testing.T) *scheduling {
	sc := &scheduling{t: t, now: schedT0}
	sc.svc = service.New(openSQLite(t, filepath.Join(t.TempDir(), "flags.db")), service.WithClock(func() time.Time { return sc.now }))
	if err := sc.svc.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	f, err := sc.svc.CreateFlag(t.Context(), service.FlagInput{Name: "checkout", Type: ff.TypeString,
		Variants:     map[string]any{"new": "n", "old": "o"},
		Environments: map[string]bool{"production": false},
		Targeting: map[string]*ff.Targeting{"production": {DefaultServe: &ff.Serve{Rollout: &ff.Rollout{
			Variants: []ff.WeightedVariant{{Variant: "new", Weight: 0}, {Variant: "old", Weight: 100}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	sc.flag = f
	return sc
}

func (sc *scheduling) schedule(steps ...ff.ScheduleStep) (*ff.Schedule, error) {
	ctx := auth.WithActor(sc.t.Context(), ff.Actor{Type: "token", ID: "tok-alice", Name: "alice"})
	return sc.svc.CreateSchedule(ctx, sc.flag.Name, service.ScheduleInput{Environment: "production", Steps: steps})
}

// runAt returns the time of the test's step i: i minutes from schedT0.
func step(i int, c ff.ScheduledChange) ff.ScheduleStep {
	return ff.ScheduleStep{RunAt: schedT0.Add(time.Duration(i) * time.Minute), Change: c}
}

func weights(newPct float64) []ff.WeightedVariant {
	return []ff.WeightedVariant{{Variant: "new", Weight: newPct}, {Variant: "old", Weight: 100 - newPct}}
}

// runUntil moves the clock to d after schedT0 and runs the due steps.
func (sc *scheduling) runUntil(d time.Duration) int {
	sc.now = schedT0.Add(d)
	n, err := sc.svc.RunDueSchedules(sc.t.Context())
	if err != nil {
		sc.t.Fatal(err)
	}
	return n
}

func (sc *scheduling) stored(id string) *ff.Schedule {
	list, err := sc.svc.ListSchedules(sc.t.Context(), sc.flag.ID, false)
	if err != nil {
		sc.t.Fatal(err)
	}
	for _, s := range list {
		if s.ID == id {
			return s
		}
	}
	sc.t.Fatalf("schedule %s not listed", id)
	return nil
}

func yes() *bool { b := true; return &b }

// A ramp runs step by step at its times, each as a patch of the flag as it
// is then: a change made meanwhile elsewhere in the flag survives.
func TestRampRunsOnTime(t *testing.T) {
	sc := newScheduling(t)
	s, err := sc.schedule(step(1, ff.ScheduledChange{Enabled: yes(), Rollout: weights(5)}),
		step(2, ff.ScheduledChange{Rollout: weights(50)}), step(3, ff.ScheduledChange{Rollout: weights(100)}))
	if err != nil {
		t.Fatal(err)
	}
	if n := sc.runUntil(time.Minute - time.Millisecond); n != 0 {
		t.Fatalf("%d steps ran before their time", n)
	}
	if n := sc.runUntil(time.Minute); n != 1 {
		t.Fatalf("%d steps ran at the first step's time, want 1", n)
	}
	desc := "edited meanwhile"
	if _, err := sc.svc.UpdateFlag(t.Context(), sc.flag.ID, service.FlagPatch{Description: &desc}, ff.AnyVersion); err != nil {
		t.Fatal(err)
	}
	if n := sc.runUntil(time.Hour); n != 2 {
		t.Fatalf("%d missed steps ran, want 2", n)
	}
	f, _ := sc.svc.Flag(t.Context(), sc.flag.ID)
	if !f.Environments["production"] || f.Description != desc || f.Targeting["production"].DefaultServe.Rollout.Variants[0].Weight != 100 {
		t.Fatalf("flag after the ramp: %+v %+v", f, f.Targeting["production"].DefaultServe.Rollout)
	}
	got := sc.stored(s.ID)
	for i, st := range got.Steps {
		if st.Status != ff.StepDone || st.RanAt == nil {
			t.Fatalf("step %d = %+v", i, st)
		}
	}
	if !got.Steps[0].RanAt.Equal(schedT0.Add(time.Minute)) {
		t.Fatalf("first step ran at %v, want its time", got.Steps[0].RanAt)
	}
	events, _, err := sc.svc.ListAudit(t.Context(), service.AuditQuery{Flag: sc.flag.ID, Actor: "scheduled by alice"})
	if err != nil || len(events) != 3 || events[0].Action != service.ActionFlagScheduled || events[0].Actor.ID != "tok-alice" {
		t.Fatalf("audit by the scheduler: %+v %v", events, err)
	}
}

// A step that no longer applies is skipped, says why, and changes nothing.
func TestStepsNoLongerApplying(t *testing.T) {
	tests := []struct {
		name   string
		change ff.ScheduledChange
		before func(sc *scheduling)
		reason string
	}{
		{"archived", ff.ScheduledChange{Enabled: yes()}, func(sc *scheduling) {
			_, err := sc.svc.ArchiveFlag(sc.t.Context(), sc.flag.ID, ff.AnyVersion)
			must(sc.t, err)
		}, "the flag is archived"},
		{"deleted", ff.ScheduledChange{Enabled: yes()}, func(sc *scheduling) {
			must(sc.t, sc.svc.DeleteFlag(sc.t.Context(), sc.flag.ID, ff.AnyVersion))
		}, "the flag was deleted"},
		{"rollout replaced", ff.ScheduledChange{Rollout: weights(50)}, func(sc *scheduling) {
			_, err := sc.svc.SetTargeting(sc.t.Context(), sc.flag.ID, "production", &ff.Targeting{DefaultServe: &ff.Serve{Variant: "old"}}, ff.AnyVersion)
			must(sc.t, err)
		}, `the default serve in "production" is no longer a rollout`},
		{"rules changed", ff.ScheduledChange{Rules: &[]ff.Rule{}}, func(sc *scheduling) {
			_, err := sc.svc.SetTargeting(sc.t.Context(), sc.flag.ID, "production", &ff.Targeting{
				Rules:        []ff.Rule{{Conditions: []ff.Condition{{Attribute: "plan", Operator: "in", Value: []any{"pro"}}}, Serve: ff.Serve{Variant: "new"}}},
				DefaultServe: &ff.Serve{Variant: "old"}}, ff.AnyVersion)
			must(sc.t, err)
		}, `the targeting rules in "production" changed after this step was scheduled`},
		{"variant gone", ff.ScheduledChange{DefaultServe: &ff.Serve{Variant: "new"}}, func(sc *scheduling) {
			vs := map[string]any{"old": "o", "other": "x"}
			_, err := sc.svc.UpdateFlag(sc.t.Context(), sc.flag.ID, service.FlagPatch{Variants: &vs,
				Targeting: map[string]*ff.Targeting{ // every environment's default named "new" (it sorts first)
					"development": {DefaultServe: &ff.Serve{Variant: "old"}}, "staging": {DefaultServe: &ff.Serve{Variant: "old"}},
					"production": {DefaultServe: &ff.Serve{Variant: "old"}}}}, ff.AnyVersion)
			must(sc.t, err)
		}, "the change no longer validates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newScheduling(t)
			s, err := sc.schedule(step(1, tt.change))
			must(t, err)
			tt.before(sc)
			before, _ := sc.svc.Store().FindFlag(t.Context(), sc.flag.ID)
			if n := sc.runUntil(time.Minute); n != 1 {
				t.Fatalf("%d steps decided, want 1", n)
			}
			list, err := sc.svc.Store().(ff.ScheduleStore).FindSchedule(t.Context(), s.ID)
			must(t, err)
			if st := list.Steps[0]; st.Status != ff.StepSkipped || !strings.HasPrefix(st.Reason, tt.reason) {
				t.Fatalf("step = %+v, want skipped because %q", st, tt.reason)
			}
			after, _ := sc.svc.Store().FindFlag(t.Context(), sc.flag.ID)
			if before != nil && after.Version != before.Version {
				t.Fatalf("a skipped step changed the flag: version %d -> %d", before.Version, after.Version)
			}
			events, _, _ := sc.svc.ListAudit(t.Context(), service.AuditQuery{Flag: sc.flag.ID})
			if events[0].Action != service.ActionScheduleSkip || !strings.Contains(string(events[0].After), strings.ReplaceAll(tt.reason, `"`, `\"`)) {
				t.Fatalf("last event = %+v, want the skip", events[0])
			}
		})
	}
}

// Bad schedules are refused whole, naming the field, and store nothing.
func TestScheduleRefused(t *testing.T) {
	sc := newScheduling(t)
	many := make([]ff.ScheduleStep, service.MaxScheduleSteps+1)
	for i := range many {
		many[i] = step(i+1, ff.ScheduledChange{Enabled: yes()})
	}
	tests := []struct {
		name, field string
		steps       []ff.ScheduleStep
	}{
		{"none", "steps", nil},
		{"too many", "steps", many},
		{"past", "steps[0].runAt", []ff.ScheduleStep{step(-1, ff.ScheduledChange{Enabled: yes()})}},
		{"no time", "steps[0].runAt", []ff.ScheduleStep{{Change: ff.ScheduledChange{Enabled: yes()}}}},
		{"out of order", "steps[1].runAt", []ff.ScheduleStep{step(2, ff.ScheduledChange{Enabled: yes()}), step(1, ff.ScheduledChange{Enabled: yes()})}},
		{"empty change", "steps[0].change", []ff.ScheduleStep{step(1, ff.ScheduledChange{})}},
		{"both serves", "steps[0].change", []ff.ScheduleStep{step(1, ff.ScheduledChange{DefaultServe: &ff.Serve{Variant: "new"}, Rollout: weights(5)})}},
		{"unknown variant", "steps[0].change", []ff.ScheduleStep{step(1, ff.ScheduledChange{DefaultServe: &ff.Serve{Variant: "nope"}})}},
		{"weights not 100", "steps[0].change", []ff.ScheduleStep{step(1, ff.ScheduledChange{Rollout: []ff.WeightedVariant{{Variant: "new", Weight: 5}, {Variant: "old", Weight: 5}}})}},
		{"rules base", "steps[0].change.rulesBase", []ff.ScheduleStep{step(1, ff.ScheduledChange{Enabled: yes(), RulesBase: "x"})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sc.schedule(tt.steps...)
			if ff.ErrorCode(err) != ff.EINVALID || ff.ErrorField(err) != tt.field {
				t.Fatalf("error %v (field %q), want invalid %s", err, ff.ErrorField(err), tt.field)
			}
		})
	}
	_, err := sc.svc.CreateSchedule(t.Context(), sc.flag.Name, service.ScheduleInput{Environment: "nope", Steps: []ff.ScheduleStep{step(1, ff.ScheduledChange{Enabled: yes()})}})
	if ff.ErrorField(err) != "environment" {
		t.Fatalf("unknown environment: %v", err)
	}
	if list, _ := sc.svc.ListSchedules(t.Context(), "", false); len(list) != 0 {
		t.Fatalf("refused schedules were stored: %+v", list)
	}
}

// A schedule is cancellable until its steps run; cancelling one that has
// run entirely is a conflict.
func TestCancelSchedule(t *testing.T) {
	sc := newScheduling(t)
	s, err := sc.schedule(step(1, ff.ScheduledChange{Enabled: yes()}), step(2, ff.ScheduledChange{Rollout: weights(10)}))
	must(t, err)
	sc.runUntil(time.Minute)
	got, err := sc.svc.CancelSchedule(t.Context(), sc.flag.Name, s.ID)
	must(t, err)
	if got.Steps[0].Status != ff.StepDone || got.Steps[1].Status != ff.StepCancelled {
		t.Fatalf("after cancel: %+v", got.Steps)
	}
	if n := sc.runUntil(time.Hour); n != 0 {
		t.Fatalf("%d cancelled steps ran", n)
	}
	if _, err := sc.svc.CancelSchedule(t.Context(), sc.flag.Name, s.ID); ff.ErrorCode(err) != ff.ECONFLICT {
		t.Fatalf("cancelling again: %v, want a conflict", err)
	}
	if _, err := sc.svc.CancelSchedule(t.Context(), sc.flag.Name, "nope"); ff.ErrorCode(err) != ff.ENOTFOUND {
		t.Fatalf("cancelling an unknown schedule: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
