package storetest

import (
	"reflect"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

func scheduleStore(t *testing.T, s ff.Store) ff.ScheduleStore {
	t.Helper()
	ss, ok := s.(ff.ScheduleStore)
	if !ok {
		t.Fatalf("%T does not implement featureflags.ScheduleStore", s)
	}
	return ss
}

func on(b bool) *bool { return &b }

// newSchedule returns a schedule of f in production with a step at each
// offset from now, each turning production on.
func newSchedule(f *ff.Flag, offsets ...time.Duration) *ff.Schedule {
	sc := &ff.Schedule{ID: ff.NewID(), FlagID: f.ID, FlagName: f.Name, Environment: "production",
		CreatedBy: ff.Actor{Type: "token", ID: "t1", Name: "alice"}, CreatedAt: now}
	for _, d := range offsets {
		sc.Steps = append(sc.Steps, ff.ScheduleStep{RunAt: now.Add(d), Status: ff.StepPending,
			Change: ff.ScheduledChange{Enabled: on(true)}})
	}
	return sc
}

// flipRunner writes the flag with its description naming the step's
// time, as a scheduled change does, and audits it.
func flipRunner(due *ff.Schedule, f *ff.Flag) ff.StepOutcome {
	if f == nil {
		return ff.StepOutcome{Status: ff.StepSkipped, Reason: "the flag was deleted"}
	}
	next := f.Clone()
	next.Description = due.Steps[0].RunAt.Format(time.RFC3339Nano)
	next.Version++
	ev := &ff.AuditEvent{Time: now, Actor: ff.Actor{Type: "token", Name: "scheduled by alice"},
		Action: "flag.schedule", TargetType: "flag", TargetID: f.ID, TargetName: f.Name, Environment: "production"}
	return ff.StepOutcome{Flag: next, Event: ev}
}

// Schedules are stored whole, listed by flag and state, and cancelled
// until they run; creating and cancelling are audited.
func testSchedules(t *testing.T, s ff.Store) {
	ss := scheduleStore(t, s)
	addEnvs(t, s, "development", "production")
	f, g := newFlag("checkout"), newFlag("search")
	must(t, s.CreateFlag(ctx(t), f))
	must(t, s.CreateFlag(ctx(t), g))
	a, b := newSchedule(f, 2*time.Minute, 3*time.Minute), newSchedule(g, time.Minute)
	a.Steps[1].Change = ff.ScheduledChange{DefaultServe: &ff.Serve{Variant: "on"}, RulesBase: "abc"}
	rev, _ := s.Revision(ctx(t))
	must(t, ss.CreateSchedule(ff.WithAudit(ctx(t), &ff.AuditEvent{Time: now, Action: "schedule.create", TargetID: f.ID}), a))
	must(t, ss.CreateSchedule(ctx(t), b))
	if r, _ := s.Revision(ctx(t)); r != rev+2 {
		t.Fatalf("revision %d after two schedules, want %d", r, rev+2)
	}
	got, err := ss.FindSchedule(ctx(t), a.ID)
	must(t, err)
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("found\n%s\nwant\n%s", dump(got), dump(a))
	}
	mustCode(t, func() error { _, err := ss.FindSchedule(ctx(t), "nope"); return err }(), ff.ENOTFOUND)
	all, err := ss.ListSchedules(ctx(t), ff.ScheduleFilter{})
	must(t, err)
	if len(all) != 2 || all[0].ID != b.ID || all[1].ID != a.ID {
		t.Fatalf("list = %s, want b (sooner) then a", dump(all))
	}
	mine, err := ss.ListSchedules(ctx(t), ff.ScheduleFilter{FlagID: f.ID})
	must(t, err)
	if len(mine) != 1 || mine[0].ID != a.ID {
		t.Fatalf("list of %s = %s", f.Name, dump(mine))
	}
	cancelled, err := ss.CancelSchedule(ctx(t), a.ID, now.Add(time.Second))
	must(t, err)
	for _, st := range cancelled.Steps {
		if st.Status != ff.StepCancelled || st.RanAt == nil || !st.RanAt.Equal(now.Add(time.Second)) {
			t.Fatalf("cancelled step = %s", dump(st))
		}
	}
	_, err = ss.CancelSchedule(ctx(t), a.ID, now)
	mustCode(t, err, ff.ECONFLICT)
	_, err = ss.CancelSchedule(ctx(t), "nope", now)
	mustCode(t, err, ff.ENOTFOUND)
	pending, err := ss.ListSchedules(ctx(t), ff.ScheduleFilter{Pending: true})
	must(t, err)
	if len(pending) != 1 || pending[0].ID != b.ID {
		t.Fatalf("pending = %s, want b only", dump(pending))
	}
	events, _, err := s.ListAudit(ctx(t), ff.AuditFilter{TargetID: f.ID})
	must(t, err)
	if len(events) != 1 || events[0].Action != "schedule.create" {
		t.Fatalf("audit of %s = %s", f.Name, dump(events))
	}
}

