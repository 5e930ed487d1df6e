package mongotest_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/mongo"
	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The lease after which a step left running by a replica that died is
// settled (store/mongo's claimLease).
const stepLease = time.Minute

// stepFixture is applyFixture's two replicas and flag, off in production
// at version 1, with a schedule switching it on, then off.
type stepFixture struct {
	*applyFixture
	sc *ff.Schedule
	// ran counts the decisions of the runner.
	ran atomic.Int64
}

func newStepFixture(t *testing.T) *stepFixture {
	fx := &stepFixture{applyFixture: newApplyFixture(t)}
	now := fx.req.CreatedAt
	on, off := true, false
	fx.sc = &ff.Schedule{ID: ff.NewID(), FlagID: fx.flag.ID, FlagName: fx.flag.Name, Environment: "production",
		CreatedBy: ff.Actor{Type: "token", ID: "t1", Name: "alice"}, CreatedAt: now, Steps: []ff.ScheduleStep{
			{RunAt: now.Add(time.Hour), Status: ff.StepPending, Change: ff.ScheduledChange{Enabled: &on}},
			{RunAt: now.Add(2 * time.Hour), Status: ff.StepPending, Change: ff.ScheduledChange{Enabled: &off}}}}
	must(t, fx.a.CreateSchedule(t.Context(), fx.sc))
	return fx
}

// run is the step runner: it sets production's state as the step says,
// audited flag.scheduled, or finds it so already.
func (fx *stepFixture) run(due *ff.Schedule, f *ff.Flag) ff.StepOutcome {
	fx.ran.Add(1)
	want := *due.Steps[0].Change.Enabled
	if f == nil {
		return ff.StepOutcome{Status: ff.StepSkipped, Reason: "deleted"}
	}
	if f.Environments["production"] == want {
		return ff.StepOutcome{Status: ff.StepDone, Reason: "already"}
	}
	next := f.Clone()
	next.Environments["production"], next.Version = want, f.Version+1
	ev := &ff.AuditEvent{Time: time.Now(), Action: "flag.scheduled", TargetType: "flag", TargetID: f.ID, TargetName: f.Name}
	return ff.StepOutcome{Flag: next, Status: ff.StepDone, Event: ev}
}

// at is the time of the schedule's first step plus d.
func (fx *stepFixture) at(d time.Duration) time.Time { return fx.sc.Steps[0].RunAt.Add(d) }

// runDying runs the first step on replica a, which dies at point.
func (fx *stepFixture) runDying(t *testing.T, point string) {
	t.Helper()
	fx.a.SetInterrupt(func(p string) error {
		if p == point {
			return errDied
		}
		return nil
	})
	if _, err := fx.a.RunDueStep(t.Context(), fx.at(0), fx.run); !errors.Is(err, errDied) {
		t.Fatalf("the step on the dying replica: %v, want it to die", err)
	}
	fx.a.SetInterrupt(nil)
	fx.ran.Store(0)
}

// steps returns the schedule's steps as b reads them.
func (fx *stepFixture) steps(t *testing.T) []ff.ScheduleStep {
	t.Helper()
	sc, err := fx.b.FindSchedule(t.Context(), fx.sc.ID)
	must(t, err)
	return sc.Steps
}

// check checks the flag's production state and version, its number of
// flag.scheduled events, and the first step's status and flag version.
func (fx *stepFixture) check(t *testing.T, on bool, version int64, events int, status string, stepVersion int64) {
	t.Helper()
	f, err := fx.b.FindFlag(t.Context(), fx.flag.ID)
	must(t, err)
	if f.Environments["production"] != on || f.Version != version {
		t.Errorf("flag on=%v v%d, want on=%v v%d", f.Environments["production"], f.Version, on, version)
	}
	evs, _, err := fx.b.ListAudit(t.Context(), ff.AuditFilter{TargetID: fx.flag.ID})
	must(t, err)
	n := 0
	for _, e := range evs {
		if e.Action == "flag.scheduled" {
			n++
		}
	}
	if n != events {
		t.Errorf("%d flag.scheduled events, want %d", n, events)
	}
	if st := fx.steps(t)[0]; st.Status != status || st.FlagVersion != stepVersion {
		t.Errorf("first step %s (%s) at flag version %d, want %s at %d", st.Status, st.Reason, st.FlagVersion, status, stepVersion)
	}
}

// runDue runs one due step on s at now.
func (fx *stepFixture) runDue(t *testing.T, s *mongo.Store, now time.Time) *ff.Schedule {
	t.Helper()
	due, err := s.RunDueStep(t.Context(), now, fx.run)
	must(t, err)
	return due
}

