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

// TestScheduleRules: rules edited in the targeting editor are scheduled,
// not saved, from the flag's schedule form: for the environment the editor
// shows only, and over the rules the page was showing (the server keeps
// their fingerprint); a change to the rules meanwhile makes the step skip.
func TestScheduleRules(t *testing.T) {
	s := newServer(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "gated"})
	b := newBrowser(t, s)
	b.open("#/flags/gated?env=production")
	b.wait("the targeting editor", `!!document.querySelector('.add-rule') && !!document.querySelector('.schedule-form')`)
	base := `[data-field="targeting.production`
	b.click(".add-rule")
	b.fill(base+`.rules[0].name"]`, "staff")
	b.fill(base+`.rules[0].conditions[0].attribute"]`, "email")
	b.fill(base+`.rules[0].conditions[0].value"]`, "ann@example.com")
	local := func(d time.Duration) string { return s.Clock.Now().Add(d).Local().Format("2006-01-02T15:04") }
	b.fill(".step-row:nth-child(1) .step-at", local(time.Hour))
	b.fill(".step-row:nth-child(1) .step-kind", "rules")
	b.fill(`.schedule-form [data-field="environment"]`, "staging")
	b.click(`.schedule-form button[type="submit"]`)
	b.wait("the refusal: the editor shows production", `document.querySelector('.schedule-form [role=alert]')?.textContent.includes('open staging in it')`)
	b.fill(`.schedule-form [data-field="environment"]`, "production")
	b.click(`.schedule-form button[type="submit"]`)
	b.wait("the rules step listed", `[...document.querySelectorAll('.schedules .step')].some(li => li.textContent.includes('set 1 rule(s)'))`)
	b.checkLabels("schedule rules")

	var list []ff.Schedule
	s.Expect(http.StatusOK, "GET", "/flags/gated/schedules", nil).JSON(t, &list)
	if len(list) != 1 || list[0].Environment != "production" || list[0].Steps[0].Change.Rules == nil {
		t.Fatalf("scheduled: %+v", list)
	}
	rules := *list[0].Steps[0].Change.Rules
	if len(rules) != 1 || rules[0].Name != "staff" || rules[0].Conditions[0].Value != "ann@example.com" || list[0].Steps[0].Change.RulesBase == "" {
		t.Fatalf("the scheduled rules: %+v (base %q)", rules, list[0].Steps[0].Change.RulesBase)
	}
	if f := s.flag("gated"); len(f.Targeting["production"]) != 0 {
		t.Fatalf("scheduling saved the rules: %s", f.Targeting["production"])
	}
	// Someone else sets rules before the step's time: it no longer applies.
	s.Expect(http.StatusOK, "PUT", "/flags/gated/targeting/production", map[string]any{"rules": []any{
		map[string]any{"conditions": []any{map[string]any{"attribute": "country", "operator": "eq", "value": "NL"}}, "serve": map[string]any{"variant": "on"}}}})
	s.Clock.Advance(2 * time.Hour)
	if n, err := s.Svc.RunDueSchedules(t.Context()); err != nil || n != 1 {
		t.Fatalf("the worker ran %d steps (%v), want 1", n, err)
	}
	s.Expect(http.StatusOK, "GET", "/flags/gated/schedules", nil).JSON(t, &list)
	if st := list[0].Steps[0]; st.Status != ff.StepSkipped || st.Reason == "" {
		t.Fatalf("the step over changed rules: %+v", st)
	}
}