// Due steps run one at a time, in order of time, each recorded with the
// flag's write and its event; steps not yet due wait, and a step whose
// flag is gone is handed to the runner with no flag.
func testRunDueStep(t *testing.T, s ff.Store) {
	ss := scheduleStore(t, s)
	addEnvs(t, s, "development", "production")
	f, gone := newFlag("checkout"), newFlag("gone")
	must(t, s.CreateFlag(ctx(t), f))
	must(t, s.CreateFlag(ctx(t), gone))
	late := newSchedule(f, -time.Minute, time.Minute)
	early := newSchedule(gone, -2*time.Minute)
	must(t, ss.CreateSchedule(ctx(t), late))
	must(t, ss.CreateSchedule(ctx(t), early))
	must(t, s.DeleteFlag(ctx(t), gone.ID, ff.AnyVersion))

	ran, err := ss.RunDueStep(ctx(t), now, flipRunner)
	must(t, err)
	if ran == nil || ran.ID != early.ID || ran.Steps[0].Status != ff.StepSkipped || ran.Steps[0].Reason != "the flag was deleted" {
		t.Fatalf("first due step = %s, want the deleted flag's, skipped", dump(ran))
	}
	rev, _ := s.Revision(ctx(t))
	ran, err = ss.RunDueStep(ctx(t), now, flipRunner)
	must(t, err)
	if ran == nil || ran.ID != late.ID || ran.Steps[0].Status != ff.StepDone || ran.Steps[0].FlagVersion != 2 {
		t.Fatalf("second due step = %s, want the first of late, done at version 2", dump(ran))
	}
	if r, _ := s.Revision(ctx(t)); r != rev+1 {
		t.Fatalf("revision %d after a step, want %d", r, rev+1)
	}
	got, err := s.FindFlag(ctx(t), f.ID)
	must(t, err)
	if got.Version != 2 || got.Description != late.Steps[0].RunAt.Format(time.RFC3339Nano) {
		t.Fatalf("flag after its step = %s", dump(got))
	}
	events, _, err := s.ListAudit(ctx(t), ff.AuditFilter{TargetID: f.ID})
	must(t, err)
	if len(events) != 1 || events[0].Actor.Name != "scheduled by alice" {
		t.Fatalf("audit = %s, want the step's event", dump(events))
	}
	ran, err = ss.RunDueStep(ctx(t), now, flipRunner)
	must(t, err)
	if ran != nil {
		t.Fatalf("a step not yet due ran: %s", dump(ran))
	}
	stored, err := ss.FindSchedule(ctx(t), late.ID)
	must(t, err)
	if st := stored.Steps; st[0].Status != ff.StepDone || st[0].RanAt == nil || !st[0].RanAt.Equal(now) || st[1].Status != ff.StepPending {
		t.Fatalf("stored after one step = %s", dump(stored))
	}
	ran, err = ss.RunDueStep(ctx(t), now.Add(time.Minute), flipRunner)
	must(t, err)
	if ran == nil || ran.ID != late.ID || ran.Steps[0].RunAt != late.Steps[1].RunAt {
		t.Fatalf("at its time the second step did not run: %s", dump(ran))
	}
}

// Workers racing on one store run every step exactly once, and a flag's
// steps in order.
func testConcurrentRunDueStep(t *testing.T, s ff.Store) {
	ss := scheduleStore(t, s)
	addEnvs(t, s, "development", "production")
	f := newFlag("ramp")
	must(t, s.CreateFlag(ctx(t), f))
	const steps = 20
	offsets := make([]time.Duration, steps)
	for i := range offsets {
		offsets[i] = time.Duration(i-steps) * time.Second
	}
	sc := newSchedule(f, offsets...)
	must(t, ss.CreateSchedule(ctx(t), sc))
	runs := runConcurrently(t, ss, 4)
	if runs != steps {
		t.Fatalf("%d runs recorded, want %d", runs, steps)
	}
	got, err := s.FindFlag(ctx(t), f.ID)
	must(t, err)
	if got.Version != 1+steps {
		t.Fatalf("flag at version %d, want %d: a step ran twice or not at all", got.Version, 1+steps)
	}
	stored, err := ss.FindSchedule(ctx(t), sc.ID)
	must(t, err)
	for i, st := range stored.Steps {
		if st.Status != ff.StepDone || st.FlagVersion != int64(2+i) {
			t.Fatalf("step %d = %s, want done at version %d (in order)", i, dump(st), 2+i)
		}
	}
}

// runConcurrently runs due steps with n workers until none is due and
// returns how many steps they ran.
func runConcurrently(t *testing.T, ss ff.ScheduleStore, n int) int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	runs := 0
	for w := range n {
		wg.Go(func() {
			for {
				ran, err := ss.RunDueStep(ctx(t), now, flipRunner)
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
				if ran == nil {
					return
				}
				mu.Lock()
				runs++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return runs
}
