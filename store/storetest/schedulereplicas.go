package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/service"
)

// clock is a test's injectable clock.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// rampInput is a ramp of production's default rollout of a boolean flag
// through the given percentages of "on", a minute apart from start.
func rampInput(start time.Time, percents ...float64) service.ScheduleInput {
	in := service.ScheduleInput{Environment: "production"}
	for i, p := range percents {
		in.Steps = append(in.Steps, ff.ScheduleStep{RunAt: start.Add(time.Duration(i+1) * time.Minute),
			Change: ff.ScheduledChange{Rollout: []ff.WeightedVariant{{Variant: "on", Weight: p}, {Variant: "off", Weight: 100 - p}}}})
	}
	return in
}

// rolloutInput is a new boolean flag serving "on" to 0 % in production.
func rolloutInput(name string) service.FlagInput {
	return service.FlagInput{Name: name, Environments: map[string]bool{"production": true},
		Targeting: map[string]*ff.Targeting{"production": {DefaultServe: &ff.Serve{Rollout: &ff.Rollout{
			Variants: []ff.WeightedVariant{{Variant: "on", Weight: 0}, {Variant: "off", Weight: 100}}}}}}}
}

// Two replicas on one database whose workers race after a downtime run
// each due step exactly once, and each flag's steps in order, as the
// user who scheduled them.
func testSchedulesRunOnce(t *testing.T, a, b *service.Service) {
	clk := newClock(now)
	ra := service.New(a.Store(), service.WithClock(clk.Now))
	rb := service.New(b.Store(), service.WithClock(clk.Now))
	must(t, ra.Init(ctx(t)))
	must(t, rb.Init(ctx(t)))
	alice := auth.WithActor(ctx(t), ff.Actor{Type: "token", ID: "tok-alice", Name: "alice"})
	var flags []*ff.Flag
	for _, name := range []string{"checkout", "search", "billing"} {
		f, err := ra.CreateFlag(ctx(t), rolloutInput(name))
		must(t, err)
		_, err = ra.CreateSchedule(alice, f.ID, rampInput(clk.Now(), 5, 25, 50, 75, 100))
		must(t, err)
		flags = append(flags, f)
	}
	clk.Advance(time.Hour) // every step missed

	var ran atomic.Int64
	var wg sync.WaitGroup
	for _, r := range []*service.Service{ra, rb, ra, rb} {
		wg.Go(func() {
			n, err := r.RunDueSchedules(ctx(t))
			if err != nil {
				t.Error(err)
			}
			ran.Add(int64(n))
		})
	}
	wg.Wait()
	if ran.Load() != 15 {
		t.Fatalf("the workers ran %d steps, want 15", ran.Load())
	}
	for _, f := range flags {
		checkRampRan(t, ra, f)
	}
}

// checkRampRan checks that f's ramp ran once, in order, as alice.
func checkRampRan(t *testing.T, s *service.Service, f *ff.Flag) {
	t.Helper()
	got, err := s.Store().FindFlag(ctx(t), f.ID)
	must(t, err)
	if got.Version != f.Version+5 || got.Targeting["production"].DefaultServe.Rollout.Variants[0].Weight != 100 {
		t.Fatalf("%s after its ramp: %s", f.Name, dump(got))
	}
	scheds, err := s.ListSchedules(ctx(t), f.ID, false)
	must(t, err)
	for i, st := range scheds[0].Steps {
		if st.Status != ff.StepDone || st.FlagVersion != f.Version+int64(i)+1 {
			t.Fatalf("%s step %d: %s, want done at version %d", f.Name, i, dump(st), f.Version+int64(i)+1)
		}
	}
	events, _, err := s.ListAudit(ctx(t), service.AuditQuery{Flag: f.ID, Actor: "scheduled by alice"})
	must(t, err)
	if len(events) != 5 {
		t.Fatalf("%s: %d events by \"scheduled by alice\", want 5: %s", f.Name, len(events), dump(events))
	}
}
