package ui_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
)

// lastAction is the action of a flag's latest audit event.
func (s *testServer) lastAction(name string) string {
	s.t.Helper()
	var page struct {
		Events []struct{ Action string }
	}
	s.Expect(http.StatusOK, "GET", "/flags/"+name+"/history?limit=1", nil).JSON(s.t, &page)
	if len(page.Events) == 0 {
		return ""
	}
	return page.Events[0].Action
}

// clickUndo clicks the Undo button of the newest message.
func (b *browser) clickUndo() {
	b.t.Helper()
	b.wait("an Undo button", `[...document.querySelectorAll('.toast button')].some(e => e.textContent === 'Undo')`)
	b.eval("click Undo", `[...document.querySelectorAll('.toast button')].filter(e => e.textContent === 'Undo').pop().click()`)
}

// TestUndoAndRestore: the message after a toggle offers Undo, which puts
// the flag back with an audited revert; an Undo after someone else changed
// the flag fails with a message and changes nothing; History restores a
// version after asking.
func TestUndoAndRestore(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "undo-me", "description": "Undo and restore"})
	b := newBrowser(t, s)
	b.signIn(s.Token)
	sw := `.fwin button.switch[data-env="staging"]`
	b.click(sw)
	b.wait("the toggle saved", fmt.Sprintf(`(e => e?.getAttribute('aria-checked') === 'true' && !e.hasAttribute('aria-busy'))(document.querySelector(%s))`, js(sw)))
	b.clickUndo()
	b.wait("the switch back off", fmt.Sprintf(`document.querySelector(%s)?.getAttribute('aria-checked') === 'false'`, js(sw)))
	if f := s.flag("undo-me"); f.Environments["staging"] || f.Version != 3 || s.lastAction("undo-me") != "flag.revert" {
		t.Fatalf("after Undo: %+v, last action %q; want off in staging at version 3 by flag.revert", f, s.lastAction("undo-me"))
	}

	// Someone changes the flag after the toggle: Undo must not overwrite it.
	b.click(sw)
	b.wait("the second toggle saved", fmt.Sprintf(`(e => e?.getAttribute('aria-checked') === 'true' && !e.hasAttribute('aria-busy'))(document.querySelector(%s))`, js(sw)))
	b.wait("its Undo", `[...document.querySelectorAll('.toast')].some(e => e.textContent.includes('is now on'))`)
	s.Expect(http.StatusOK, "PUT", "/flags/undo-me", map[string]any{"description": "Changed by bob"})
	b.clickUndo()
	b.wait("the refusal", `[...document.querySelectorAll('.toast.error')].some(e => e.textContent.includes('changed again since'))`)
	if f := s.flag("undo-me"); !f.Environments["staging"] || f.Description != "Changed by bob" {
		t.Fatalf("a stale Undo changed the flag: %+v", f)
	}

	// History: restore version 1 (off everywhere, the first description).
	b.route("#/flags/undo-me?tab=history")
	b.wait("the restore buttons", `!!document.querySelector('button.restore[data-version="1"]')`)
	b.shot("history-restore", false)
	b.click(`button.restore[data-version="1"]`)
	b.click(`dialog button.confirm`)
	b.wait("the restored message", `[...document.querySelectorAll('.toast')].some(e => e.textContent.includes('as it was at version 1'))`)
	if f := s.flag("undo-me"); f.Environments["staging"] || f.Description != "Undo and restore" {
		t.Fatalf("after restoring version 1: %+v", f)
	}
}