// TestStepInterruptedAfterFlagWrite: the replica dies once it has written
// the flag, before its event and outcome. The step stays running for the
// lease; then the next run, on the other replica, records it done at the
// version it made, with its one event, without running it again.
func TestStepInterruptedAfterFlagWrite(t *testing.T) {
	fx := newStepFixture(t)
	fx.runDying(t, mongo.PointFlagWritten)
	if due := fx.runDue(t, fx.b, fx.at(stepLease-time.Second)); due != nil {
		t.Fatalf("ran %+v before the lease ran out", due)
	}
	if st := fx.steps(t)[0]; st.Status != ff.StepRunning {
		t.Fatalf("first step %s within the lease, want running", st.Status)
	}
	if due := fx.runDue(t, fx.b, fx.at(stepLease+time.Second)); due != nil {
		t.Fatalf("ran %+v, want the interrupted step settled and none due", due)
	}
	fx.check(t, true, 2, 1, ff.StepDone, 2)
	if st := fx.steps(t)[0]; st.RanAt == nil || !st.RanAt.Equal(fx.at(0)) {
		t.Errorf("first step ran at %v, want %v, when it ran", st.RanAt, fx.at(0))
	}
	if n := fx.ran.Load(); n != 0 {
		t.Errorf("the step was decided %d times again, want 0", n)
	}
}

// TestStepInterruptedAfterFlagToggled: the replica dies once it has
// written the flag, then someone toggles it back: the flag still carries
// the step's mark (a toggle keeps it), so the step is done and not run
// again over the toggle.
func TestStepInterruptedAfterFlagToggled(t *testing.T) {
	fx := newStepFixture(t)
	fx.runDying(t, mongo.PointFlagWritten)
	_, err := fx.b.ToggleFlag(t.Context(), fx.flag.ID, "production", 2, fx.at(time.Second))
	must(t, err)
	fx.runDue(t, fx.b, fx.at(stepLease+time.Second))
	fx.check(t, false, 3, 1, ff.StepDone, 2)
}

// TestStepInterruptedAfterFlagUpdated: the replica dies once it has
// written the flag, then someone updates the flag, switching it off
// again: the update carries the step's mark over, so the step is done and
// not run again over the update (which would switch the flag on again).
func TestStepInterruptedAfterFlagUpdated(t *testing.T) {
	fx := newStepFixture(t)
	fx.runDying(t, mongo.PointFlagWritten)
	f, err := fx.b.FindFlag(t.Context(), fx.flag.ID)
	must(t, err)
	f.Environments["production"], f.Version = false, 3
	must(t, fx.b.UpdateFlag(t.Context(), f, 2))
	fx.runDue(t, fx.b, fx.at(stepLease+time.Second))
	fx.check(t, false, 3, 1, ff.StepDone, 2)
}

// TestStepInterruptedThenRequestApplied: the replica dies once it has
// written the flag, then a change request switching it off again is
// applied: the apply carries the step's mark over, as an update does, so
// the step is done and not run again over the request's change.
func TestStepInterruptedThenRequestApplied(t *testing.T) {
	fx := newStepFixture(t)
	fx.runDying(t, mongo.PointFlagWritten)
	f, err := fx.b.FindFlag(t.Context(), fx.flag.ID)
	must(t, err)
	after := f.Clone()
	after.Environments["production"], after.Version = false, 3
	now := fx.at(time.Second)
	alice, bob := ff.Actor{Type: "token", ID: "t1", Name: "alice"}, ff.Actor{Type: "token", ID: "t2", Name: "bob"}
	r := &ff.ChangeRequest{ID: ff.NewID(), FlagID: f.ID, FlagName: f.Name, Action: "flag.toggle", Environments: []string{"production"},
		Required: 1, Status: ff.RequestOpen, Author: alice, Before: f, After: after,
		Approvals: []ff.Review{{Actor: bob, Time: now}}, Version: 1, CreatedAt: now, UpdatedAt: now}
	must(t, fx.b.CreateChangeRequest(t.Context(), r))
	done := r.Clone()
	done.Status, done.Version, done.Decision = ff.RequestApplied, 2, &ff.Review{Actor: bob, Time: now}
	ev := &ff.AuditEvent{Time: now, Action: "flag.toggle", TargetType: "flag", TargetID: f.ID, TargetName: f.Name}
	must(t, fx.b.ApplyChangeRequest(ff.WithAudit(t.Context(), ev), done, 1))
	fx.runDue(t, fx.b, fx.at(stepLease+time.Second))
	fx.check(t, false, 3, 1, ff.StepDone, 2)
}

// TestStepInterruptedThenImported: the same with an import replacing the
// flag, which carries the step's mark over too.
func TestStepInterruptedThenImported(t *testing.T) {
	fx := newStepFixture(t)
	fx.runDying(t, mongo.PointFlagWritten)
	f, err := fx.b.FindFlag(t.Context(), fx.flag.ID)
	must(t, err)
	f.Environments["production"], f.Version = false, 3
	ev := &ff.AuditEvent{Time: fx.at(time.Second), Action: "flags.import", TargetType: "dataset"}
	must(t, fx.b.Import(ff.WithAudit(t.Context(), ev), &ff.Dataset{Flags: []*ff.Flag{f}}))
	fx.runDue(t, fx.b, fx.at(stepLease+time.Second))
	fx.check(t, false, 3, 1, ff.StepDone, 2)
}

