package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
)

// usageOf reads GET /flags/{name}/usage?query.
func usageOf(t *testing.T, s *testenv.Server, name, query string) server.UsageAnswer {
	t.Helper()
	var a server.UsageAnswer
	s.Expect(http.StatusOK, "GET", "/flags/"+name+"/usage?"+query, nil).JSON(t, &a)
	return a
}

// series finds the series of env, variant and reason.
func series(a server.UsageAnswer, env, variant, reason string) *server.UsageSeries {
	for i, s := range a.Series {
		if s.Environment == env && s.Variant == variant && s.Reason == reason {
			return &a.Series[i]
		}
	}
	return nil
}

func TestUsageCountsOFREPAndSDKEvaluations(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "counted", "environments": map[string]bool{"production": true}})
	s.createFlag(map[string]any{"name": "other"})
	for i := 0; i < 3; i++ {
		s.evaluate(http.StatusOK, "counted", map[string]any{"targetingKey": "u"})
	}
	s.bulk(http.StatusOK, map[string]any{"targetingKey": "u"}) // counts each flag once
	s.evaluate(http.StatusOK, "counted", map[string]any{}, "X-Environment", "staging")
	s.Expect(http.StatusNoContent, "POST", "/sdk/v1/usage", map[string]any{"counts": []any{
		map[string]any{"flag": "counted", "variant": "on", "reason": "STATIC", "count": 40},
	}})

	a := usageOf(t, s.Server, "counted", "")
	if got := series(a, "production", "on", "STATIC"); got == nil || got.Total != 44 {
		t.Fatalf("production on/STATIC: %+v (all %+v)", got, a.Series)
	}
	if got := series(a, "staging", "off", "DISABLED"); got == nil || got.Total != 1 {
		t.Fatalf("staging off/DISABLED: %+v", got)
	}
	if len(a.Times) != 7*24 || a.Step != "1h0m0s" {
		t.Errorf("default range: %d steps of %s, want 168 of 1h", len(a.Times), a.Step)
	}
	if a.LastEvaluated["production"] == nil || a.LastEvaluated["development"] != nil {
		t.Errorf("lastEvaluated %v: production set, development never", a.LastEvaluated)
	}
	if b := usageOf(t, s.Server, "other", "environment=production"); len(b.Series) != 1 || b.Series[0].Total != 1 {
		t.Errorf("bulk evaluation of other: %+v", b.Series)
	}
	var flags []map[string]any
	s.Expect(http.StatusOK, "GET", "/flags", nil).JSON(t, &flags)
	for _, f := range flags {
		last, _ := f["lastEvaluated"].(map[string]any)
		if f["name"] == "counted" && last["staging"] == nil {
			t.Errorf("GET /flags: counted's lastEvaluated %v lacks staging", last)
		}
	}
}

// Counts are kept in the store: they survive a restart, and land in the
// hour of the clock.
func TestUsageSurvivesRestartInHourlyBuckets(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "kept", "environments": map[string]bool{"production": true}})
	s.evaluate(http.StatusOK, "kept", map[string]any{})
	if err := s.API().Usage().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(2 * time.Hour)
	s.evaluate(http.StatusOK, "kept", map[string]any{})
	if err := s.API().Usage().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Restart()
	a := usageOf(t, s.Server, "kept", "environment=production&step=1h")
	got := series(a, "production", "on", "STATIC")
	if got == nil || got.Total != 2 {
		t.Fatalf("after restart: %+v", a.Series)
	}
	n := len(got.Counts)
	if got.Counts[n-1] != 1 || got.Counts[n-3] != 1 {
		t.Errorf("counts %v: one evaluation in the last hour, one two hours before", got.Counts[n-4:])
	}
	if a.LastEvaluated["production"] == nil {
		t.Errorf("lastEvaluated after restart: %v", a.LastEvaluated)
	}
}

func TestUsageRefusesBadQueriesAndReports(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "f"})
	for _, c := range []struct{ query, field string }{
		{"step=90m", "step"},
		{"step=-1h", "step"},
		{"since=yesterday", "since"},
		{"until=2026-01-01", "until"},
		{"since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "since"},
		{"since=2000-01-01T00:00:00Z&until=2026-01-01T00:00:00Z", "step"}, // too many points
		{"environment=nowhere", "environment"},
	} {
		r := s.Expect(http.StatusBadRequest, "GET", "/flags/f/usage?"+c.query, nil)
		if m := object(t, r); m["field"] != c.field {
			t.Errorf("%s: %v, want field %s", c.query, m, c.field)
		}
	}
	r := s.Expect(http.StatusBadRequest, "GET", "/flags/f/usage?since=2000-01-01T00:00:00Z&until=2026-01-01T00:00:00Z", nil)
	if m := object(t, r); m["limit"] != "usage-max-points" {
		t.Errorf("too many points: %v, want limit usage-max-points", m)
	}
	s.Expect(http.StatusNotFound, "GET", "/flags/missing/usage", nil)
	for _, bad := range []map[string]any{
		{"flag": "", "reason": "STATIC", "count": 1},
		{"flag": "f", "reason": "MADE_UP", "count": 1},
		{"flag": "f", "reason": "ERROR", "errorCode": "NOPE", "count": 1},
		{"flag": "f", "reason": "STATIC", "count": 0},
		{"flag": strings.Repeat("x", 300), "reason": "STATIC", "count": 1},
	} {
		s.Expect(http.StatusBadRequest, "POST", "/sdk/v1/usage", map[string]any{"counts": []any{bad}})
	}
	if a := usageOf(t, s.Server, "f", ""); len(a.Series) != 0 {
		t.Errorf("refused reports changed usage: %+v", a.Series)
	}
}
