package main

import (
	"testing"

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
