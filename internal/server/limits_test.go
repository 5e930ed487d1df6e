package server_test

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/stream"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/wire"
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

// expectRefused checks a 429 (or other refusal) that names limit.
func expectRefused(t *testing.T, status int, body []byte, want int, limit string) {
	t.Helper()
	if status != want || !strings.Contains(string(body), limit) {
		t.Fatalf("status %d, body %s; want %d naming %s", status, body, want, limit)
	}
}

// TestStreamLimits: streams past the limits per token and in total answer
// 429 naming the limit, while health, readiness and metrics still answer.
func TestStreamLimits(t *testing.T) {
	s := testenv.Start(t, testenv.WithAuth(), testenv.WithConfig(func(c *server.Config) {
		c.Streams = stream.Limits{Total: 3, PerKey: 2}
	}))
	a, b := s.NewToken(ff.RoleClientKey, "production", "a"), s.NewToken(ff.RoleClientKey, "production", "b")
	url := s.URL() + wire.OFREPEventsPath
	for range 2 {
		if st, code, body := testenv.Dial(t, url, "X-API-Key", a); st == nil {
			t.Fatalf("stream %d: %s", code, body)
		}
	}
	_, code, body := testenv.Dial(t, url, "X-API-Key", a)
	expectRefused(t, code, body, http.StatusTooManyRequests, stream.LimitStreamsPerKey)
	if st, code, body := testenv.Dial(t, url, "X-API-Key", b); st == nil {
		t.Fatalf("stream %d: %s", code, body)
	}
	_, code, body = testenv.Dial(t, url, "X-API-Key", b)
	expectRefused(t, code, body, http.StatusTooManyRequests, stream.LimitStreams)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		s.Expect(http.StatusOK, "GET", path, nil)
	}
}

// TestStreamLimitPerAddress: without tokens, streams are bounded per
// client address.
func TestStreamLimitPerAddress(t *testing.T) {
	s := testenv.Start(t, testenv.WithConfig(func(c *server.Config) { c.Streams = stream.Limits{PerAddr: 1} }))
	if st, code, body := testenv.Dial(t, s.URL()+server.EventsPath); st == nil {
		t.Fatalf("stream %d: %s", code, body)
	}
	_, code, body := testenv.Dial(t, s.URL()+server.EventsPath)
	expectRefused(t, code, body, http.StatusTooManyRequests, stream.LimitStreamsPerAddr)
}

// TestEvalRateLimit: evaluation is limited per client address (and per
// token); the 429 names the limit and says when to retry.
func TestEvalRateLimit(t *testing.T) {
	s := testenv.Start(t, testenv.WithConfig(func(c *server.Config) { c.EvalRate, c.EvalBurst = 0.001, 3 }))
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "f"})
	for range 3 {
		s.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/f", map[string]any{"context": map[string]any{}})
	}
	r := s.Do("POST", "/ofrep/v1/evaluate/flags", map[string]any{"context": map[string]any{}})
	expectRefused(t, r.Status, r.Body, http.StatusTooManyRequests, server.LimitEvalRate)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

// TestContextBounds: an evaluation context too deep or too large is
// refused before it is decoded, naming the limit.
func TestContextBounds(t *testing.T) {
	s := testenv.Start(t, testenv.WithConfig(func(c *server.Config) { c.MaxContextBytes, c.MaxDepth = 4096, 4 }))
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "f"})
	deep := `{"context":{"a":` + strings.Repeat("[", 4) + strings.Repeat("]", 4) + `}}`
	r := s.Do("POST", "/ofrep/v1/evaluate/flags/f", deep)
	expectRefused(t, r.Status, r.Body, http.StatusBadRequest, ff.LimitDepth)
	ok := `{"context":{"a":` + strings.Repeat("[", 3) + strings.Repeat("]", 3) + `}}`
	s.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/f", ok)
	big := `{"context":{"a":"` + strings.Repeat("x", 5000) + `"}}`
	r = s.Do("POST", "/ofrep/v1/evaluate/flags", big)
	expectRefused(t, r.Status, r.Body, http.StatusRequestEntityTooLarge, server.LimitContextBytes)
}

// TestVariantDepth: a variant value nested past max-depth is refused with
// 400 naming the variant and the limit, and nothing is written.
func TestVariantDepth(t *testing.T) {
	s := testenv.Start(t, testenv.WithLimits(service.Limits{Depth: 3}))
	nest := func(n int) any {
		var v any = 1
		for range n {
			v = map[string]any{"a": v}
		}
		return v
	}
	r := s.Do("POST", "/flags", map[string]any{"name": "o", "type": "object", "variants": map[string]any{"x": nest(4)}})
	expectRefused(t, r.Status, r.Body, http.StatusBadRequest, ff.LimitDepth)
	if !strings.Contains(string(r.Body), "variants.x") {
		t.Fatalf("the field is not named: %s", r.Body)
	}
	s.Expect(http.StatusNotFound, "GET", "/flags/o", nil)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "o", "type": "object", "variants": map[string]any{"x": nest(3)}})
}
