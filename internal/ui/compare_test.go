package ui_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestCompareAndPromote: the compare page shows staging and production
// side by side, and promotes the flag chosen after a confirmation that
// lists its changes; the flag left unchosen stays as it was.
func TestCompareAndPromote(t *testing.T) {
	s := newServer(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "checkout", "environments": map[string]bool{"staging": true},
		"targeting": map[string]any{"staging": map[string]any{"rules": []any{map[string]any{"name": "kiwis",
			"conditions": []any{map[string]any{"attribute": "country", "operator": "eq", "value": "NZ"}}, "serve": map[string]any{"variant": "off"}}}}}})
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "banner", "environments": map[string]bool{"staging": true}})
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "same"})
	b := newBrowser(t, s)
	b.open("#/compare?a=staging&b=production")
	b.wait("the comparison", `document.querySelectorAll('.compare-table tbody tr').length === 2`)
	if got := b.text(`.compare-table tr[data-flag="checkout"]`); !strings.Contains(got, "on in staging, off in production") || !strings.Contains(got, "rules: 1 rule in staging, 0 rules in production") {
		t.Fatalf("checkout's row: %q", got)
	}
	if got := b.text(".compare-summary"); got != "2 flags differ; 1 the same in staging and production." {
		t.Errorf("summary %q", got)
	}
	b.shot("compare", true)
	b.click(`tr[data-flag="checkout"] input.choose`)
	b.click(".promote")
	b.wait("the confirmation", `!!document.querySelector('.promote-changes')`)
	if got := b.text(".promote-changes"); !strings.Contains(got, "checkout") || !strings.Contains(got, "on in staging, off in production") || strings.Contains(got, "banner") {
		t.Fatalf("the confirmation lists %q", got)
	}
	b.shot("compare-confirm", false)
	b.click("button.confirm")
	b.wait("the comparison after", `document.querySelectorAll('.compare-table tbody tr').length === 1`)
	if f := s.flag("checkout"); !f.Environments["production"] || !strings.Contains(string(f.Targeting["production"]), "kiwis") {
		t.Fatalf("checkout after the promotion: %+v", f)
	}
	if f := s.flag("banner"); f.Environments["production"] {
		t.Fatalf("banner was promoted without being chosen")
	}
}
