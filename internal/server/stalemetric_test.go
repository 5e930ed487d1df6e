package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// metricLine returns the sample line of /metrics that starts with series.
func metricLine(t *testing.T, s *ofrepServer, series string) string {
	t.Helper()
	body := string(s.Expect(http.StatusOK, "GET", "/metrics", nil).Body)
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, series+" ") {
			return line
		}
	}
	return ""
}

// The stale counts are a metric computed when CountStale runs (in the
// background), not per scrape: a scrape shows the last computation.
func TestStaleMetric(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "old-release", "kind": "release"})
	s.createFlag(map[string]any{"name": "ops", "kind": "operational"})
	s.createFlag(map[string]any{"name": "steady", "kind": "permission", "environments": map[string]bool{"production": true}})
	s.createFlag(map[string]any{"name": "gone", "kind": "operational"})
	s.Expect(http.StatusOK, "POST", "/flags/gone/archive", nil)
	s.Clock.Advance(20 * 24 * time.Hour)
	s.evaluate(http.StatusOK, "steady", map[string]any{})
	if err := s.API().Usage().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := metricLine(t, s, `featureflags_flags_stale{reason="overdue"}`); got != "" {
		t.Fatalf("before any computation: %q", got)
	}
	if err := s.API().CountStale(t.Context()); err != nil {
		t.Fatal(err)
	}
	for reason, want := range map[string]string{"overdue": "1", "constant": "1", "unused": "0"} {
		series := `featureflags_flags_stale{reason="` + reason + `"}`
		if got := metricLine(t, s, series); got != series+" "+want {
			t.Errorf("after 20 days: %q, want %s", got, want)
		}
	}
	s.Clock.Advance(21 * 24 * time.Hour)
	if got := metricLine(t, s, `featureflags_flags_stale{reason="unused"}`); got != `featureflags_flags_stale{reason="unused"} 0` {
		t.Errorf("a scrape recomputed the metric: %q", got)
	}
	if err := s.API().CountStale(t.Context()); err != nil {
		t.Fatal(err)
	}
	for reason, want := range map[string]string{"overdue": "2", "unused": "3"} {
		series := `featureflags_flags_stale{reason="` + reason + `"}`
		if got := metricLine(t, s, series); got != series+" "+want {
			t.Errorf("after 41 days: %q, want %s", got, want)
		}
	}
	if got := metricLine(t, s, "featureflags_flags_stale_computed_timestamp_seconds"); got == "" || strings.HasSuffix(got, " 0") {
		t.Errorf("computed timestamp %q", got)
	}
}
