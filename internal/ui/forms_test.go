package ui_test

import (
	"net/http"
	"testing"
)

// TestRolloutStartsValidAndTokenNeedsAName: choosing a percentage rollout
// starts from 50/50, not 0/0 with an error showing; creating a token
// without a name is refused in the form, before any request.
func TestRolloutStartsValidAndTokenNeedsAName(t *testing.T) {
	s := newServer(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "split-me"})
	b := newBrowser(t, s)
	b.open("#/flags/split-me?env=staging")
	b.wait("the targeting editor", `!!document.querySelector('.serve input[data-mode="rollout"]')`)
	b.click(`.serve input[data-mode="rollout"]`)
	b.wait("the weights", `!!document.querySelector('.serve .total')`)
	if got := b.text(".serve .total"); got != "Total 100% ✓" {
		t.Fatalf("a new rollout starts at %q, want Total 100%% ✓", got)
	}
	b.shot("rollout-start", false)

	b.route("#/tokens")
	b.click("dialog button.confirm") // the unsaved rollout: discard it
	b.wait("the token form", `!!document.querySelector('input[data-field="name"]')`)
	before := s.Expect(http.StatusOK, "GET", "/tokens", nil).Body
	b.click(`form button[type="submit"]`)
	b.wait("the name error", `[...document.querySelectorAll('.field-error, .form-error')].some(e => e.textContent.includes('Enter a name'))`)
	if after := s.Expect(http.StatusOK, "GET", "/tokens", nil).Body; string(after) != string(before) {
		t.Fatalf("a token without a name was created: %s", after)
	}
}
