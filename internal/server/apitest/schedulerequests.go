package apitest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
)

// scheduleRequest is a change request that proposes a schedule, as the
// API answers it.
type scheduleRequest struct {
	apiRequest
	Schedule *ff.Schedule `json:"schedule"`
}

func (c *client) scheduleRequest(want int, method, path string, body any) scheduleRequest {
	c.t.Helper()
	var r scheduleRequest
	c.Expect(want, method, path, body).JSON(c.t, &r)
	return r
}

// rampFlag creates a flag whose production serves a rollout of "on" at
// 0 %, for ramps to raise.
func rampFlag(c *client, name string) apiFlag {
	return c.create(map[string]any{"name": name, "environments": map[string]bool{"production": true},
		"targeting": map[string]any{"production": map[string]any{"defaultServe": map[string]any{"rollout": map[string]any{
			"variants": []any{map[string]any{"variant": "on", "weight": 0}, map[string]any{"variant": "off", "weight": 100}}}}}}})
}

// testScheduleHeld checks that a schedule into an environment requiring
// approval is held in a change request like any write there: nothing is
// scheduled until others approve it and it is applied; then its steps run
// at their times as its author. Edits reset the approvals; cancelling is
// not held.
func testScheduleHeld(t *testing.T, c *client) {
	alice, bob, carol := people(c)
	rampFlag(c, "launch")
	c.Expect(http.StatusOK, "PATCH", "/environments/production", map[string]any{"requireApproval": 1})
	start := c.env.Clock.Now()

	// Elsewhere a schedule is made at once.
	alice.Expect(http.StatusCreated, "POST", "/flags/launch/schedules", map[string]any{"environment": "staging",
		"steps": []any{map[string]any{"runAt": start.Add(time.Hour).Format(time.RFC3339), "change": map[string]any{"enabled": true}}}})

	r := alice.scheduleRequest(http.StatusAccepted, "POST", "/flags/launch/schedules", rampBody(start, 25, 50))
	if r.Status != "open" || r.Action != service.ActionScheduleCreate || r.Required != 1 || r.Schedule == nil ||
		len(r.Schedule.Steps) != 2 || r.Schedule.Environment != "production" || r.Conflict != "" {
		t.Fatalf("held schedule: %+v", r)
	}
	if len(r.Diff) != 2 || r.Diff[0].Path != "targeting.production.defaultServe.rollout.variants[0].weight" || r.Diff[0].After != 50.0 {
		t.Fatalf("the diff of a held ramp shows where it ends: %+v", r.Diff)
	}
	if l := c.schedules("/flags/launch/schedules?pending=true"); len(l) != 1 || l[0].Environment != "staging" {
		t.Fatalf("a held schedule was stored: %+v", l)
	}
	path := "/change-requests/" + r.ID
	alice.expectError(http.StatusForbidden, "", "POST", path+"/approve", map[string]any{})
	bob.request(http.StatusOK, "POST", path+"/approve", map[string]any{"comment": "fine"})

	// An edit proposes other steps and starts the approvals again; a
	// flag's change, or a bad step, is refused and changes nothing.
	carol.expectError(http.StatusBadRequest, "change", "PATCH", path, map[string]any{"change": map[string]any{"description": "x"}})
	carol.expectError(http.StatusBadRequest, "schedule.steps[0].runAt", "PATCH", path, map[string]any{"schedule": map[string]any{"steps": []any{map[string]any{"runAt": "soon"}}}})
	carol.expectError(http.StatusBadRequest, "steps[0].runAt", "PATCH", path, map[string]any{"schedule": map[string]any{"steps": []any{
		map[string]any{"runAt": start.Add(-time.Hour).Format(time.RFC3339), "change": map[string]any{"enabled": false}}}}})
	if got := bob.scheduleRequest(http.StatusOK, "GET", path, nil); len(got.Approvals) != 1 || len(got.Schedule.Steps) != 2 {
		t.Fatalf("refused edits changed the request: %+v", got)
	}
	edited := carol.scheduleRequest(http.StatusOK, "PATCH", path, map[string]any{"schedule": rampBody(start, 10, 30, 60)})
	if len(edited.Approvals) != 0 || edited.Author.Name != "carol" || len(edited.Schedule.Steps) != 3 || edited.Schedule.ID != r.Schedule.ID {
		t.Fatalf("after the edit: %+v", edited)
	}
	c.expectError(http.StatusConflict, "", "POST", path+"/apply", map[string]any{}) // no approval yet
	bob.request(http.StatusOK, "POST", path+"/approve", map[string]any{})
	done := bob.scheduleRequest(http.StatusOK, "POST", path+"/apply", map[string]any{"comment": "go"})
	if done.Status != "applied" {
		t.Fatalf("applied: %+v", done)
	}
	l := c.schedules("/flags/launch/schedules?pending=true")
	if len(l) != 2 || l[0].ID != r.Schedule.ID || l[0].CreatedBy.Name != "carol" || len(l[0].Steps) != 3 {
		t.Fatalf("the applied schedule: %+v", l)
	}
	bob.expectError(http.StatusConflict, "", "POST", path+"/apply", map[string]any{})

	// Its steps run at their times, as its author, though production
	// requires approval.
	c.env.Clock.Advance(90 * time.Second)
	if n, err := c.env.Svc.RunDueSchedules(t.Context()); err != nil || n != 1 {
		t.Fatalf("the worker ran %d steps (%v), want 1", n, err)
	}
	if got, want := c.auditTrail(t, "production", 3), "flag.scheduled by scheduled by carol,schedule.create by bob,change-request.approve by bob"; got != want {
		t.Fatalf("history %v, want %s", got, want)
	}
	// Stopping a schedule is never held.
	alice.Expect(http.StatusOK, "DELETE", "/flags/launch/schedules/"+r.Schedule.ID, nil)
}

