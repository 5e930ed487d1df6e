package ui_test

import (
	"net/http"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// TestScheduleHeldForApproval: alice schedules a change into production,
// which requires approval; the form says it was held, nothing is
// scheduled, and bob sees on the Requests page the steps it proposes,
// approves and applies it, and then it is scheduled.
func TestScheduleHeldForApproval(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "launch"})
	s.Expect(http.StatusOK, "PATCH", "/environments/production", map[string]any{"requireApproval": 1})
	alice, bob := s.NewToken(ff.RoleEditor, "", "alice"), s.NewToken(ff.RoleEditor, "", "bob")

	b := newBrowser(t, s)
	b.signIn(alice)
	b.route("#/flags/launch")
	b.wait("the schedule form", `!!document.querySelector('.schedule-form')`)
	local := func(d time.Duration) string { return s.Clock.Now().Add(d).Local().Format("2006-01-02T15:04") }
	b.fill(".step-row:nth-child(1) .step-at", local(time.Hour))
	b.fill(".step-row:nth-child(1) .step-kind", "on")
	b.click(`.schedule-form button[type="submit"]`)
	b.wait("the request message", `[...document.querySelectorAll('.toast')].some(e => e.textContent.includes('needs 1 approval'))`)
	var list []ff.Schedule
	s.Expect(http.StatusOK, "GET", "/flags/launch/schedules", nil).JSON(t, &list)
	if len(list) != 0 {
		t.Fatalf("a held schedule was stored: %+v", list)
	}

	b = newBrowser(t, s)
	b.signIn(bob)
	b.route("#/requests")
	b.wait("the proposed step", `[...document.querySelectorAll('article.request .request-schedule .step')].some(li => li.textContent.includes('turn on'))`)
	b.wait("where it leaves the flag", `[...document.querySelectorAll('article.request .diff li')].some(li => li.textContent === 'environments.production: false → true')`)
	b.shot("schedule-request", false)
	b.click(`article.request .approve`)
	b.wait("the approval", `[...document.querySelectorAll('article.request .reviews li')].some(li => li.textContent === 'Approved by bob')`)
	b.click(`article.request .apply`)
	b.wait("no open request left", `!!document.querySelector('.requests .empty')`)
	s.Expect(http.StatusOK, "GET", "/flags/launch/schedules", nil).JSON(t, &list)
	if len(list) != 1 || list[0].CreatedBy.Name != "alice" || list[0].Steps[0].Status != ff.StepPending {
		t.Fatalf("the applied schedule: %+v", list)
	}
}
