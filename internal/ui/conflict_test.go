package ui_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// TestEditConflict: a save of the details refused because bob changed the
// flag meanwhile keeps what was typed, says who changed what, and saves
// the typed change on top of the latest version (bob's other change
// stays). Escape, Cancel or leaving the page with unsaved changes asks
// first; without changes the dialog closes at once.
func TestEditConflict(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	bob := s.NewToken(ff.RoleEditor, "", "bob")
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "contested", "description": "Original", "tags": []string{"web"}})
	b := newBrowser(t, s)
	b.signIn(s.Token)
	b.route("#/flags/contested")
	b.click(".edit-flag")
	b.fill(`dialog [data-field="description"]`, "Mine")
	s.As(bob).Expect(http.StatusOK, "PUT", "/flags/contested", map[string]any{"description": "Theirs", "tags": []string{"web", "mobile"}})
	b.click(`dialog button[type="submit"]`)
	b.wait("the conflict", `!!document.querySelector('dialog .conflict .reapply')`)
	notice := b.text("dialog .conflict")
	for _, want := range []string{"bob changed contested", "now version 2", `description: "Original" → "Theirs"`, `tags[1]: (none) → "mobile"`} {
		if !strings.Contains(notice, want) {
			t.Errorf("the conflict notice %q does not say %q", notice, want)
		}
	}
	if got := evalJS[string](b, "the typed description", `document.querySelector('dialog [data-field="description"]').value`); got != "Mine" {
		t.Fatalf("the typed description became %q", got)
	}
	if f := s.flag("contested"); f.Description != "Theirs" {
		t.Fatalf("the refused save changed the flag: %+v", f)
	}
	b.shot("edit-conflict", false)
	b.click("dialog .reapply")
	b.wait("the dialog closed", `!document.querySelector('dialog')`)
	if f := s.flag("contested"); f.Description != "Mine" || !reflect.DeepEqual(f.Tags, []string{"web", "mobile"}) || f.Version != 3 {
		t.Fatalf("after saving on the latest version: %+v; want bob's tags and my description at version 3", f)
	}

	// Escape with unsaved changes asks; keeping them keeps the text.
	b.click(".edit-flag")
	b.typeInto(`dialog [data-field="description"]`, " and more")
	b.do("press Escape", chromedp.KeyEvent(kb.Escape))
	b.wait("the question", `[...document.querySelectorAll('dialog[open] h2')].some(e => e.textContent === 'Discard unsaved changes?')`)
	b.click(`dialog[open] .cancel`)
	b.wait("the form again", `document.querySelectorAll('dialog[open]').length === 1 && document.querySelector('dialog [data-field="description"]').value === 'Mine and more'`)
	b.click(`dialog .dlg-foot button[type="button"]`) // Cancel
	b.click(`dialog[open] .confirm`)
	b.wait("the dialog closed", `!document.querySelector('dialog')`)
	if f := s.flag("contested"); f.Description != "Mine" {
		t.Fatalf("a discarded edit was saved: %q", f.Description)
	}
	// Leaving the page with unsaved changes in the dialog asks too; staying
	// keeps them, leaving closes the dialog.
	b.click(".edit-flag")
	b.typeInto(`dialog [data-field="description"]`, " again")
	b.route("#/segments")
	b.wait("the question", `[...document.querySelectorAll('dialog[open] h2')].some(e => e.textContent === 'Discard unsaved changes?')`)
	b.click(`dialog[open] .cancel`)
	b.wait("still on the flag, the text kept", `location.hash === '#/flags/contested' && document.querySelector('dialog [data-field="description"]')?.value === 'Mine again'`)
	b.route("#/segments")
	b.click(`dialog[open] .confirm`)
	b.wait("the segments, no dialog", `location.hash === '#/segments' && !document.querySelector('dialog') && !!document.querySelector('main h1')`)
	if f := s.flag("contested"); f.Description != "Mine" {
		t.Fatalf("a discarded edit was saved: %q", f.Description)
	}
	b.route("#/flags/contested")
	b.wait("the flag page", `!!document.querySelector('.edit-flag')`)

	// Without changes, Escape closes at once.
	b.click(".edit-flag")
	b.wait("the form", `!!document.querySelector('dialog[open] [data-field="description"]')`)
	b.do("press Escape", chromedp.KeyEvent(kb.Escape))
	b.wait("the dialog closed", `!document.querySelector('dialog')`)
}
