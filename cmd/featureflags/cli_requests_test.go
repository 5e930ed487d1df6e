package main

import (
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// TestCLIRequests goes through an approval from the command line: a
// setting, a held toggle, another person's approval, and the apply.
func TestCLIRequests(t *testing.T) {
	s := testenv.Start(t, testenv.WithAuth())
	as := func(token string, code int, args ...string) result {
		t.Helper()
		return api(t, s.URL(), token, code, "", args...)
	}
	alice, bob := s.NewToken(ff.RoleEditor, "", "alice"), s.NewToken(ff.RoleEditor, "", "bob")
	as(s.Token, 0, "flags", "create", "checkout")
	env := jsonOf[ff.Environment](t, as(s.Token, 0, "envs", "settings", "production", "--require-approval", "1", "--admins-bypass", "false", "-o", "json"))
	if env.RequireApproval != 1 || !env.Protected {
		t.Fatalf("settings %+v", env)
	}
	held := jsonOf[ff.ChangeRequest](t, as(alice, 0, "flags", "toggle", "checkout", "production", "-o", "json"))
	if held.Status != ff.RequestOpen || held.Required != 1 {
		t.Fatalf("held toggle %+v", held)
	}
	as(alice, 1, "requests", "approve", held.ID) // no self-approval
	as(bob, 0, "requests", "approve", held.ID, "--comment", "ok")
	list := jsonOf[[]ff.ChangeRequest](t, as(bob, 0, "requests", "list", "--status", "open", "-o", "json"))
	if len(list) != 1 || len(list[0].Approvals) != 1 {
		t.Fatalf("open requests %+v", list)
	}
	done := jsonOf[ff.ChangeRequest](t, as(alice, 0, "requests", "apply", held.ID, "-o", "json"))
	if done.Status != ff.RequestApplied {
		t.Fatalf("applied %+v", done)
	}
	if f := flagOf(t, s, "checkout"); !f.Environments["production"] {
		t.Fatalf("toggle not made: %+v", f.Environments)
	}
}

// TestCLIScheduleRequest: a schedule into production, which requires
// approval, is held; its author edits the steps from a file, another
// person approves it, and applied it is listed as its author's.
func TestCLIScheduleRequest(t *testing.T) {
	s := testenv.Start(t, testenv.WithAuth())
	as := func(token string, code int, stdin string, args ...string) result {
		t.Helper()
		return api(t, s.URL(), token, code, stdin, args...)
	}
	alice, bob := s.NewToken(ff.RoleEditor, "", "alice"), s.NewToken(ff.RoleEditor, "", "bob")
	as(s.Token, 0, "", "flags", "create", "checkout")
	as(s.Token, 0, "", "envs", "settings", "production", "--require-approval", "1", "--admins-bypass", "false")
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }

	held := jsonOf[ff.ChangeRequest](t, as(alice, 0, "", "schedule", "create", "checkout", "production", "--at", at(time.Hour), "--enable", "true", "-o", "json"))
	if held.Status != ff.RequestOpen || held.Schedule == nil || len(held.Schedule.Steps) != 1 {
		t.Fatalf("held schedule %+v", held)
	}
	if l := jsonOf[[]ff.Schedule](t, as(bob, 0, "", "schedule", "show", "checkout", "-o", "json")); len(l) != 0 {
		t.Fatalf("a held schedule is listed: %+v", l)
	}
	edit := `{"schedule":{"steps":[{"runAt":"` + at(time.Hour) + `","change":{"enabled":true}},{"runAt":"` + at(2*time.Hour) + `","change":{"enabled":false}}]}}`
	edited := jsonOf[ff.ChangeRequest](t, as(alice, 0, edit, "requests", "edit", held.ID, "--file", "-", "-o", "json"))
	if len(edited.Schedule.Steps) != 2 {
		t.Fatalf("edited %+v", edited)
	}
	as(alice, 1, "", "requests", "approve", held.ID) // no self-approval
	as(bob, 0, "", "requests", "approve", held.ID)
	as(bob, 0, "", "requests", "apply", held.ID)
	l := jsonOf[[]ff.Schedule](t, as(bob, 0, "", "schedule", "show", "checkout", "-o", "json"))
	if len(l) != 1 || len(l[0].Steps) != 2 || l[0].CreatedBy.Name != "alice" {
		t.Fatalf("the applied schedule %+v", l)
	}
}
