package main

import (
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// `featureflags schedule` creates a change and a ramp, lists them and
// cancels one; a refused schedule exits 1 with the server's message.
func TestCLISchedules(t *testing.T) {
	s := testenv.Start(t, testenv.WithAuth())
	cli := func(code int, stdin string, args ...string) result {
		t.Helper()
		return api(t, s.URL(), s.Token, code, stdin, args...)
	}
	cli(0, "", "flags", "create", "checkout")
	cli(0, `{"defaultServe":{"rollout":{"variants":[{"variant":"on","weight":0},{"variant":"off","weight":100}]}}}`,
		"targeting", "set", "checkout", "production", "--file", "-")
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }

	one := jsonOf[ff.Schedule](t, cli(0, "", "schedule", "create", "checkout", "production", "--at", at(time.Hour), "--enable", "true", "-o", "json"))
	if len(one.Steps) != 1 || one.Steps[0].Change.Enabled == nil || !*one.Steps[0].Change.Enabled {
		t.Fatalf("one step: %+v", one)
	}
	ramp := `{"steps":[{"runAt":"` + at(time.Hour) + `","change":{"rollout":[{"variant":"on","weight":5},{"variant":"off","weight":95}]}},` +
		`{"runAt":"` + at(2*time.Hour) + `","change":{"rollout":[{"variant":"on","weight":100},{"variant":"off","weight":0}]}}]}`
	cli(0, ramp, "schedule", "create", "checkout", "production", "--file", "-")
	cli(0, "", "schedule", "create", "checkout", "production", "--at", at(3*time.Hour), "--rollout", "on=50,off=50")

	listed := jsonOf[[]ff.Schedule](t, cli(0, "", "schedule", "list", "--pending", "true", "-o", "json"))
	if len(listed) != 3 {
		t.Fatalf("listed %d schedules, want 3", len(listed))
	}
	shown := jsonOf[[]ff.Schedule](t, cli(0, "", "schedule", "show", "checkout", "-o", "json"))
	if len(shown) != 3 || shown[0].FlagName != "checkout" {
		t.Fatalf("shown: %+v", shown)
	}
	cancelled := jsonOf[ff.Schedule](t, cli(0, "", "schedule", "cancel", "checkout", one.ID, "-o", "json"))
	if cancelled.Steps[0].Status != ff.StepCancelled {
		t.Fatalf("cancelled: %+v", cancelled)
	}
	r := cli(1, "", "schedule", "create", "checkout", "production", "--at", "2001-01-01T00:00:00Z", "--enable", "true")
	if !strings.Contains(string(r.stderr), "in the past") {
		t.Fatalf("refusal: %s", r.stderr)
	}
}
