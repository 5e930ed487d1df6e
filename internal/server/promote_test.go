package server_test

import (
	"net/http"
	"strings"
	"testing"
)

type comparison struct {
	Revision int64
	Same     int
	Flags    []struct {
		Flag        string
		Differences []struct{ Field, Text string }
	}
}

func TestCompareAndPromote(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "base", "environments": map[string]bool{"staging": true, "production": true}})
	s.createFlag(map[string]any{"name": "checkout", "environments": map[string]bool{"staging": true},
		"targeting": map[string]any{"staging": map[string]any{"prerequisites": []map[string]any{{"flag": "base", "variants": []string{"on"}}},
			"rules": []any{map[string]any{"conditions": []any{map[string]any{"attribute": "country", "operator": "eq", "value": "NZ"}}, "serve": map[string]any{"variant": "off"}}}}}})
	s.createFlag(map[string]any{"name": "same"})

	var c comparison
	r := s.Expect(http.StatusOK, "GET", "/environments/staging/compare/production", nil)
	r.JSON(t, &c)
	if c.Same != 2 || len(c.Flags) != 1 || c.Flags[0].Flag != "checkout" || len(c.Flags[0].Differences) != 3 {
		t.Fatalf("comparison: %+v", c)
	}
	if d := c.Flags[0].Differences[0]; d.Field != "state" || d.Text != "on in staging, off in production" {
		t.Errorf("state difference: %+v", d)
	}
	s.Expect(http.StatusBadRequest, "GET", "/environments/staging/compare/staging", nil)
	s.Expect(http.StatusBadRequest, "GET", "/environments/staging/compare/nowhere", nil)

	// If-Match: a version (one flag) or the comparison's revision (several).
	s.Expect(http.StatusPreconditionFailed, "POST", "/flags/checkout/promote", map[string]any{"from": "staging", "to": "production"}, "If-Match", `"9"`)
	s.Expect(http.StatusPreconditionFailed, "POST", "/promote", map[string]any{"from": "staging", "to": "production", "flags": []string{"checkout"}}, "If-Match", `"1"`)
	s.Expect(http.StatusBadRequest, "POST", "/promote", map[string]any{"from": "staging", "to": "production"})
	s.Expect(http.StatusNotFound, "POST", "/promote", map[string]any{"from": "staging", "to": "production", "flags": []string{"nope"}})
	if m := s.evaluate(http.StatusOK, "checkout", map[string]any{"country": "NZ"}); m["value"] != false || m["reason"] != "DISABLED" {
		t.Fatalf("refused promotions changed production: %v", m)
	}

	var out struct {
		Flags []struct {
			Name    string
			Version int64
		}
	}
	s.Expect(http.StatusOK, "POST", "/promote", map[string]any{"from": "staging", "to": "production", "flags": []string{"checkout", "same"}},
		"If-Match", r.Header.Get("ETag")).JSON(t, &out)
	if len(out.Flags) != 2 || out.Flags[0].Version != 2 || out.Flags[1].Version != 1 {
		t.Fatalf("promoted: %+v", out)
	}
	if m := s.evaluate(http.StatusOK, "checkout", map[string]any{"country": "NZ"}); m["variant"] != "off" || m["reason"] != "TARGETING_MATCH" {
		t.Errorf("checkout in production after the promotion: %v", m)
	}
	s.Expect(http.StatusOK, "GET", "/environments/staging/compare/production", nil).JSON(t, &c)
	if len(c.Flags) != 0 || c.Same != 3 {
		t.Errorf("after promoting: %+v", c)
	}
	var hist struct {
		Events []struct{ Action, TargetName, Environment string }
	}
	s.Expect(http.StatusOK, "GET", "/audit?limit=20", nil).JSON(t, &hist)
	promotions := 0
	for _, ev := range hist.Events {
		if ev.Action == "flag.promote" {
			promotions++
			if ev.TargetName != "checkout" || ev.Environment != "production" {
				t.Errorf("promotion event %+v", ev)
			}
		}
	}
	if promotions != 1 {
		t.Errorf("%d promotion events, want one for the one flag changed", promotions)
	}

	// A promotion the target refuses: base requiring same in production
	// closes base -> same -> checkout -> base there.
	s.Expect(http.StatusOK, "PUT", "/flags/base/targeting/staging", map[string]any{"prerequisites": []map[string]any{{"flag": "same", "variants": []string{"off"}}}})
	s.Expect(http.StatusOK, "PUT", "/flags/same/targeting/production", map[string]any{"prerequisites": []map[string]any{{"flag": "checkout", "variants": []string{"on"}}}})
	r = s.Expect(http.StatusBadRequest, "POST", "/flags/base/promote", map[string]any{"from": "staging", "to": "production"})
	if m := object(t, r); !strings.Contains(m["error"].(string), "base -> same -> checkout -> base") {
		t.Errorf("a promotion closing a cycle: %v", m)
	}
	if f := s.Expect(http.StatusOK, "GET", "/flags/base", nil); !strings.Contains(string(f.Body), `"version":2`) {
		t.Errorf("a refused promotion changed base: %s", f.Body)
	}
}
