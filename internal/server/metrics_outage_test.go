package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
)

// Monitoring must not go blind exactly when the store is away: /metrics
// answers from the view, and still needs its token.
func TestMetricsDuringOutage(t *testing.T) {
	s := testenv.Start(t, testenv.WithAuth())
	s.Client.Expect(http.StatusCreated, "POST", "/flags", map[string]string{"name": "f"})
	if err := s.Store.Close(); err != nil {
		t.Fatal(err)
	}
	r := s.Client.Expect(http.StatusOK, "GET", "/metrics", nil)
	if !strings.Contains(string(r.Body), "featureflags_flags 1") {
		t.Fatalf("/metrics during the outage lacks the flag count:\n%.500s", r.Body)
	}
	s.Client.As("").Expect(http.StatusUnauthorized, "GET", "/metrics", nil)
	s.Client.Expect(http.StatusServiceUnavailable, "GET", "/readyz", nil)
}
