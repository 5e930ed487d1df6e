package server_test

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
)

// seriesCount counts the request-metric series /metrics exposes.
func seriesCount(t *testing.T, s *testenv.Server) int {
	t.Helper()
	r := s.Expect(http.StatusOK, "GET", "/metrics", nil)
	n := 0
	sc := bufio.NewScanner(strings.NewReader(string(r.Body)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "featureflags_http_requests_total{") {
			n++
		}
	}
	return n
}

// TestMetricLabelsAreClosed: invented methods and paths, sent before access
// control could refuse them, must not add metric series: every label comes
// from a closed set.
func TestMetricLabelsAreClosed(t *testing.T) {
	s := testenv.Start(t)
	send := func(round int) {
		for i := range 50 {
			s.Do(fmt.Sprintf("INVENTED%d%d", round, i), fmt.Sprintf("/no/such/%d/%d", round, i), nil)
			s.Do("GET", fmt.Sprintf("/other-%d-%d", round, i), nil)
			s.Do(fmt.Sprintf("X%d%d", round, i), "/flags", nil)
		}
	}
	send(0)
	seriesCount(t, s) // the scrape's own series
	before := seriesCount(t, s)
	send(1)
	if after := seriesCount(t, s); after != before {
		t.Fatalf("request series grew from %d to %d with invented methods and paths", before, after)
	}
}

// TestWriteRateLimitsAddressesWithoutAuth: without access control there is
// no token, so writes are limited per client address, as --write-rate says.
func TestWriteRateLimitsAddressesWithoutAuth(t *testing.T) {
	s := testenv.Start(t, testenv.WithConfig(func(c *server.Config) { c.WriteRate, c.WriteBurst = 0.001, 2 }))
	for i := range 2 {
		s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": fmt.Sprintf("f%d", i)})
	}
	r := s.Expect(http.StatusTooManyRequests, "POST", "/flags", map[string]any{"name": "f3"})
	if !strings.Contains(string(r.Body), "write-rate") || r.Header.Get("Retry-After") == "" {
		t.Fatalf("429 without the limit named or Retry-After: %s %v", r.Body, r.Header)
	}
	s.Expect(http.StatusOK, "GET", "/flags", nil) // reads are not limited
}
