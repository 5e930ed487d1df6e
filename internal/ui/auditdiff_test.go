package ui_test

import (
	"net/http"
	"reflect"
	"testing"
)

// TestAuditTargetingDiff: a targeting change reads in the audit as what
// changed, rule by rule (a condition, a rule removed and one added, a
// rollout's weights one variant at a time), not as two JSON documents; the
// flag's History and the Audit screen show it with the same component and
// the same lines.
func TestAuditTargetingDiff(t *testing.T) {
	s := newServer(t)
	rule := func(name, attr, value, variant string) map[string]any {
		return map[string]any{"name": name, "serve": map[string]any{"variant": variant},
			"conditions": []map[string]any{{"attribute": attr, "operator": "eq", "value": value}}}
	}
	rollout := func(on, off int) map[string]any {
		return map[string]any{"rollout": map[string]any{"variants": []map[string]any{{"variant": "on", "weight": on}, {"variant": "off", "weight": off}}}}
	}
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "checkout", "environments": map[string]bool{"production": true},
		"targeting": map[string]any{"production": map[string]any{
			"rules":        []any{rule("beta", "plan", "beta", "on"), rule("staff", "email", "ann@example.com", "on")},
			"defaultServe": rollout(50, 50)}}})
	s.Expect(http.StatusOK, "PUT", "/flags/checkout/targeting/production", map[string]any{
		"rules":        []any{rule("beta", "plan", "early", "on"), rule("vip", "tier", "gold", "on")},
		"defaultServe": rollout(90, 10)})
	want := []string{
		`production › rule 1 (beta) › condition 1: plan equals "beta" → plan equals "early"`,
		`production › rule 2 (staff) removed: serve on`,
		`production › rule 2 (vip) added: if tier equals "gold", serve on`,
		`production › default › weight of on: 50% → 90%`,
		`production › default › weight of off: 50% → 10%`,
	}
	lines := func(b *browser) []string {
		return evalJS[[]string](b, "the change's lines", `[...document.querySelector('.event[data-action="flag.targeting"] .changes').children].map(li => li.textContent)`)
	}

	b := newBrowser(t, s)
	b.open("#/flags/checkout?tab=history")
	b.wait("the targeting event", `!!document.querySelector('.event[data-action="flag.targeting"] .changes')`)
	history := lines(b)
	if !reflect.DeepEqual(history, want) {
		t.Errorf("History shows\n%q\nwant\n%q", history, want)
	}
	if n := b.count(`.event[data-action="flag.targeting"] pre`); n != 0 {
		t.Errorf("History shows the targeting change as %d JSON documents", n)
	}
	b.shot("history-targeting-diff", false)
	if got := evalJS[string](b, "after the details", `document.querySelector('.meta').nextSibling?.textContent ?? ''`); got == "null" {
		t.Error(`the flag page shows "null" under its details`)
	}

	b.route("#/audit")
	b.wait("the targeting event", `!!document.querySelector('.event[data-action="flag.targeting"] .changes')`)
	if audit := lines(b); !reflect.DeepEqual(audit, history) {
		t.Errorf("Audit shows\n%q\nHistory\n%q", audit, history)
	}
	b.shot("audit-targeting-diff", false)
}
