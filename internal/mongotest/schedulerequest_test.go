package mongotest_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/mongo"
)

// scheduleRequest creates, on the fixture's flag, an approved request to
// schedule it on and off again, and returns it as applied.
func (fx *applyFixture) scheduleRequest(t *testing.T) (open, done *ff.ChangeRequest) {
	t.Helper()
	now := fx.req.CreatedAt
	on, off := true, false
	open = fx.req.Clone()
	open.ID, open.Action = ff.NewID(), "schedule.create"
	open.Schedule = &ff.Schedule{ID: ff.NewID(), FlagID: fx.flag.ID, FlagName: fx.flag.Name, Environment: "production",
		CreatedBy: open.Author, CreatedAt: now, Steps: []ff.ScheduleStep{
			{RunAt: now.Add(time.Hour), Status: ff.StepPending, Change: ff.ScheduledChange{Enabled: &on}},
			{RunAt: now.Add(2 * time.Hour), Status: ff.StepPending, Change: ff.ScheduledChange{Enabled: &off}}}}
	must(t, fx.a.CreateChangeRequest(t.Context(), open))
	done = open.Clone()
	done.Status, done.Version = ff.RequestApplied, open.Version+1
	done.Decision = &ff.Review{Actor: ff.Actor{Type: "token", ID: "t2", Name: "bob"}, Time: now}
	return open, done
}

// applyScheduleDying applies done on replica a, which dies at point.
func (fx *applyFixture) applyScheduleDying(t *testing.T, done *ff.ChangeRequest, point string) {
	t.Helper()
	fx.a.SetInterrupt(func(p string) error {
		if p == point {
			return errDied
		}
		return nil
	})
	ev := &ff.AuditEvent{Time: time.Now(), Action: "schedule.create", TargetType: "flag", TargetID: fx.flag.ID, TargetName: "checkout"}
	if err := fx.a.ApplyScheduleRequest(ff.WithAudit(t.Context(), ev), done, done.Version-1); !errors.Is(err, errDied) {
		t.Fatalf("apply on the dying replica: %v, want it to die", err)
	}
	fx.a.SetInterrupt(nil)
}

// assertScheduled checks, through replica b, that done is applied once:
// the request applied, its schedule stored whole, one schedule.create
// event, the flag untouched; and that it cannot be applied again.
func (fx *applyFixture) assertScheduled(t *testing.T, done *ff.ChangeRequest) {
	t.Helper()
	r, err := fx.b.FindChangeRequest(t.Context(), done.ID)
	must(t, err)
	if r.Status != ff.RequestApplied || r.Version != done.Version {
		t.Fatalf("request after settling: %s v%d", r.Status, r.Version)
	}
	sc, err := fx.b.FindSchedule(t.Context(), done.Schedule.ID)
	must(t, err)
	if !reflect.DeepEqual(sc, done.Schedule) {
		t.Fatalf("schedule after settling:\n got %+v\nwant %+v", sc, done.Schedule)
	}
	evs, _, err := fx.b.ListAudit(t.Context(), ff.AuditFilter{TargetID: fx.flag.ID})
	must(t, err)
	n := 0
	for _, e := range evs {
		if e.Action == "schedule.create" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d schedule.create events, want 1", n)
	}
	if f, err := fx.b.FindFlag(t.Context(), fx.flag.ID); err != nil || f.Version != 1 || f.Environments["production"] {
		t.Fatalf("the flag changed: %+v %v", f, err)
	}
	again := done.Clone()
	again.Version++
	if err := fx.a.ApplyScheduleRequest(t.Context(), again, done.Version-1); ff.ErrorCode(err) != ff.EPRECONDITION {
		t.Fatalf("applying again: %v, want a precondition failure", err)
	}
}

// TestApplyScheduleInterruptedAfterClaim: the replica dies once it has
// claimed the request, before storing the schedule. The other replica,
// reading the request, stores the schedule and finishes the apply.
func TestApplyScheduleInterruptedAfterClaim(t *testing.T) {
	fx := newApplyFixture(t)
	_, done := fx.scheduleRequest(t)
	fx.applyScheduleDying(t, done, mongo.PointRequestClaimed)
	fx.assertScheduled(t, done)
}

// TestApplyScheduleInterruptedAfterInsert: the replica dies after storing
// the schedule, before recording the request applied: the next list of
// schedules finishes the apply, audited once.
func TestApplyScheduleInterruptedAfterInsert(t *testing.T) {
	fx := newApplyFixture(t)
	_, done := fx.scheduleRequest(t)
	fx.applyScheduleDying(t, done, mongo.PointScheduleInserted)
	list, err := fx.b.ListSchedules(t.Context(), ff.ScheduleFilter{FlagID: fx.flag.ID})
	must(t, err)
	if len(list) != 1 || list[0].ID != done.Schedule.ID {
		t.Fatalf("schedules after settling: %+v", list)
	}
	fx.assertScheduled(t, done)
}
