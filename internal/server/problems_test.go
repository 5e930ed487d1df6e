package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/testenv"
)

// costlyRule is targeting whose pattern (a{50}) compiles under the default
// --max-regex-program and not under 20.
var costlyRule = map[string]any{"production": map[string]any{"rules": []any{map[string]any{
	"conditions": []any{map[string]any{"attribute": "email", "operator": "matches", "value": "a{50}"}},
	"serve":      map[string]any{"variant": "on"},
}}}}

// restartWithRegexBound starts a second server on s's store after lowering
// --max-regex-program, as a restart with a lower bound would; the bound is
// restored when the test ends.
func restartWithRegexBound(t *testing.T, s *testenv.Server, n int) *testenv.Server {
	t.Helper()
	eval.SetMaxRegexProgram(n)
	t.Cleanup(func() { eval.SetMaxRegexProgram(0) })
	return testenv.Start(t, testenv.OnStore(s.Store))
}

// TestInvalidStoredFlagReported: a stored flag that no longer compiles does
// not stop the start; the API says where and why, per environment, the
// gauge counts it, the log names it, and the other flags evaluate.
func TestInvalidStoredFlagReported(t *testing.T) {
	s := testenv.Start(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "costly", "environments": map[string]bool{"production": true}, "targeting": costlyRule})
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "plain", "environments": map[string]bool{"production": true}})
	r := restartWithRegexBound(t, s, 20)

	var flag struct {
		Problems []struct{ Environment, Field, Message string }
	}
	r.Expect(http.StatusOK, "GET", "/flags/costly", nil).JSON(t, &flag)
	if len(flag.Problems) != 1 || flag.Problems[0].Environment != "production" ||
		flag.Problems[0].Field != "targeting.production.rules[0].conditions[0].value" ||
		!strings.Contains(flag.Problems[0].Message, eval.LimitRegexProgram) {
		t.Fatalf("problems %+v, want one in production naming %s", flag.Problems, eval.LimitRegexProgram)
	}
	var list []map[string]any
	r.Expect(http.StatusOK, "GET", "/flags?environment=production", nil).JSON(t, &list)
	for _, f := range list {
		if _, has := f["problems"]; has != (f["name"] == "costly") {
			t.Fatalf("listed %v: problems only for costly", f)
		}
	}
	if body := string(r.Expect(http.StatusOK, "GET", "/metrics", nil).Body); !strings.Contains(body, "\nfeatureflags_flags_invalid 1\n") {
		t.Fatal("featureflags_flags_invalid is not 1")
	}
	if logs := s.Logs.String() + r.Logs.String(); strings.Count(logs, `"flag":"costly"`) != 1 || !strings.Contains(logs, `"environment":"production"`) {
		t.Fatalf("want costly logged once with its environment; logs:\n%s", logs)
	}
	var res map[string]any
	r.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/plain", map[string]any{"context": map[string]any{"targetingKey": "u"}}).JSON(t, &res)
	if res["value"] != true {
		t.Fatalf("plain evaluated to %v", res)
	}
	r.Expect(http.StatusBadRequest, "POST", "/ofrep/v1/evaluate/flags/costly", map[string]any{"context": map[string]any{"targetingKey": "u", "email": "a"}})
}
