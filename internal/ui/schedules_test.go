package ui_test

import (
	"net/http"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// TestScheduledChanges: a ramp is scheduled from the flag's page, its
// first step shows as done once the worker runs it, and the Scheduled
// page lists it and cancels the rest.
func TestScheduledChanges(t *testing.T) {
	s := newServer(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{
		"name": "checkout", "environments": map[string]bool{"production": true},
		"targeting": map[string]any{"production": map[string]any{"defaultServe": map[string]any{"rollout": map[string]any{
			"variants": []any{map[string]any{"variant": "on", "weight": 0}, map[string]any{"variant": "off", "weight": 100}}}}}},
	})
	b := newBrowser(t, s)
	b.open("#/flags/checkout")
	b.wait("the schedule form", `!!document.querySelector('.schedule-form')`)
	local := func(d time.Duration) string { return s.Clock.Now().Add(d).Local().Format("2006-01-02T15:04") }
	b.fill(".step-row:nth-child(1) .step-at", local(time.Hour))
	b.fill(".step-row:nth-child(1) .step-kind", "rollout")
	b.fill(".step-row:nth-child(1) .step-weights", "on=25,off=75")
	b.click(".add-step")
	b.fill(".step-row:nth-child(2) .step-at", local(2*time.Hour))
	b.fill(".step-row:nth-child(2) .step-kind", "rollout")
	b.fill(".step-row:nth-child(2) .step-weights", "on=100,off=0")
	b.click(".add-step")
	b.fill(".step-row:nth-child(3) .step-at", local(3*time.Hour))
	b.fill(".step-row:nth-child(3) .step-kind", "variant")
	b.fill(".step-row:nth-child(3) .step-variant", "off")
	b.click(`.schedule-form button[type="submit"]`)
	b.wait("the schedule listed", `document.querySelectorAll('.schedules .step[data-status="pending"]').length === 3`)
	b.checkLabels("flag schedules")

	var list []ff.Schedule
	s.Expect(http.StatusOK, "GET", "/flags/checkout/schedules", nil).JSON(t, &list)
	if len(list) != 1 || len(list[0].Steps) != 3 || list[0].Steps[0].Change.Rollout[0].Weight != 25 ||
		list[0].Steps[2].Change.DefaultServe == nil || list[0].Steps[2].Change.DefaultServe.Variant != "off" {
		t.Fatalf("scheduled: %+v", list)
	}
	s.Clock.Advance(90 * time.Minute)
	if n, err := s.Svc.RunDueSchedules(t.Context()); err != nil || n != 1 {
		t.Fatalf("the worker ran %d steps (%v), want 1", n, err)
	}
	b.wait("the first step done", `document.querySelectorAll('.schedules .step[data-status="done"]').length === 1`)
	b.shot("flag-schedules", true)

	b.route("#/scheduled")
	b.wait("the Scheduled page", `document.querySelector('.schedules .schedule a')?.textContent === 'checkout'`)
	b.shot("scheduled", false)
	b.click(".cancel-schedule")
	b.click("dialog .confirm")
	b.wait("nothing left to run", `document.querySelector('.schedules li')?.textContent === 'Nothing scheduled.'`)
	s.Expect(http.StatusOK, "GET", "/flags/checkout/schedules", nil).JSON(t, &list)
	if st := list[0].Steps; st[0].Status != ff.StepDone || st[1].Status != ff.StepCancelled || st[2].Status != ff.StepCancelled {
		t.Fatalf("after cancel: %+v", st)
	}
}