// testScheduleRequestConflict checks that a held schedule that can no
// longer be made as proposed (a step's time passed while it waited) says
// so, is neither approved nor applied, and once proposed again with new
// times goes through.
func testScheduleRequestConflict(t *testing.T, c *client) {
	alice, bob, _ := people(c)
	rampFlag(c, "late")
	c.Expect(http.StatusOK, "PATCH", "/environments/production", map[string]any{"requireApproval": 1})
	r := alice.scheduleRequest(http.StatusAccepted, "POST", "/flags/late/schedules", rampBody(c.env.Clock.Now(), 25))
	path := "/change-requests/" + r.ID
	bob.request(http.StatusOK, "POST", path+"/approve", map[string]any{})
	c.env.Clock.Advance(2 * time.Minute)
	got := bob.scheduleRequest(http.StatusOK, "GET", path, nil)
	if !strings.Contains(got.Conflict, "runAt is in the past") {
		t.Fatalf("no conflict shown: %+v", got)
	}
	bob.expectError(http.StatusConflict, "", "POST", path+"/apply", map[string]any{})
	if l := c.schedules("/flags/late/schedules"); len(l) != 0 {
		t.Fatalf("a refused apply stored %+v", l)
	}
	// Proposed again as it stands, it is still late: 400 naming the step.
	alice.expectError(http.StatusBadRequest, "steps[0].runAt", "PATCH", path, map[string]any{})
	again := alice.scheduleRequest(http.StatusOK, "PATCH", path, map[string]any{"schedule": rampBody(c.env.Clock.Now(), 25)})
	if again.Conflict != "" || len(again.Approvals) != 0 {
		t.Fatalf("proposed again: %+v", again)
	}
	bob.request(http.StatusOK, "POST", path+"/approve", map[string]any{})
	bob.request(http.StatusOK, "POST", path+"/apply", map[string]any{})
	if l := c.schedules("/flags/late/schedules?pending=true"); len(l) != 1 {
		t.Fatalf("after proposing again and applying: %+v", l)
	}
}
