package server_test

import (
	"net/http"
	"strings"
	"testing"
)

func prerequisites(flag string, variants ...string) map[string]any {
	return map[string]any{"prerequisites": []map[string]any{{"flag": flag, "variants": variants}}}
}

func TestPrerequisitesOverTheAPI(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "base", "environments": map[string]bool{"production": true}})
	s.createFlag(map[string]any{"name": "checkout", "environments": map[string]bool{"production": true},
		"targeting": map[string]any{"production": prerequisites("base", "on")}})
	s.createFlag(map[string]any{"name": "other"})

	for _, c := range []struct {
		status int
		body   map[string]any
		field  string
	}{
		{http.StatusBadRequest, prerequisites("nope", "on"), "targeting.production.prerequisites[0].flag"},
		{http.StatusBadRequest, prerequisites("base", "blue"), "targeting.production.prerequisites[0].variants[0]"},
		{http.StatusBadRequest, prerequisites("base"), "targeting.production.prerequisites[0].variants"},
	} {
		r := s.Expect(c.status, "PUT", "/flags/other/targeting/production", c.body)
		if m := object(t, r); m["field"] != c.field {
			t.Errorf("%v: %v, want field %s", c.body, m, c.field)
		}
	}

	r := s.Expect(http.StatusBadRequest, "PUT", "/flags/base/targeting/production", prerequisites("checkout", "on"))
	if m := object(t, r); m["field"] != "targeting.production.prerequisites" || !strings.Contains(m["error"].(string), "base -> checkout -> base") {
		t.Errorf("a cycle: %v", m)
	}
	if m := s.evaluate(http.StatusOK, "checkout", map[string]any{}); m["value"] != true {
		t.Errorf("checkout with base on: %v", m)
	}
	s.toggle("base", "production")
	if m := s.evaluate(http.StatusOK, "checkout", map[string]any{}); m["value"] != false || m["reason"] != "DISABLED" {
		t.Errorf("checkout with base off: %v", m)
	}
	var x struct {
		Evaluated     bool
		Prerequisites []struct {
			Flag      string
			Consulted bool
			Met       bool
		}
	}
	s.Expect(http.StatusOK, "POST", "/flags/checkout/explain?environment=production", map[string]any{"context": map[string]any{}}).JSON(t, &x)
	if x.Evaluated || len(x.Prerequisites) != 1 || x.Prerequisites[0].Flag != "base" || x.Prerequisites[0].Met || !x.Prerequisites[0].Consulted {
		t.Errorf("explain: %+v", x)
	}

	for _, req := range [][2]string{{"DELETE", "/flags/base"}, {"POST", "/flags/base/archive"}} {
		r := s.Expect(http.StatusConflict, req[0], req[1], nil)
		if m := object(t, r); !strings.Contains(m["error"].(string), `"checkout"`) {
			t.Errorf("%s %s: %v does not name the flag requiring it", req[0], req[1], m)
		}
	}
	s.Expect(http.StatusOK, "DELETE", "/flags/checkout/targeting/production", nil)
	s.Expect(http.StatusNoContent, "DELETE", "/flags/base", nil)
}
