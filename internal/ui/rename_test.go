package ui_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestRenameEvaluatedFlag: renaming a flag that is on and evaluated warns
// with where it is on and when it was last evaluated, and waits for the
// new name to be typed; the old name's page then says where it went.
func TestRenameEvaluatedFlag(t *testing.T) {
	s := newServer(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "checkout", "environments": map[string]bool{"production": true}})
	s.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/checkout", map[string]any{"context": map[string]any{"targetingKey": "u1"}})
	if err := s.API().Usage().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s)
	b.open("#/flags/checkout")
	b.click(".edit-flag")
	b.fill(`dialog[open] [data-field="name"]`, "checkout-v2")
	b.click(`dialog[open] button[type="submit"]`)
	b.wait("the warning", `!!document.querySelector('dialog[open] .rename-warning')`)
	warning := b.text("dialog[open] .rename-warning")
	for _, want := range []string{"It is on in production.", "Last evaluated in production just now."} {
		if !strings.Contains(warning, want) {
			t.Fatalf("warning %q lacks %q", warning, want)
		}
	}
	if !evalJS[bool](b, "confirm disabled", `document.querySelector('dialog[open] .confirm').disabled`) {
		t.Fatal("the rename can be confirmed without typing the new name")
	}
	b.shot("flag-rename-warning", false)
	b.typeInto("dialog[open]:has(.rename-warning) .dlg-body > .field input", "checkout-v2")
	b.click("dialog[open] .confirm")
	// A rename changes what production evaluates, and production is
	// protected: the change shows and is confirmed.
	b.click("dialog[open]:has(.protected-confirm) .confirm")
	b.wait("the renamed page", `document.querySelector('h1')?.textContent === 'checkout-v2' && location.hash === '#/flags/checkout-v2'`)
	if f := s.flag("checkout-v2"); f.Name != "checkout-v2" {
		t.Fatalf("renamed to %q", f.Name)
	}

	b.route("#/flags/checkout")
	b.wait("where it went", `!!document.querySelector('.moved-notice')`)
	if got := b.text(".moved-notice"); !strings.Contains(got, "Renamed by local (no access control) to checkout-v2") {
		t.Fatalf("old name's page says %q", got)
	}
	b.shot("flag-renamed-old-name", false)
	b.click(".moved-link")
	b.wait("the flag at its new name", `document.querySelector('h1')?.textContent === 'checkout-v2'`)
}
