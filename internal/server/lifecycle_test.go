package server_test

import (
	"net/http"
	"testing"
)

func names(t *testing.T, s *ofrepServer, path string) []string {
	t.Helper()
	var flags []struct{ Name string }
	s.Expect(http.StatusOK, "GET", path, nil).JSON(t, &flags)
	var out []string
	for _, f := range flags {
		out = append(out, f.Name)
	}
	return out
}

func TestFlagLifecycleFields(t *testing.T) {
	s := newOFREPServer(t)
	r := s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "owned", "owner": "team-checkout",
		"kind": "experiment", "expiresAt": "2027-01-01T00:00:00Z"})
	if m := object(t, r); m["owner"] != "team-checkout" || m["kind"] != "experiment" || m["expiresAt"] != "2027-01-01T00:00:00Z" {
		t.Fatalf("created: %v", m)
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"kind": "forever"}, "kind"},
		{map[string]any{"expiresAt": "soon"}, "expiresAt"},
	} {
		r := s.Expect(http.StatusBadRequest, "PUT", "/flags/owned", c.body)
		if m := object(t, r); m["field"] != c.field {
			t.Errorf("%v: %v, want field %s", c.body, m, c.field)
		}
	}
	r = s.Expect(http.StatusOK, "PUT", "/flags/owned", map[string]any{"owner": "team-growth", "expiresAt": ""})
	if m := object(t, r); m["owner"] != "team-growth" || m["kind"] != "experiment" || m["expiresAt"] != nil {
		t.Fatalf("updated: %v", m)
	}
}

func TestArchiveAndRestore(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "retired", "environments": map[string]bool{"production": true}})
	s.createFlag(map[string]any{"name": "kept"})
	s.evaluate(http.StatusOK, "retired", map[string]any{})
	r := s.Expect(http.StatusOK, "POST", "/flags/retired/archive", nil)
	if m := object(t, r); m["archivedAt"] == nil {
		t.Fatalf("archive answered %v", m)
	}
	if m := s.evaluate(http.StatusNotFound, "retired", map[string]any{}); m["errorCode"] != "FLAG_NOT_FOUND" {
		t.Errorf("archived flag evaluates to %v", m)
	}
	if got := names(t, s, "/flags"); len(got) != 1 || got[0] != "kept" {
		t.Errorf("list without archived: %v", got)
	}
	if got := names(t, s, "/flags?archived=true"); len(got) != 1 || got[0] != "retired" {
		t.Errorf("?archived=true: %v", got)
	}
	s.Expect(http.StatusBadRequest, "GET", "/flags?archived=maybe", nil)
	s.Expect(http.StatusConflict, "POST", "/flags", map[string]any{"name": "retired"}) // the name stays taken
	var usage struct{ Series []struct{ Total int64 } }
	s.Expect(http.StatusOK, "GET", "/flags/retired/usage", nil).JSON(t, &usage)
	if len(usage.Series) != 1 || usage.Series[0].Total != 1 {
		t.Errorf("archived flag's usage: %+v", usage)
	}
	s.Expect(http.StatusOK, "POST", "/flags/retired/restore", nil)
	if m := s.evaluate(http.StatusOK, "retired", map[string]any{}); m["value"] != true {
		t.Errorf("restored flag evaluates to %v", m)
	}
	s.Expect(http.StatusOK, "POST", "/flags/retired/archive", nil)
	s.Expect(http.StatusNoContent, "DELETE", "/flags/retired", nil)
	s.Expect(http.StatusNotFound, "GET", "/flags/retired", nil)
	var hist struct{ Events []struct{ Action string } }
	s.Expect(http.StatusOK, "GET", "/audit?limit=20", nil).JSON(t, &hist)
	seen := map[string]bool{}
	for _, e := range hist.Events {
		seen[e.Action] = true
	}
	if !seen["flag.archive"] || !seen["flag.restore"] {
		t.Errorf("audit actions %v lack flag.archive and flag.restore", seen)
	}
}
