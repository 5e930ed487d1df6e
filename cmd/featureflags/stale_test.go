package main

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/testenv"
)

func TestStaleCommand(t *testing.T) {
	s := testenv.Start(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "short-lived", "kind": "operational"})
	args := func(kinds string) []string { return []string{"--server", s.URL(), "--stale", kinds} }
	var out, errOut bytes.Buffer
	if err := staleCommand(t.Context(), args("overdue"), &out, &errOut); err != nil {
		t.Fatalf("a fresh flag: %v (%s)", err, errOut.String())
	}
	if strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("no stale flags printed %q", out.String())
	}
	s.Clock.Advance(8 * 24 * time.Hour)
	out.Reset()
	err := staleCommand(t.Context(), args("overdue"), &out, &errOut)
	if !errors.Is(err, errStale) || exitCode(err) != 1 || !strings.Contains(out.String(), `"short-lived"`) || !strings.Contains(out.String(), "expected to live 7 days") {
		t.Fatalf("an overdue flag: %v, printed %s", err, out.String())
	}
	if err := staleCommand(t.Context(), args("nonsense"), &out, &errOut); err == nil || errors.Is(err, errStale) || exitCode(err) < 2 {
		t.Errorf("a bad --stale: %v (exit %d), want an error with exit code 2 or more", err, exitCode(err))
	}
}
