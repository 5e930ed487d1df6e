package ui_test

import (
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// TestSignInMessages: the sign-in hint speaks of every kind of token; an
// environment key is refused with one sentence that says why and what to
// use (no hint twice); an unknown token's message reads as a sentence;
// after signing in, and after each navigation, the focus is on the page's
// heading; signing out and in again shows the list (its revalidation, a
// 304, is not an error).
func TestSignInMessages(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	seed(s)
	key := s.NewToken(ff.RoleServerKey, "production", "backend")
	b := newBrowser(t, s)
	b.open("#/flags")
	b.wait("the sign-in form", `!!document.querySelector('input[name="token"]')`)
	hint := b.text(".signin .hint")
	for _, kind := range []string{"admin, editor or viewer", "ffa_", "ffs_", "ffc_"} {
		if !strings.Contains(hint, kind) {
			t.Errorf("the sign-in hint %q does not mention %s", hint, kind)
		}
	}

	signIn := func(secret string) {
		b.fill(`input[name="token"]`, secret)
		b.click(`.signin button[type="submit"]`)
	}
	signIn(key)
	b.wait("the refusal", `!!document.querySelector('.signin .field-error')`)
	msg := b.text(".signin .field-error")
	if !strings.HasPrefix(msg, "This is an environment key") || strings.Count(msg, "Sign in with") != 1 || !strings.HasSuffix(msg, ".") {
		t.Errorf("signing in with a server key says %q", msg)
	}
	signIn("ffa_" + strings.Repeat("x", 43))
	b.wait("the next refusal", `!document.querySelector('.signin .field-error')?.textContent.startsWith('This is')`)
	msg = b.text(".signin .field-error")
	if msg == "" || msg[:1] != strings.ToUpper(msg[:1]) || !strings.HasSuffix(msg, ".") {
		t.Errorf("an unknown token's message %q is not a sentence", msg)
	}

	signIn(s.Token)
	b.wait("the list, the heading focused", `document.querySelectorAll('.fwin .frow').length === 6 && document.activeElement === document.querySelector('main h1')`)
	for _, nav := range []string{"segments", "environments", "audit", "evaluate", "tokens", "flags"} {
		b.click(`.mainnav a[data-nav="` + nav + `"]`)
		b.wait("the focus on the heading of "+nav, `location.hash.startsWith('#/`+nav+`') && document.activeElement === document.querySelector('main h1')`)
	}

	b.click("#signout")
	b.wait("the sign-in form", `!!document.querySelector('input[name="token"]')`)
	signIn(s.Token)
	b.wait("the list again", `document.querySelectorAll('.fwin .frow').length === 6`)
}

// sentence is an API message as the UI shows it (sentence() in api.js):
// capitalised and ending with a full stop.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	if !strings.ContainsAny(msg[len(msg)-1:], ".!?)") {
		msg += "."
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// TestSecretGoes: the one-time secret of a new token goes away as soon as
// the person acts elsewhere on the page, and is not there after navigating.
func TestSecretGoes(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	b := newBrowser(t, s)
	b.signIn(s.Token)
	create := func(name string) {
		b.route("#/tokens")
		b.fill(`form [data-field="name"]`, name)
		b.click(`form button[type="submit"]`)
		b.wait("the secret", `document.querySelector('#new-secret')?.value.startsWith('ffa_')`)
	}
	create("first")
	b.click(`form [data-field="role"]`) // the next token's form
	b.wait("the secret gone", `!document.querySelector('#new-secret')`)

	create("second")
	b.click(`button[aria-label="Revoke first"]`)
	b.wait("the secret gone", `!document.querySelector('#new-secret')`)
	b.click(`dialog[open] .cancel`)

	create("third")
	b.route("#/flags")
	b.wait("the flags", `!!document.querySelector('#flag-count')`)
	b.route("#/tokens")
	b.wait("the tokens", `document.querySelectorAll('td .name').length === 4`)
	if n := b.count("#new-secret"); n != 0 {
		t.Fatal("the secret is shown again after navigating back")
	}
}
