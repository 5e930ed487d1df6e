package ui_test

import (
	"fmt"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// TestManagedByCode: a flag applied from a file shows a "managed by code"
// badge, and the UI warns before editing it: cancelling changes nothing,
// confirming goes ahead.
func TestManagedByCode(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	editor := s.NewToken(ff.RoleEditor, "", "ann")
	s.Expect(200, "POST", "/apply", map[string]any{"dataset": map[string]any{
		"flags": []any{map[string]any{"name": "from-code", "description": "Written by apply"}}}})
	b := newBrowser(t, s)
	b.signIn(editor)
	b.wait("the badge in the list", `[...document.querySelectorAll('.frow .badge-code')].some(e => e.textContent === 'managed by code')`)
	sw := `.fwin button.switch[data-env="staging"]`
	b.click(sw)
	b.wait("the warning", `[...document.querySelectorAll('dialog h2')].some(e => e.textContent === 'from-code is managed by code')`)
	b.click(`dialog button.cancel`)
	b.wait("the dialog closed", `!document.querySelector('dialog[open]')`)
	if s.flag("from-code").Environments["staging"] {
		t.Fatal("a cancelled edit changed the flag")
	}
	b.click(sw)
	b.wait("the warning again", `!!document.querySelector('dialog[open] button.confirm')`)
	b.click(`dialog[open] button.confirm`)
	b.wait("the toggle", fmt.Sprintf(`(e => e.getAttribute('aria-checked') === 'true' && !e.hasAttribute('aria-busy'))(document.querySelector(%s))`, js(sw)))
	if !s.flag("from-code").Environments["staging"] {
		t.Fatal("the confirmed toggle did not reach the server")
	}
	b.route("#/flags/from-code")
	b.wait("the badge on the flag page", `!!document.querySelector('.meta .badge-code')`)
}
