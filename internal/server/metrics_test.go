package server

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRequestSeries: the series resolved once per route count exactly as
// looking them up per request did, other methods and statuses beside
// them, and no 200 series shows before a route's first 200.
func TestRequestSeries(t *testing.T) {
	m := newMetrics("v", "c", func() float64 { return 0 }, func() float64 { return 1 }, func() float64 { return 0 })
	const route = "/flags/{id}"
	m.observe("GET", route, http.StatusNotFound, time.Millisecond)
	if got := requestCounts(t, m); len(got) != 1 || got[`method="GET",route="/flags/{id}",status="404"`] != "1" {
		t.Fatalf("after a 404: %v", got)
	}
	for _, r := range []struct {
		method string
		status int
	}{{"GET", 200}, {"GET", 200}, {"PATCH", 200}, {"GET", 500}, {"BREW", 200}, {"GET", 200}} {
		m.observe(r.method, route, r.status, time.Millisecond)
	}
	want := map[string]string{"GET 404": "1", "GET 200": "3", "PATCH 200": "1", "GET 500": "1", "other 200": "1"}
	got := requestCounts(t, m)
	if len(got) != len(want) {
		t.Fatalf("series %v, want %v", got, want)
	}
	for k, v := range want {
		method, status, _ := strings.Cut(k, " ")
		if series := `method="` + method + `",route="/flags/{id}",status="` + status + `"`; got[series] != v {
			t.Errorf("%s: %q, want %s (all: %v)", series, got[series], v, got)
		}
	}
	if !strings.Contains(scrape(t, m), `featureflags_http_request_duration_seconds_count{route="/flags/{id}"} 7`+"\n") {
		t.Error("the duration histogram does not hold the 7 requests")
	}
}

var requestLine = regexp.MustCompile(`(?m)^featureflags_http_requests_total\{(.*)\} (\S+)$`)

// requestCounts is featureflags_http_requests_total's value by labels.
func requestCounts(t *testing.T, m *metrics) map[string]string {
	out := map[string]string{}
	for _, l := range requestLine.FindAllStringSubmatch(scrape(t, m), -1) {
		out[l[1]] = l[2]
	}
	return out
}

func scrape(t *testing.T, m *metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("metrics: %d", w.Code)
	}
	return w.Body.String()
}
