package server_test

import (
	"net/http"
	"testing"
)

// TestEvaluationOutlivesTheStore closes the store under a running server:
// evaluation keeps answering from the last snapshot, while management
// reads, writes and readiness fail cleanly with JSON errors.
func TestEvaluationOutlivesTheStore(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "checkout", "environments": map[string]bool{"production": true}})
	s.createFlag(map[string]any{"name": "banner", "type": "string",
		"variants":     map[string]any{"a": "A", "b": "B"},
		"environments": map[string]bool{"production": true},
		"targeting": map[string]any{"production": map[string]any{
			"rules": []any{map[string]any{
				"conditions": []any{map[string]any{"attribute": "plan", "operator": "eq", "value": "pro"}},
				"serve":      map[string]any{"variant": "b"}}},
			"defaultServe": map[string]any{"variant": "a"}}}})

	if err := s.Store.Close(); err != nil {
		t.Fatal(err)
	}

	if got := s.evaluate(http.StatusOK, "checkout", map[string]any{}); got["value"] != true {
		t.Fatalf("boolean after the store closed: %v", got)
	}
	if got := s.evaluate(http.StatusOK, "banner", map[string]any{"plan": "pro"}); got["value"] != "B" || got["reason"] != "TARGETING_MATCH" {
		t.Fatalf("targeting after the store closed: %v", got)
	}
	s.bulk(http.StatusOK, map[string]any{"targetingKey": "u1"})

	for _, req := range []struct{ method, path, body string }{
		{"GET", "/readyz", ""},
		{"GET", "/flags", ""},
		{"POST", "/flags/checkout/toggle", `{"environment":"production"}`},
	} {
		var body any
		if req.body != "" {
			body = req.body
		}
		r := s.Do(req.method, req.path, body)
		if r.Status < 500 || r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s %s with the store closed: %d %s", req.method, req.path, r.Status, r.Body)
		}
	}
}
