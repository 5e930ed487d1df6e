package ui_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestConsoleExplains: the console names the rule that matched and why
// the rules before it did not.
func TestConsoleExplains(t *testing.T) {
	s := newServer(t)
	createCheckout(s, "kiwis", "country", "eq", "NZ")
	b := newBrowser(t, s)
	b.open("#/evaluate?env=production&flag=checkout")
	b.wait("the console", `!!document.querySelector('#eval-context')`)
	b.fill("#eval-context", `{"targetingKey": "alice", "email": "alice@example.com", "country": "NZ"}`)
	b.click("#eval-run")
	b.wait("the explanation naming rule 2", `document.querySelector('#eval-why-summary')?.textContent === 'Rule 2 (kiwis) matched.'`)
	if got := b.text(`#eval-why li[data-rule="0"]`); !strings.Contains(got, "did not match") || !strings.Contains(got, "does not hold") {
		t.Fatalf("rule 1 explained as %q", got)
	}
	b.shot("evaluate-explain", false)
}

// TestFlagPageExplains: "what would alice@example.com get in production?"
// on the flag's page names the matched rule and why the first did not.
func TestFlagPageExplains(t *testing.T) {
	s := newServer(t)
	createCheckout(s, "example", "email", "endsWith", "@example.com")
	b := newBrowser(t, s)
	b.open("#/flags/checkout")
	b.typeInto("#fe-who", "alice@example.com")
	b.fill("#fe-env", "production")
	b.click("#fe-run")
	b.wait("the answer", `!!document.querySelector('#fe-result')`)
	if got := b.text("#fe-result"); !strings.Contains(got, `alice@example.com gets new ("new") in production`) || !strings.Contains(got, "TARGETING_MATCH") {
		t.Fatalf("answer %q", got)
	}
	if got := b.text("#eval-why-summary"); got != "Rule 2 (example) matched." {
		t.Fatalf("summary %q", got)
	}
	if got := b.text(`#eval-why li[data-rule="0"]`); !strings.Contains(got, "did not match") || !strings.Contains(got, "does not hold") {
		t.Fatalf("rule 1 explained as %q", got)
	}
	b.eval("scroll to the answer", `document.querySelector('.fe-card').scrollIntoView()`)
	b.shot("flag-evaluate", false)

	// Attributes that are not JSON are refused before asking.
	b.eval("open the attributes", `document.querySelector('.fe-card details').open = true`)
	b.fill("#fe-extra", `{"country": `)
	b.click("#fe-run")
	b.wait("the error", `document.querySelector('.fe-card .field-error')?.textContent.includes('not valid JSON')`)
}

// createCheckout creates the flag "checkout" serving "new" in production by
// two rules, "staff" and the second named name, and "old" by default.
func createCheckout(s *testServer, name, attribute, operator, value string) {
	rule := func(name, attribute, operator, value string) map[string]any {
		return map[string]any{"name": name, "serve": map[string]any{"variant": "new"},
			"conditions": []any{map[string]any{"attribute": attribute, "operator": operator, "value": value}}}
	}
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{
		"name": "checkout", "type": "string", "environments": map[string]bool{"production": true},
		"variants": map[string]any{"old": "old", "new": "new"},
		"targeting": map[string]any{"production": map[string]any{
			"rules":        []any{rule("staff", "email", "endsWith", "@corp.example"), rule(name, attribute, operator, value)},
			"defaultServe": map[string]any{"variant": "old"},
		}},
	})
}