// TestStepInterruptedBeforeFlagWrite: the replica dies once it has
// recorded its write, before writing the flag: the next run makes that
// write, at the version it was decided on, and records the step done;
// the flag changes once.
func TestStepInterruptedBeforeFlagWrite(t *testing.T) {
	fx := newStepFixture(t)
	fx.runDying(t, mongo.PointStepWriting)
	if f, err := fx.b.FindFlag(t.Context(), fx.flag.ID); err != nil || f.Version != 1 {
		t.Fatalf("the flag changed before the replica died: %+v %v", f, err)
	}
	fx.runDue(t, fx.b, fx.at(stepLease+time.Second))
	fx.check(t, true, 2, 1, ff.StepDone, 2)
}

// TestStepInterruptedAfterClaim: the replica dies once it has claimed the
// step: the next run puts it back and runs it.
func TestStepInterruptedAfterClaim(t *testing.T) {
	fx := newStepFixture(t)
	fx.runDying(t, mongo.PointStepClaimed)
	if due := fx.runDue(t, fx.b, fx.at(stepLease+time.Second)); due == nil || due.Steps[0].Status != ff.StepDone {
		t.Fatalf("ran %+v, want the first step run again", due)
	}
	fx.check(t, true, 2, 1, ff.StepDone, 2)
	if n := fx.ran.Load(); n != 1 {
		t.Errorf("the step was decided %d times, want 1", n)
	}
}

// TestStepInterruptedThenFlagChanged: the replica dies before writing the
// flag, and another writer changes the flag meanwhile: the recorded write
// can no longer be made, so the step runs again on the flag as it is,
// keeping the other write.
func TestStepInterruptedThenFlagChanged(t *testing.T) {
	fx := newStepFixture(t)
	fx.runDying(t, mongo.PointStepWriting)
	moved := fx.flag.Clone()
	moved.Description, moved.Version = "moved on", 2
	must(t, fx.b.UpdateFlag(t.Context(), moved, 1))
	fx.runDue(t, fx.b, fx.at(stepLease+time.Second))
	fx.check(t, true, 3, 1, ff.StepDone, 3)
	if f, _ := fx.b.FindFlag(t.Context(), fx.flag.ID); f.Description != "moved on" {
		t.Errorf("description %q, want the other write's", f.Description)
	}
}

// TestStepClaimLeftBehind: a replica dies having inserted the step's
// claim document but before moving the step to running, which leaves the
// step pending and its claim taken. Once the claim is older than the
// lease, the next run removes it and runs the step.
func TestStepClaimLeftBehind(t *testing.T) {
	fx := newStepFixture(t)
	client, err := driver.Connect(options.Client().ApplyURI(fx.url))
	must(t, err)
	defer client.Disconnect(context.Background())
	_, err = client.Database(dbName(fx.url)).Collection("schedule_claims").InsertOne(t.Context(),
		bson.D{{Key: "_id", Value: fx.sc.ID + "/0"}, {Key: "at", Value: fx.at(0)}, {Key: "claim", Value: "dead"}})
	must(t, err)
	if due := fx.runDue(t, fx.b, fx.at(stepLease-time.Second)); due != nil {
		t.Fatalf("ran %+v while the claim was fresh", due)
	}
	if due := fx.runDue(t, fx.b, fx.at(stepLease+time.Second)); due == nil {
		t.Fatal("the step did not run once the claim left behind was stale")
	}
	fx.check(t, true, 2, 1, ff.StepDone, 2)
}

// TestStepSettleRace: the replica dies part way through the first step;
// after the lease both replicas run the due steps at once, racing to
// settle it. Each step's change is made once, in order: the flag is on,
// then off, two events, the second step run once.
func TestStepSettleRace(t *testing.T) {
	for _, point := range []string{mongo.PointStepWriting, mongo.PointFlagWritten} {
		t.Run(point, func(t *testing.T) {
			fx := newStepFixture(t)
			fx.runDying(t, point)
			now := fx.sc.Steps[1].RunAt.Add(stepLease)
			var wg sync.WaitGroup
			var ran atomic.Int64
			for _, s := range []*mongo.Store{fx.a, fx.b} {
				wg.Go(func() {
					for {
						due, err := s.RunDueStep(t.Context(), now, fx.run)
						if err != nil {
							t.Error(err)
						}
						if due == nil || err != nil {
							return
						}
						ran.Add(1)
					}
				})
			}
			wg.Wait()
			// A replica that found the second step blocked, or claimed
			// by the other, stops: the next run takes what is left.
			for fx.runDue(t, fx.b, now) != nil {
				ran.Add(1)
			}
			fx.check(t, false, 3, 2, ff.StepDone, 2)
			if st := fx.steps(t)[1]; st.Status != ff.StepDone || st.FlagVersion != 3 {
				t.Errorf("second step %s at flag version %d, want done at 3", st.Status, st.FlagVersion)
			}
			if ran.Load() != 1 {
				t.Errorf("the replicas ran %d steps, want 1 (the first one is settled)", ran.Load())
			}
		})
	}
}
