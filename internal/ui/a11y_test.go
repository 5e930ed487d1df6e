package ui_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/featureflags/featureflags/internal/testenv"
)

// screens are the UI's screens with what shows each is ready.
var screens = []struct{ name, hash, ready string }{
	{"flags list", "#/flags", `document.querySelectorAll('.fwin .frow').length === 6`},
	{"flag page", "#/flags/search-v2?tab=history", `!!document.querySelector('.envcard') && !!document.querySelector('.event[data-action]')`},
	{"targeting", "#/flags/search-v2?env=production", `!!document.querySelector('.targeting-editor .rule')`},
	{"segments", "#/segments", `!!document.querySelector('a[href="#/segments/beta-testers"]')`},
	{"segment page", "#/segments/beta-testers", `!!document.querySelector('[data-field="conditions[0].attribute"]')`},
	{"environments", "#/environments", `document.querySelectorAll('td .name').length === 3`},
	{"tokens", "#/tokens", `document.querySelectorAll('td .name').length >= 1`},
	{"audit", "#/audit", `document.querySelectorAll('.event[data-action]').length >= 7`},
	{"webhooks", "#/webhooks", `!!document.querySelector('form[aria-labelledby="new-webhook-h"]')`},
	{"scheduled", "#/scheduled", `!!document.querySelector('ul.schedules li')`},
	{"compare", "#/compare?a=staging&b=production", `!!document.querySelector('.compare-summary')`},
	{"requests", "#/requests", `!!document.querySelector('.requests .empty, .requests .request')`},
	// The console last: the test runs an evaluation on it next.
	{"console", "#/evaluate?flag=search-v2&env=production", `!!document.querySelector('#eval-context')`},
}

// TestAccessibility runs axe-core on every screen, in light mode, in dark
// mode and at 375 px, and fails on any violation of any impact.
func TestAccessibility(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	seed(s)
	b := newBrowser(t, s)
	modes := []struct {
		name          string
		scheme        string
		width, height int64
	}{{"light", "light", 1280, 860}, {"dark", "dark", 1280, 860}, {"375 px", "", 375, 812}}
	b.open("#/flags")
	for _, m := range modes {
		b.colorScheme(m.scheme)
		b.viewport(m.width, m.height)
		b.wait("the sign-in form", `!!document.querySelector('input[name="token"]')`)
		b.checkAxe("sign-in, " + m.name)
		b.typeInto(`input[name="token"]`, s.Token)
		b.click(`.signin button[type="submit"]`)
		b.wait("signed in", `!document.querySelector('.signin') && !!document.querySelector('main h1')`)
		for _, sc := range screens {
			b.route(sc.hash)
			b.wait(sc.name, sc.ready)
			b.checkAxe(sc.name + ", " + m.name)
		}
		b.click("#eval-run")
		b.wait("the console's result", `!!document.querySelector('#eval-variant')`)
		b.checkAxe("console with a result, " + m.name)
		// A message with Undo, and a dialog showing an error.
		b.route("#/flags")
		b.click(`.fwin button.switch[data-env="development"]`)
		b.wait("the message", `[...document.querySelectorAll('.toast button')].some(e => e.textContent === 'Undo')`)
		b.checkAxe("a message with Undo, " + m.name)
		b.click("#new-flag")
		b.click(`dialog button[type="submit"]`)
		b.wait("the dialog's error", `!!document.querySelector('dialog .field-error, dialog .form-error')`)
		b.checkAxe("the new-flag dialog with an error, " + m.name)
		b.do("close the dialog", chromedp.KeyEvent(kb.Escape))
		b.wait("the dialog closed", `!document.querySelector('dialog[open]')`)
		if m.width < 720 {
			b.click("#menu")
			b.wait("the open menu", `document.querySelector('#menu').getAttribute('aria-expanded') === 'true'`)
			b.checkAxe("the open menu, " + m.name)
			b.click("#menu")
		}
		b.click("#signout")
	}
}
