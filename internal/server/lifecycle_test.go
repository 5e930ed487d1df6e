package server_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"
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

type staleAnswer []struct {
	Name  string
	Stale []struct{ Kind, Environment, Why string }
}

func staleOf(t *testing.T, s *ofrepServer, kinds string) map[string][]string {
	t.Helper()
	var a staleAnswer
	s.Expect(http.StatusOK, "GET", "/flags?stale="+kinds, nil).JSON(t, &a)
	out := map[string][]string{}
	for _, f := range a {
		for _, st := range f.Stale {
			if st.Why == "" {
				t.Errorf("%s: %s without words", f.Name, st.Kind)
			}
			out[f.Name] = append(out[f.Name], st.Kind+":"+st.Environment)
		}
	}
	return out
}

func TestStaleFlags(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "old-release", "kind": "release"})
	s.createFlag(map[string]any{"name": "steady", "kind": "permission", "environments": map[string]bool{"production": true}})
	s.Clock.Advance(20 * 24 * time.Hour)
	for i := 0; i < 3; i++ {
		s.evaluate(http.StatusOK, "steady", map[string]any{})
	}
	if got := staleOf(t, s, "constant"); len(got) != 1 || len(got["steady"]) != 1 {
		t.Errorf("constant after 20 days: %v", got)
	}
	if got := staleOf(t, s, "overdue"); len(got) != 0 {
		t.Errorf("overdue after 20 days: %v", got)
	}
	s.Clock.Advance(21 * 24 * time.Hour)
	got := staleOf(t, s, "any")
	if want := []string{"unused:development", "unused:production", "unused:staging", "overdue:"}; fmt.Sprint(got["old-release"]) != fmt.Sprint(want) {
		t.Errorf("old-release after 41 days: %v, want %v", got["old-release"], want)
	}
	if want := []string{"unused:development", "unused:staging"}; fmt.Sprint(got["steady"]) != fmt.Sprint(want) {
		t.Errorf("steady after 41 days: %v, want %v", got["steady"], want)
	}
	r := s.Expect(http.StatusBadRequest, "GET", "/flags?stale=old", nil)
	if m := object(t, r); m["field"] != "stale" {
		t.Errorf("bad stale: %v", m)
	}
}
