package ui_test

import (
	"strings"
	"testing"

	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/testenv"
)

// TestInvalidFlagShown: a stored flag that no longer compiles (the server
// restarted with a lower --max-regex-program) carries a badge in the list
// and, on its page, where and why it fails; the other flags show none.
func TestInvalidFlagShown(t *testing.T) {
	first := newServer(t)
	first.Expect(201, "POST", "/flags", map[string]any{"name": "costly", "environments": map[string]bool{"production": true},
		"targeting": map[string]any{"production": map[string]any{"rules": []any{map[string]any{
			"conditions": []any{map[string]any{"attribute": "email", "operator": "matches", "value": "a{50}"}},
			"serve":      map[string]any{"variant": "on"},
		}}}}})
	first.Expect(201, "POST", "/flags", map[string]any{"name": "plain"})
	eval.SetMaxRegexProgram(20)
	t.Cleanup(func() { eval.SetMaxRegexProgram(0) })
	s := newServer(t, testenv.OnStore(first.Store))
	b := newBrowser(t, s)

	b.open("#/flags")
	b.wait("both flags", `document.querySelectorAll('.fwin .frow').length === 2`)
	b.wait("the badge", `!!document.querySelector('.problems-badge')`)
	if n := b.count(".problems-badge"); n != 1 {
		t.Fatalf("%d badges, want 1 (costly only)", n)
	}
	row := evalJS[string](b, "the badge's row", `document.querySelector('.problems-badge').closest('.frow').querySelector('[data-col="name"]').textContent`)
	if row != "costly" {
		t.Fatalf("badge on %q, want costly", row)
	}
	b.shot("flags-invalid", false)

	b.route("#/flags/costly")
	b.wait("the problems notice", `!!document.querySelector('.flag-problems')`)
	msg := b.text(".flag-problems")
	for _, want := range []string{"production", eval.LimitRegexProgram, "targeting.production.rules[0].conditions[0].value"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("notice %q lacks %q", msg, want)
		}
	}
	b.shot("flag-invalid", false)
	b.route("#/flags/plain")
	b.wait("the plain flag's page", `document.querySelector('h1')?.textContent === 'plain'`)
	if n := b.count(".flag-problems"); n != 0 {
		t.Fatalf("plain shows %d problem notices", n)
	}
}
