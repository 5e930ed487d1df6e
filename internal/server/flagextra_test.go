package server_test

import (
	"net/http"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
)

// colorFlag is a string flag with two named rules in production.
var colorFlag = map[string]any{
	"name": "color", "type": "string", "environments": map[string]bool{"production": true},
	"variants": map[string]any{"red": "#f00", "blue": "#00f", "green": "#0f0"},
	"targeting": map[string]any{"production": map[string]any{
		"rules": []any{
			map[string]any{"name": "staff", "conditions": []any{
				map[string]any{"attribute": "email", "operator": "endsWith", "value": "@example.com"},
				map[string]any{"attribute": "country", "operator": "eq", "value": "NZ"},
			}, "serve": map[string]any{"variant": "green"}},
			map[string]any{"name": "kiwis", "conditions": []any{
				map[string]any{"attribute": "country", "operator": "eq", "value": "NZ"},
			}, "serve": map[string]any{"variant": "blue"}},
		},
		"defaultServe": map[string]any{"variant": "red"},
	}},
}

type explained struct {
	Result struct {
		Variant, Reason string
	}
	MatchedRule int
	Evaluated   bool
	Rules       []struct {
		Index              int
		Name               string
		Consulted, Matched bool
		Conditions         []struct {
			Attribute string
			Matched   bool
		}
	}
}

func TestExplainNamesTheRuleThatMatched(t *testing.T) {
	s := testenv.Start(t, testenv.WithAuth())
	s.Expect(http.StatusCreated, "POST", "/flags", colorFlag)
	var x explained
	s.Expect(http.StatusOK, "POST", "/flags/color/explain?environment=production",
		map[string]any{"context": map[string]any{"email": "alice@example.com", "country": "AU"}}).JSON(t, &x)
	if x.Result.Variant != "red" || x.MatchedRule != -1 || len(x.Rules) != 2 {
		t.Fatalf("alice in AU: %+v, want red from the default, no rule", x)
	}
	if c := x.Rules[0].Conditions; x.Rules[0].Name != "staff" || !c[0].Matched || c[1].Matched || c[1].Attribute != "country" {
		t.Fatalf("rule staff: %+v, want email matched and country not", x.Rules[0])
	}
	s.Expect(http.StatusOK, "POST", "/flags/color/explain?environment=production",
		map[string]any{"context": map[string]any{"country": "NZ"}}).JSON(t, &x)
	if x.Result.Variant != "blue" || x.MatchedRule != 1 || x.Rules[1].Name != "kiwis" || !x.Rules[1].Matched {
		t.Fatalf("NZ: %+v, want blue from rule 1 kiwis", x)
	}
	viewer := s.As(s.NewToken("viewer", "", ""))
	viewer.Expect(http.StatusOK, "POST", "/flags/color/explain?environment=production", map[string]any{"context": map[string]any{}})
	evalOnly := s.As(s.NewToken("client-key", "production", ""))
	evalOnly.Expect(http.StatusForbidden, "POST", "/flags/color/explain?environment=production", map[string]any{"context": map[string]any{}})
}

func TestExplainRefusesBadInput(t *testing.T) {
	s := testenv.Start(t)
	s.Expect(http.StatusCreated, "POST", "/flags", colorFlag)
	for _, c := range []struct {
		path   string
		body   any
		status int
	}{
		{"/flags/color/explain", map[string]any{"context": map[string]any{}}, http.StatusBadRequest},
		{"/flags/color/explain?environment=nowhere", map[string]any{"context": map[string]any{}}, http.StatusBadRequest},
		{"/flags/nope/explain?environment=production", map[string]any{"context": map[string]any{}}, http.StatusNotFound},
		{"/flags/color/explain?environment=production", `{"context": 3}`, http.StatusBadRequest},
		{"/flags/color/explain?environment=production", `[`, http.StatusBadRequest},
	} {
		r := s.Expect(c.status, "POST", c.path, c.body)
		var e struct{ Error string }
		if r.JSON(t, &e); e.Error == "" {
			t.Errorf("%s: no error message in %s", c.path, r.Body)
		}
	}
}

func TestRevertRestoresAVersionAndRefusesStaleIfMatch(t *testing.T) {
	s := testenv.Start(t)
	s.Expect(http.StatusCreated, "POST", "/flags", colorFlag)                                // version 1
	s.Toggle("color", "production")                                                          // 2: off
	s.Expect(http.StatusOK, "PUT", "/flags/color", map[string]any{"description": "changed"}) // 3
	s.Toggle("color", "production")                                                          // 4: on again
	var f struct {
		Description  string
		Environments map[string]bool
		Version      int64
	}
	s.Expect(http.StatusPreconditionFailed, "POST", "/flags/color/revert", map[string]any{"version": 2}, "If-Match", `"3"`)
	s.Expect(http.StatusOK, "POST", "/flags/color/revert", map[string]any{"version": 2}, "If-Match", `"4"`).JSON(t, &f)
	if f.Version != 5 || f.Description != "" || f.Environments["production"] {
		t.Fatalf("reverted to 2: %+v, want version 5, no description, off in production", f)
	}
	var page struct {
		Events []struct{ Action string }
	}
	s.Expect(http.StatusOK, "GET", "/flags/color/history?limit=1", nil).JSON(t, &page)
	if len(page.Events) != 1 || page.Events[0].Action != "flag.revert" {
		t.Fatalf("latest history event %+v, want flag.revert", page.Events)
	}
	for _, bad := range []struct {
		body   any
		status int
	}{
		{map[string]any{"version": 99}, http.StatusNotFound},
		{map[string]any{"version": 0}, http.StatusBadRequest},
		{map[string]any{}, http.StatusBadRequest},
		{map[string]any{"version": "2"}, http.StatusBadRequest},
	} {
		s.Expect(bad.status, "POST", "/flags/color/revert", bad.body)
	}
	s.Expect(http.StatusOK, "GET", "/flags/color", nil).JSON(t, &f)
	if f.Version != 5 {
		t.Fatalf("refused reverts changed the flag: version %d, want 5", f.Version)
	}
}
