package server_test

import (
	"net/http"
	"testing"
)

// A flag's ETag covers its lastEvaluated times, which move without a new
// version: a client holding the tag of a never-evaluated flag must not get
// 304 once it has been evaluated, and the new tag still works as If-Match.
func TestFlagETagCoversLastEvaluated(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "seen", "environments": map[string]bool{"production": true}})
	before := s.Expect(http.StatusOK, "GET", "/flags/seen", nil).Header.Get("ETag")
	s.Expect(http.StatusNotModified, "GET", "/flags/seen", nil, "If-None-Match", before)

	s.evaluate(http.StatusOK, "seen", map[string]any{})
	if err := s.API().Usage().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	r := s.Expect(http.StatusOK, "GET", "/flags/seen", nil, "If-None-Match", before)
	var f struct {
		Version       int64          `json:"version"`
		LastEvaluated map[string]any `json:"lastEvaluated"`
	}
	r.JSON(t, &f)
	if f.LastEvaluated["production"] == nil {
		t.Fatalf("lastEvaluated %v lacks production", f.LastEvaluated)
	}
	after := r.Header.Get("ETag")
	if after == before {
		t.Fatalf("ETag %s did not change with lastEvaluated", after)
	}
	s.Expect(http.StatusNotModified, "GET", "/flags/seen", nil, "If-None-Match", after)
	s.Expect(http.StatusOK, "PUT", "/flags/seen", map[string]any{"description": "kept"}, "If-Match", after)
	s.Expect(http.StatusPreconditionFailed, "PUT", "/flags/seen", map[string]any{"description": "stale"}, "If-Match", after)
}
