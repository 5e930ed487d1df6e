package storetest

import (
	"reflect"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// testApplyScheduleRequest checks that applying a request that proposes a
// schedule records it applied and stores the schedule at once, only at the
// request's version, and leaves the flag as it is.
func testApplyScheduleRequest(t *testing.T, s ff.Store) {
	ss := scheduleStore(t, s)
	addEnvs(t, s, "development", "production")
	f := richFlag("checkout")
	must(t, s.CreateFlag(ctx(t), f))
	r := newRequest(f, proposed(f), 1)
	r.Action, r.Schedule = "schedule.create", newSchedule(f, time.Minute, 2*time.Minute)
	must(t, s.CreateChangeRequest(ctx(t), r))
	assertRequest(t, s, r)

	done := r.Clone()
	done.Status, done.Version = ff.RequestApplied, 2
	rev, _ := s.Revision(ctx(t))
	mustCode(t, ss.ApplyScheduleRequest(ctx(t), done, 7), ff.EPRECONDITION) // a stale request
	if rev2, _ := s.Revision(ctx(t)); rev2 != rev {
		t.Fatalf("a refused apply moved the revision %d -> %d", rev, rev2)
	}
	mustCode(t, func() error { _, err := ss.FindSchedule(ctx(t), r.Schedule.ID); return err }(), ff.ENOTFOUND)
	assertRequest(t, s, r)

	ev := &ff.AuditEvent{Time: now, Action: "schedule.create", TargetType: "flag", TargetID: f.ID, TargetName: f.Name}
	must(t, ss.ApplyScheduleRequest(ff.WithAudit(ctx(t), ev), done, 1))
	if rev2, _ := s.Revision(ctx(t)); rev2 <= rev {
		t.Fatalf("an apply did not move the revision (%d -> %d)", rev, rev2)
	}
	assertRequest(t, s, done)
	got, err := ss.FindSchedule(ctx(t), r.Schedule.ID)
	must(t, err)
	if !reflect.DeepEqual(got, done.Schedule) {
		t.Fatalf("the applied schedule:\n got %s\nwant %s", dump(got), dump(done.Schedule))
	}
	assertFlag(t, s, f)
	events, _, err := s.ListAudit(ctx(t), ff.AuditFilter{TargetID: f.ID})
	must(t, err)
	if len(events) != 1 || events[0].Action != "schedule.create" {
		t.Fatalf("audit after the apply: %s", dump(events))
	}
	// Applied once, it cannot be applied again.
	again := done.Clone()
	again.Version = 3
	mustCode(t, ss.ApplyScheduleRequest(ctx(t), again, 1), ff.EPRECONDITION)
}
