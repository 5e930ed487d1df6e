package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/store/sqlite"
	"github.com/featureflags/featureflags/wire"
)

// The serve command's worker runs a scheduled change within a second of
// its time: the test waits for the change on the SDK stream, not a timer.
func TestServeRunsScheduleOnTime(t *testing.T) {
	p := startMain(t, nil)
	if status, body := p.post(t, "/flags", `{"name":"timed"}`); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	stream := testenv.Connect(t, p.base+wire.StreamPath, wire.HeaderEnvironment, "production")
	runAt := time.Now().Add(1200 * time.Millisecond).UTC().Truncate(time.Millisecond)
	body := fmt.Sprintf(`{"environment":"production","steps":[{"runAt":%q,"change":{"enabled":true}}]}`, runAt.Format(time.RFC3339Nano))
	if status, out := p.post(t, "/flags/timed/schedules", body); status != http.StatusCreated {
		t.Fatalf("schedule: %d %s", status, out)
	}
	stream.Until(t, func(ev testenv.Event) bool { return testenv.Has(ev, "timed", "production", true) })
	var list []ff.Schedule
	p.getJSON(t, "/flags/timed/schedules", &list)
	st := list[0].Steps[0]
	if st.Status != ff.StepDone || st.RanAt == nil || st.RanAt.Before(runAt) || st.RanAt.Sub(runAt) > time.Second {
		t.Fatalf("step %+v, want done within 1s after %v", st, runAt)
	}
	t.Logf("ran %v after its time", st.RanAt.Sub(runAt))
}

// Steps missed while no server ran run when one starts, in order.
func TestServeRunsMissedStepsAtStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(st)
	if err := svc.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	f, err := svc.CreateFlag(t.Context(), service.FlagInput{Name: "missed"})
	if err != nil {
		t.Fatal(err)
	}
	// Written to the store directly: the API refuses steps in the past.
	on, off := true, false
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	sc := &ff.Schedule{ID: ff.NewID(), FlagID: f.ID, FlagName: f.Name, Environment: "production",
		CreatedBy: ff.Actor{Type: "token", ID: "t1", Name: "alice"}, CreatedAt: past.Add(-time.Hour), Steps: []ff.ScheduleStep{
			{RunAt: past, Change: ff.ScheduledChange{Enabled: &on}, Status: ff.StepPending},
			{RunAt: past.Add(time.Minute), Change: ff.ScheduledChange{Enabled: &off}, Status: ff.StepPending},
			{RunAt: past.Add(2 * time.Minute), Change: ff.ScheduledChange{Enabled: &on}, Status: ff.StepPending}}}
	if err := st.CreateSchedule(t.Context(), sc); err != nil {
		t.Fatal(err)
	}
	st.Close()

	p := startMain(t, nil, "--store", path)
	stream := testenv.Connect(t, p.base+wire.StreamPath, wire.HeaderEnvironment, "production")
	stream.Until(t, func(ev testenv.Event) bool { return flagVersion(ev, "missed") == f.Version+3 })
	var list []ff.Schedule
	p.getJSON(t, "/flags/missed/schedules", &list)
	for i, step := range list[0].Steps {
		if step.Status != ff.StepDone || step.FlagVersion != f.Version+int64(i)+1 {
			t.Fatalf("missed step %d: %+v, want done at version %d (in order)", i, step, f.Version+int64(i)+1)
		}
	}
}

// flagVersion is the version of the named flag an SDK stream event holds
// (0 if none).
func flagVersion(ev testenv.Event, name string) int64 {
	var body struct {
		Flags  []*ff.Flag `json:"flags"`
		Upsert []*ff.Flag `json:"upsert"`
	}
	if json.Unmarshal([]byte(ev.Data), &body) != nil {
		return 0
	}
	for _, f := range append(body.Flags, body.Upsert...) {
		if f != nil && f.Name == name {
			return f.Version
		}
	}
	return 0
}

// A --schedule-interval that could not run steps within a second of their
// time stops the start, naming the setting.
func TestScheduleIntervalConfiguration(t *testing.T) {
	for _, v := range []string{"0", "-1s", "2s", "soon"} {
		cmd := exec.Command(binary, "serve", "--schedule-interval", v)
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "schedule-interval") {
			t.Fatalf("--schedule-interval %s: %v %s", v, err, out)
		}
	}
}
