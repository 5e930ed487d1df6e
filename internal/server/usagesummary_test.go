package server_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/server"
)

// GET /usage/summary: every flag's daily counts per environment in one
// answer; the hours before the current one come from a cache, the current
// hour from the store on every request; deleted flags are left out.
func TestUsageSummaryCountsPerDay(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "busy", "environments": map[string]bool{"production": true}})
	s.createFlag(map[string]any{"name": "idle"})
	s.createFlag(map[string]any{"name": "gone"})
	for range 3 {
		s.evaluate(http.StatusOK, "busy", map[string]any{"targetingKey": "u"})
	}
	s.evaluate(http.StatusOK, "gone", map[string]any{"targetingKey": "u"})
	s.Expect(http.StatusNoContent, "DELETE", "/flags/gone", nil)
	if err := s.API().Usage().Flush(t.Context()); err != nil { // into the hour they happened in
		t.Fatal(err)
	}
	s.Clock.Advance(25 * time.Hour)
	s.evaluate(http.StatusOK, "busy", map[string]any{"targetingKey": "u"})

	summary := func() server.UsageSummary {
		t.Helper()
		var a server.UsageSummary
		s.Expect(http.StatusOK, "GET", "/usage/summary?days=2", nil).JSON(t, &a)
		return a
	}
	a := summary()
	if a.Days != 2 || a.Until.Sub(a.Since) != 48*time.Hour {
		t.Fatalf("days %d from %s to %s, want 2 whole days", a.Days, a.Since, a.Until)
	}
	if len(a.Flags) != 1 {
		t.Fatalf("flags %v: want only busy (idle was never evaluated, gone is deleted)", a.Flags)
	}
	for _, envs := range a.Flags {
		if got := envs["production"]; !slices.Equal(got, []int64{3, 1}) {
			t.Fatalf("busy in production: %v, want [3 1]", got)
		}
	}
	// Within the same hour the earlier days come from the cache and the
	// current hour is read again.
	s.evaluate(http.StatusOK, "busy", map[string]any{"targetingKey": "u"})
	for _, envs := range summary().Flags {
		if got := envs["production"]; !slices.Equal(got, []int64{3, 2}) {
			t.Fatalf("busy in production after one more: %v, want [3 2]", got)
		}
	}
}

func TestUsageSummaryRefusesBadDays(t *testing.T) {
	s := newOFREPServer(t)
	for _, days := range []string{"0", "31", "week", "-1"} {
		r := s.Expect(http.StatusBadRequest, "GET", "/usage/summary?days="+days, nil)
		if m := object(t, r); m["field"] != "days" || m["limit"] != "usage-summary-days" {
			t.Errorf("days=%s: %v, want field days and limit usage-summary-days", days, m)
		}
	}
	if a := object(t, s.Expect(http.StatusOK, "GET", "/usage/summary", nil)); a["days"] != float64(7) {
		t.Errorf("default: %v, want 7 days", a)
	}
}
