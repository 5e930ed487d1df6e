package apitest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/testenv"
)

// runLimits runs the limits suite.
func runLimits(t *testing.T, open Opener) {
	t.Run("Limits", func(t *testing.T) { testLimits(t, open) })
}

// expectLimit checks a refusal for exceeding a limit: the status, the
// field, and the limit named in the body and its message.
func (c *client) expectLimit(status int, field, limit, method, path string, body any) {
	c.t.Helper()
	c.expectError(status, field, method, path, body)
	r := c.Do(method, path, body)
	var e struct {
		Error, Limit string
	}
	r.JSON(c.t, &e)
	if e.Limit != limit || !strings.Contains(e.Error, limit) {
		c.t.Fatalf("%s %s: %s, want limit %s named", method, path, r.Body, limit)
	}
}

func conditions(n, values int) []any {
	list := make([]any, values)
	for i := range list {
		list[i] = "v"
	}
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"attribute": "a", "operator": "in", "value": list}
	}
	return out
}

func rules(n, conds, values int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"conditions": conditions(conds, values), "serve": map[string]any{"variant": "on"}}
	}
	return out
}

// testLimits hits each limit once, on a server with small ones, and finds
// each at its boundary: one below passes.
func testLimits(t *testing.T, open Opener) {
	c := newServer(t, open, testenv.WithAuth(),
		testenv.WithLimits(service.Limits{RulesPerFlag: 2, ConditionsPerRule: 2, ValuesPerList: 3, SegmentConditions: 2, Flags: 3}),
		testenv.WithConfig(func(cfg *server.Config) { cfg.MaxBodyBytes = 4096 }))
	targeting := func(r []any) map[string]any { return map[string]any{"rules": r} }

	c.create(map[string]any{"name": "limited", "targeting": map[string]any{"production": targeting(rules(2, 2, 3))}})
	c.expectLimit(400, "targeting.production.rules", service.LimitRulesPerFlag,
		"PUT", "/flags/limited/targeting/production", targeting(rules(3, 1, 1)))
	c.expectLimit(400, "targeting.staging.rules", service.LimitRulesPerFlag,
		"PUT", "/flags/limited", map[string]any{"targeting": map[string]any{"staging": targeting(rules(3, 1, 1))}})
	c.expectLimit(400, "targeting.production.rules[1].conditions", service.LimitConditionsPerRule,
		"PUT", "/flags/limited/targeting/production", targeting(append(rules(1, 1, 1), rules(1, 3, 1)...)))
	c.expectLimit(400, "targeting.production.rules[0].conditions[1].value", service.LimitValuesPerList,
		"PUT", "/flags/limited/targeting/production", targeting([]any{map[string]any{
			"conditions": append(conditions(1, 3), conditions(1, 4)...), "serve": map[string]any{"variant": "on"}}}))
	c.expectLimit(400, "targeting.production.rules", service.LimitRulesPerFlag,
		"POST", "/flags", map[string]any{"name": "new", "targeting": map[string]any{"production": targeting(rules(3, 1, 1))}})

	c.Expect(http.StatusCreated, "POST", "/segments", map[string]any{"name": "s", "conditions": conditions(2, 3)})
	c.expectLimit(400, "conditions", service.LimitSegmentConditions, "PUT", "/segments/s", map[string]any{"conditions": conditions(3, 1)})
	c.expectLimit(400, "conditions[0].value", service.LimitValuesPerList, "POST", "/segments", map[string]any{"name": "t", "conditions": conditions(1, 4)})

	c.create(map[string]any{"name": "second"})
	c.create(map[string]any{"name": "third"})
	c.expectLimit(409, "", service.LimitFlags, "POST", "/flags", map[string]any{"name": "fourth"})
	c.Expect(http.StatusNoContent, "DELETE", "/flags/third", nil)
	c.create(map[string]any{"name": "fourth"})

	c.expectLimit(413, "", "max-body-bytes", "POST", "/flags", map[string]any{"name": "big", "description": strings.Repeat("d", 4096)})
	r := c.Do("POST", "/ofrep/v1/evaluate/flags", map[string]any{"context": map[string]any{"big": strings.Repeat("d", 4096)}})
	if r.Status != 413 || !strings.Contains(string(r.Body), "max-body-bytes") {
		t.Fatalf("OFREP over the body limit: %d %s", r.Status, r.Body)
	}
}
