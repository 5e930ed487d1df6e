package apitest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
)

// scheduleBody is a one-step schedule turning production on, after d
// from now (the real clock: the matrix's server runs on it).
func scheduleBody(d time.Duration) map[string]any {
	return map[string]any{"environment": "production", "steps": []any{
		map[string]any{"runAt": time.Now().Add(d).UTC().Format(time.RFC3339Nano), "change": map[string]any{"enabled": true}}}}
}

// schedule creates a schedule of flag and returns it.
func (c *client) schedule(flag string, body any) ff.Schedule {
	c.t.Helper()
	var sc ff.Schedule
	c.Expect(http.StatusCreated, "POST", "/flags/"+flag+"/schedules", body).JSON(c.t, &sc)
	return sc
}

func (c *client) schedules(path string) []ff.Schedule {
	c.t.Helper()
	var list []ff.Schedule
	c.Expect(http.StatusOK, "GET", path, nil).JSON(c.t, &list)
	return list
}

// rampBody ramps production's default rollout of "on" through pcts, a
// minute apart from at.
func rampBody(at time.Time, pcts ...float64) map[string]any {
	var steps []any
	for i, p := range pcts {
		steps = append(steps, map[string]any{"runAt": at.Add(time.Duration(i+1) * time.Minute).UTC().Format(time.RFC3339),
			"change": map[string]any{"rollout": []any{map[string]any{"variant": "on", "weight": p}, map[string]any{"variant": "off", "weight": 100 - p}}}})
	}
	return map[string]any{"environment": "production", "steps": steps}
}

// A ramp scheduled through the API runs when the worker finds it due, as
// the user who scheduled it, shows on the flag and in the scheduled view,
// and its remaining steps can be cancelled.
func testSchedules(t *testing.T, c *client) {
	f := c.create(map[string]any{"name": "ramped", "environments": map[string]bool{"production": true},
		"targeting": map[string]any{"production": map[string]any{"defaultServe": map[string]any{"rollout": map[string]any{
			"variants": []any{map[string]any{"variant": "on", "weight": 0}, map[string]any{"variant": "off", "weight": 100}}}}}}})
	start := c.env.Clock.Now()
	r := c.Expect(http.StatusCreated, "POST", "/flags/ramped/schedules", rampBody(start, 5, 50, 100))
	var sc ff.Schedule
	r.JSON(t, &sc)
	if loc := r.Header.Get("Location"); loc != "/flags/"+f.ID+"/schedules/"+sc.ID || len(sc.Steps) != 3 || sc.Steps[0].Status != ff.StepPending {
		t.Fatalf("created %s at %q", r.Body, loc)
	}
	if l := c.schedules("/flags/ramped/schedules"); len(l) != 1 || l[0].ID != sc.ID {
		t.Fatalf("flag's schedules: %+v", l)
	}
	if l := c.schedules("/schedules?pending=true"); len(l) != 1 || l[0].FlagName != "ramped" {
		t.Fatalf("scheduled view: %+v", l)
	}
	c.env.Clock.Advance(90 * time.Second)
	if n, err := c.env.Svc.RunDueSchedules(t.Context()); err != nil || n != 1 {
		t.Fatalf("the worker ran %d steps (%v), want 1", n, err)
	}
	var hist struct{ Events []ff.AuditEvent }
	c.Expect(http.StatusOK, "GET", "/flags/ramped/history", nil).JSON(t, &hist)
	if last := hist.Events[0]; last.Action != service.ActionFlagScheduled || !strings.HasPrefix(last.Actor.Name, "scheduled by ") {
		t.Fatalf("last event: %+v", last)
	}
	var cancelled ff.Schedule
	c.Expect(http.StatusOK, "DELETE", "/flags/ramped/schedules/"+sc.ID, nil).JSON(t, &cancelled)
	if st := cancelled.Steps; st[0].Status != ff.StepDone || st[1].Status != ff.StepCancelled || st[2].Status != ff.StepCancelled {
		t.Fatalf("after cancel: %+v", st)
	}
	c.expectError(http.StatusConflict, "", "DELETE", "/flags/ramped/schedules/"+sc.ID, nil)
	c.expectError(http.StatusNotFound, "", "DELETE", "/flags/ramped/schedules/nope", nil)
	if l := c.schedules("/schedules?pending=true"); len(l) != 0 {
		t.Fatalf("pending after cancel: %+v", l)
	}
}

// Bad schedules are refused with the field at fault and store nothing.
func testScheduleBadInput(t *testing.T, c *client) {
	c.create(map[string]any{"name": "target"})
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	step := func(runAt string, change map[string]any) map[string]any {
		return map[string]any{"environment": "production", "steps": []any{map[string]any{"runAt": runAt, "change": change}}}
	}
	on := map[string]any{"enabled": true}
	many := make([]any, service.MaxScheduleSteps+1)
	for i := range many {
		many[i] = map[string]any{"runAt": future, "change": on}
	}
	for _, tt := range []struct {
		status int
		field  string
		body   any
	}{
		{400, "environment", map[string]any{"steps": []any{}}},
		{400, "environment", map[string]any{"environment": "nope", "steps": step(future, on)["steps"]}},
		{400, "steps", map[string]any{"environment": "production", "steps": []any{}}},
		{400, "steps", map[string]any{"environment": "production", "steps": many}},
		{400, "steps[0].runAt", step("tomorrow", on)},
		{400, "steps[0].runAt", step("2001-01-01T00:00:00Z", on)},
		{400, "steps[0].change", step(future, map[string]any{})},
		{400, "steps[0].change", step(future, map[string]any{"defaultServe": map[string]any{"variant": "nope"}})},
		{400, "", step(future, map[string]any{"enabeld": true})},
	} {
		c.expectError(tt.status, tt.field, "POST", "/flags/target/schedules", tt.body)
	}
	c.expectError(http.StatusUnsupportedMediaType, "", "POST", "/flags/target/schedules", step(future, on), "Content-Type", "text/plain")
	c.expectError(http.StatusNotFound, "", "POST", "/flags/nope/schedules", step(future, on))
	c.expectError(http.StatusPreconditionFailed, "", "POST", "/flags/target/schedules", step(future, on), "If-Match", `"7"`) // a rules step replaces what was seen
	c.expectError(http.StatusBadRequest, "pending", "GET", "/schedules?pending=maybe", nil)
	c.Expect(http.StatusOK, "POST", "/flags/target/archive", nil)
	c.expectError(http.StatusConflict, "", "POST", "/flags/target/schedules", step(future, on))
	if l := c.schedules("/schedules"); len(l) != 0 {
		t.Fatalf("refused schedules were stored: %+v", l)
	}
}
