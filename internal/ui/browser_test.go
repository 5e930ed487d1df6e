package ui_test

// The browser tests: a headless Chromium drives the UI against the real
// server, and every step is checked through the API too. They write
// screenshots of the main screens to screenshots/ at the repository root.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/testenv"
)

// seed creates a few flags and a segment, so the screens show something
// like a real project.
func seed(s *testServer) {
	s.Expect(201, "POST", "/segments", map[string]any{
		"name": "beta-testers", "description": "People who opted into early features", "match": "any",
		"conditions": []map[string]any{{"attribute": "plan", "operator": "in", "value": []string{"beta", "internal"}}},
	})
	for _, f := range []map[string]any{
		{"name": "new-checkout", "description": "One-page checkout with saved cards", "tags": []string{"checkout", "payments"},
			"environments": map[string]bool{"development": true, "staging": true}},
		{"name": "search-v2", "description": "Typo-tolerant search backed by the new index", "tags": []string{"search"},
			"environments": map[string]bool{"development": true, "staging": true, "production": true},
			"targeting": map[string]any{"production": map[string]any{"rules": []map[string]any{{"name": "beta",
				"conditions": []map[string]any{{"operator": "inSegment", "value": "beta-testers"}}, "serve": map[string]any{"variant": "on"}}},
				"defaultServe": map[string]any{"rollout": map[string]any{"variants": []map[string]any{{"variant": "on", "weight": 20}, {"variant": "off", "weight": 80}}}}}}},
		{"name": "pricing-page", "description": "Which pricing table to show", "type": "string", "tags": []string{"growth"},
			"variants":     map[string]any{"classic": "classic", "annual-first": "annual-first", "compact": "compact"},
			"environments": map[string]bool{"development": true}},
		{"name": "dark-mode", "description": "Offer the dark theme in the web app", "tags": []string{"web"},
			"environments": map[string]bool{"development": true, "staging": true, "production": true}},
		{"name": "max-upload-mb", "description": "Largest upload, in megabytes", "type": "number",
			"variants": map[string]any{"small": 10, "large": 100}, "environments": map[string]bool{"production": true}},
		{"name": "maintenance-banner", "description": "Show the scheduled-maintenance banner", "tags": []string{"ops"}},
	} {
		s.Expect(201, "POST", "/flags", f)
	}
}

// apiError is an error answer of the API.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field"`
}

// TestFlagLifecycle signs in, creates a flag (after a refused attempt whose
// message shows next to the field), toggles it in staging and production,
// edits its targeting (again after a refused attempt), evaluates it in the
// console, finds the audit entry, manages segments, environments and tokens,
// and deletes the flag, checking every step through the API. It writes the
// screenshots of the main screens, in light and dark mode and at 375 px.
func TestFlagLifecycle(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	seed(s)
	b := newBrowser(t, s)

	// Sign in.
	b.open("#/flags")
	b.wait("the sign-in form", `!!document.querySelector('input[name="token"]')`)
	b.shot("sign-in", false)
	b.signIn(s.Token)
	b.wait("the seeded flags", `document.querySelectorAll('.fwin .frow').length === 6`)
	if who := b.text("#who"); !strings.Contains(who, s.Admin.Name) || !strings.Contains(who, "admin") {
		t.Fatalf("header shows %q, want the token's name and role", who)
	}

	// Create: a bad name first, refused with the API's message beside it.
	bad := map[string]any{"name": "checkout button", "type": "string"}
	r := s.Do("POST", "/flags", bad)
	var want apiError
	json.Unmarshal(r.Body, &want)
	if r.Status != http.StatusBadRequest || want.Field != "name" {
		t.Fatalf("the API took a bad name: %d %s", r.Status, r.Body)
	}
	b.click("#new-flag")
	b.typeInto(`dialog [data-field="name"]`, "checkout button")
	b.fill(`dialog [data-field="description"]`, "Colour of the checkout button")
	b.fill(`dialog [data-field="type"]`, "string")
	b.fill(`dialog [aria-label="Variant 1 name"]`, "blue")
	b.fill(`dialog [aria-label="Variant 1 value"]`, "#0055ff")
	b.fill(`dialog [aria-label="Variant 2 name"]`, "green")
	b.fill(`dialog [aria-label="Variant 2 value"]`, "#00aa55")
	b.fill(`dialog [data-field="tags"]`, "checkout, web")
	b.click(`dialog [data-field="environments.development"]`)
	b.shot("flag-create", false)
	b.click(`dialog button[type="submit"]`)
	b.wait("the name's error beside it", fmt.Sprintf(
		`document.querySelector('dialog [data-field="name"] + .field-error')?.textContent === %s`, js(sentence(want.Error))))
	if got := evalJS[string](b, "invalid", `document.querySelector('dialog [data-field="name"]').getAttribute('aria-invalid')`); got != "true" {
		t.Fatalf("the name field is not marked invalid: %q", got)
	}
	b.shot("flag-create-error", false)
	b.fill(`dialog [data-field="name"]`, "checkout-button")
	b.click(`dialog button[type="submit"]`)
	b.wait("the dialog to close and the new row", `!document.querySelector('dialog') && !!document.querySelector('.fwin .frow a[href="#/flags/checkout-button"]')`)
	f := s.flag("checkout-button")
	if f.Type != "string" || !reflect.DeepEqual(f.Variants, map[string]any{"blue": "#0055ff", "green": "#00aa55"}) ||
		!reflect.DeepEqual(f.Tags, []string{"checkout", "web"}) || f.Description != "Colour of the checkout button" ||
		!reflect.DeepEqual(f.Environments, map[string]bool{"development": true, "staging": false, "production": false}) {
		t.Fatalf("created flag %+v", f)
	}

	// Toggle in staging: one click, no question.
	sw := func(env string) string {
		return fmt.Sprintf(`.fwin button.switch[data-id="%s"][data-env="%s"]`, f.ID, env)
	}
	b.click(sw("staging"))
	b.wait("the staging switch on", fmt.Sprintf(`(e => e && e.getAttribute('aria-checked') === 'true' && !e.hasAttribute('aria-busy'))(document.querySelector(%s))`, js(sw("staging"))))
	if got := s.flag("checkout-button"); !got.Environments["staging"] || got.Environments["production"] {
		t.Fatalf("after the staging toggle: %v", got.Environments)
	}
	// Production asks first; cancelling changes nothing.
	b.click(sw("production"))
	b.wait("the confirmation", `!!document.querySelector('dialog[open] .confirm')`)
	b.shot("toggle-production-confirm", false)
	b.click(`dialog[open] .cancel`)
	b.wait("the dialog gone", `!document.querySelector('dialog')`)
	if got := s.flag("checkout-button"); got.Environments["production"] {
		t.Fatal("cancelling the confirmation switched production on")
	}
	b.click(sw("production"))
	b.click(`dialog[open] .confirm`)
	b.wait("the production switch on", fmt.Sprintf(`(e => e && e.getAttribute('aria-checked') === 'true' && !e.hasAttribute('aria-busy'))(document.querySelector(%s))`, js(sw("production"))))
	if got := s.flag("checkout-button"); !got.Environments["production"] {
		t.Fatalf("after the production toggle: %v", got.Environments)
	}
	b.eval("scroll to the top", `window.scrollTo(0, 0)`)
	b.shot("flags-list", false)

	// The flag's page: targeting in production.
	b.click(`.fwin a[href="#/flags/checkout-button"]`)
	b.wait("the flag page", `document.querySelector('h1')?.textContent === 'checkout-button' && !!document.querySelector('.add-rule')`)

	// Edit its details: a change made elsewhere meanwhile is not
	// overwritten (If-Match), the form says so; after a reload it saves.
	b.click(".edit-flag")
	b.fill(`dialog [data-field="description"]`, "Colour of the checkout button, A/B tested")
	s.Expect(200, "PUT", "/flags/checkout-button", map[string]any{"description": "Changed by a script"})
	b.click(`dialog button[type="submit"]`)
	b.wait("the conflict message", `document.querySelector('dialog .conflict')?.textContent.includes('since you opened this form')`)
	if got := s.flag("checkout-button"); got.Description != "Changed by a script" {
		t.Fatalf("the stale edit overwrote the description: %q", got.Description)
	}
	b.click(`dialog .dlg-foot button[type="button"]`) // Cancel, and discard what was typed
	b.click(`dialog[open] .confirm`)
	b.wait("the description changed elsewhere", `document.querySelector('.desc')?.textContent === 'Changed by a script'`)
	b.click(".edit-flag")
	b.fill(`dialog [data-field="description"]`, "Colour of the checkout button")
	b.click(`dialog button[type="submit"]`)
	b.wait("the saved description", `!document.querySelector('dialog') && document.querySelector('.desc')?.textContent === 'Colour of the checkout button'`)
	if got := s.flag("checkout-button"); got.Description != "Colour of the checkout button" || got.Type != "string" || len(got.Variants) != 2 {
		t.Fatalf("after editing the details: %+v", got)
	}

	base := `[data-field="targeting.production`
	b.click(".add-rule")
	b.fill(base+`.rules[0].name"]`, "staff")
	b.fill(base+`.rules[0].conditions[0].attribute"]`, "email")
	b.fill(base+`.rules[0].conditions[0].operator"]`, "matches")
	b.fill(base+`.rules[0].conditions[0].value"]`, "*@example.com")
	b.fill(base+`.rules[0].serve.variant"]`, "green")
	b.click(`fieldset` + base + `.defaultServe"] input[data-mode="rollout"]`)
	b.fill(`fieldset`+base+`.defaultServe"] input[aria-label="Weight of blue in percent"]`, "75")
	if got := b.text(`fieldset` + base + `.defaultServe"] .total`); got != "Total 100% ✓" {
		t.Fatalf("the rollout total shows %q", got)
	}
	b.fill(base+`.offVariant"]`, "blue")
	// The regular expression is invalid: the API refuses it, and its
	// message shows beside the value.
	wantTargeting := map[string]any{
		"rules": []any{map[string]any{"name": "staff",
			"conditions": []any{map[string]any{"attribute": "email", "operator": "matches", "value": "*@example.com"}},
			"serve":      map[string]any{"variant": "green"}}},
		"defaultServe": map[string]any{"rollout": map[string]any{"variants": []any{
			map[string]any{"variant": "blue", "weight": 75}, map[string]any{"variant": "green", "weight": 25}}}},
		"offVariant": "blue",
	}
	r = s.Do("PUT", "/flags/checkout-button/targeting/production", wantTargeting)
	json.Unmarshal(r.Body, &want)
	if r.Status != http.StatusBadRequest || want.Field != "targeting.production.rules[0].conditions[0].value" {
		t.Fatalf("the API took a bad regex: %d %s", r.Status, r.Body)
	}
	b.click(".save-targeting")
	b.click("dialog[open] .confirm") // production is protected: the change shows and is confirmed
	b.wait("the regex error beside the value", fmt.Sprintf(`(el => el.closest('.cond').querySelector('.field-error')?.textContent === %[2]s &&
		el.getAttribute('aria-invalid') === 'true' && document.getElementById(el.getAttribute('aria-describedby').split(' ').pop())?.textContent === %[2]s
	)(document.querySelector('%[1]s.rules[0].conditions[0].value"]'))`, base, js(sentence(want.Error))))
	b.shot("flag-targeting-error", false)
	b.fill(base+`.rules[0].conditions[0].operator"]`, "endsWith")
	b.fill(base+`.rules[0].conditions[0].value"]`, "@example.com")
	b.click(".save-targeting")
	b.click("dialog[open] .confirm") // production is protected: the change shows and is confirmed
	b.wait("the saved state", `document.querySelector('.targeting-editor [role=status]')?.textContent === 'No unsaved changes' && !document.querySelector('.field-error')`)
	got := s.flag("checkout-button")
	var targeting any
	json.Unmarshal(got.Targeting["production"], &targeting)
	wantTargeting["rules"].([]any)[0].(map[string]any)["conditions"] = []any{map[string]any{"attribute": "email", "operator": "endsWith", "value": "@example.com"}}
	if !jsonEqual(targeting, wantTargeting) {
		t.Fatalf("targeting in production:\n got %s\nwant %s", got.Targeting["production"], mustJSON(wantTargeting))
	}
	b.eval("scroll to the top", `window.scrollTo(0, 0)`)
	b.shot("flag-targeting", true)

	// Evaluate it in the console, for a staff member and for someone else.
	b.click(`.page-head a[href^="#/evaluate"]`)
	b.wait("the console", `!!document.querySelector('#eval-context')`)
	b.fill("#eval-context", `{"targetingKey": "user-42", "email": "ann@example.com"}`)
	b.click("#eval-run")
	b.wait("the staff result", `document.querySelector('#eval-variant')?.textContent === 'green' && document.querySelector('#eval-reason')?.textContent === 'TARGETING_MATCH'`)
	if v := b.text("#eval-value"); v != `"#00aa55"` {
		t.Fatalf("console value %s", v)
	}
	var ofrep struct{ Value, Variant, Reason string }
	r = s.Do("POST", "/ofrep/v1/evaluate/flags/checkout-button", map[string]any{"context": map[string]any{"targetingKey": "user-42", "email": "ann@example.com"}}, "X-Environment", "production")
	json.Unmarshal(r.Body, &ofrep)
	if r.Status != 200 || ofrep.Variant != "green" || ofrep.Reason != "TARGETING_MATCH" || ofrep.Value != "#00aa55" {
		t.Fatalf("OFREP answers %d %s", r.Status, r.Body)
	}
	b.shot("evaluate", false)
	b.fill("#eval-flag", "")
	b.fill("#eval-context", `{"targetingKey": "user-7", "plan": "beta"}`)
	b.click("#eval-run")
	b.wait("all flags evaluated", `document.querySelectorAll('#eval-result tbody tr').length === 7`)
	b.shot("evaluate-all", false)

	// The audit entry: on the flag's history and on the audit screen.
	b.route("#/flags/checkout-button?tab=history")
	b.wait("the targeting event in the history", `[...document.querySelectorAll('.event[data-action="flag.targeting"]')].some(e => e.textContent.includes('`+s.Admin.Name+`') && e.textContent.includes('production'))`)
	b.shot("flag-history", false)
	var page struct {
		Events []struct {
			Action      string
			Environment string
			Actor       struct{ Name string }
			After       json.RawMessage
		}
	}
	s.Expect(200, "GET", "/flags/checkout-button/history", nil).JSON(t, &page)
	if len(page.Events) == 0 || page.Events[0].Action != "flag.targeting" || page.Events[0].Actor.Name != s.Admin.Name || page.Events[0].Environment != "production" {
		t.Fatalf("history through the API: %+v", page.Events)
	}
	b.route("#/audit")
	b.wait("the audit trail", `document.querySelectorAll('.event[data-action]').length >= 10`)
	b.shot("audit", false)

	// Segments: create one through the editor.
	b.route("#/segments")
	b.click("#new-segment")
	b.fill(`[data-field="name"]`, "staff")
	b.fill(`[data-field="description"]`, "Our own people")
	b.click(`input[name="match"][value="any"]`)
	b.click(".add-condition")
	b.fill(`[data-field="conditions[0].attribute"]`, "email")
	b.fill(`[data-field="conditions[0].operator"]`, "endsWith")
	b.fill(`[data-field="conditions[0].value"]`, "@example.com")
	b.shot("segment-edit", false)
	b.click(`form button[type="submit"]`)
	b.wait("the segments list", `location.hash === '#/segments' && !!document.querySelector('a[href="#/segments/staff"]')`)
	var sg struct {
		Match      string
		Conditions []map[string]any
	}
	s.Expect(200, "GET", "/segments/staff", nil).JSON(t, &sg)
	if sg.Match != "any" || len(sg.Conditions) != 1 || sg.Conditions[0]["value"] != "@example.com" {
		t.Fatalf("segment %+v", sg)
	}
	b.shot("segments", false)

	// Environments: add one.
	b.route("#/environments")
	b.fill(`form [data-field="name"]`, "qa")
	b.click(`form button[type="submit"]`)
	b.wait("the new environment", `[...document.querySelectorAll('td .name')].some(e => e.textContent === 'qa')`)
	s.Expect(200, "GET", "/flags/checkout-button", nil).JSON(t, &f)
	if _, ok := f.Environments["qa"]; !ok {
		t.Fatalf("qa is not an environment of the flags: %v", f.Environments)
	}
	b.shot("environments", false)

	// Tokens: the secret is shown once, and works.
	b.route("#/tokens")
	b.fill(`form [data-field="name"]`, "dashboard")
	b.fill(`form [data-field="role"]`, "viewer")
	b.click(`form button[type="submit"]`)
	b.wait("the secret", `document.querySelector('#new-secret')?.value.startsWith('ffa_')`)
	secret := evalJS[string](b, "secret", `document.querySelector('#new-secret').value`)
	if r := s.As(secret).Do("GET", "/flags", nil); r.Status != 200 {
		t.Fatalf("the secret shown does not work: %d %s", r.Status, r.Body)
	}
	if r := s.As(secret).Do("POST", "/flags", map[string]any{"name": "x"}); r.Status != http.StatusForbidden {
		t.Fatalf("the new viewer token may write: %d", r.Status)
	}
	b.wait("the token in the list", `[...document.querySelectorAll('td .name')].some(e => e.textContent === 'dashboard')`)
	b.shot("tokens", false)

	// Dark mode and 375 px, on the list and the flag's page.
	b.route("#/flags")
	b.wait("the list", `document.querySelectorAll('.fwin .frow').length === 7`)
	b.colorScheme("dark")
	b.shot("dark-flags-list", false)
	b.route("#/flags/search-v2")
	b.wait("the flag page", `!!document.querySelector('.targeting-editor')`)
	b.shot("dark-flag-targeting", false)
	b.colorScheme("")
	b.viewport(375, 812)
	b.route("#/flags")
	b.wait("the list", `document.querySelectorAll('.fwin .frow').length === 7`)
	b.shot("mobile-375-flags-list", false)
	checkFits(t, b)
	b.route("#/flags/checkout-button")
	b.wait("the flag page", `!!document.querySelector('.targeting-editor')`)
	b.shot("mobile-375-flag", true)
	checkFits(t, b)
	b.viewport(1280, 860)

	// Archive the flag (the UI's removal), then delete it from its
	// archived page: it is on in production, so its name must be typed.
	b.route("#/flags/checkout-button")
	b.click(".archive-flag")
	b.click(`dialog[open] .confirm`)
	b.wait("the list without the flag", `location.hash === '#/flags' && !document.querySelector('.fwin a[href="#/flags/checkout-button"]') && document.querySelectorAll('.fwin .frow').length === 6`)
	var archived struct {
		ArchivedAt string `json:"archivedAt"`
	}
	s.Expect(http.StatusOK, "GET", "/flags/checkout-button", nil).JSON(t, &archived)
	if archived.ArchivedAt == "" {
		t.Fatal("the flag the UI removed is not archived")
	}
	b.route("#/flags/checkout-button")
	b.click(".delete-flag")
	b.wait("the confirmation", `document.querySelector('dialog[open] .confirm')?.disabled === true`)
	b.typeInto(`dialog[open] input`, "checkout-button")
	b.click(`dialog[open] .confirm`)
	b.wait("the archived list", `location.hash === '#/flags?archived=1'`)
	if r := s.Do("GET", "/flags/checkout-button", nil); r.Status != http.StatusNotFound {
		t.Fatalf("the deleted flag answers %d", r.Status)
	}
}

// checkFits fails when the page is wider than the viewport (no sideways
// scrolling at 375 px).
func checkFits(t *testing.T, b *browser) {
	t.Helper()
	if w := evalJS[int](b, "page width", `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
		t.Fatalf("the page is %d px wider than the %d px viewport", w, evalJS[int](b, "width", `window.innerWidth`))
	}
}

// TestRefusedToggle: when the server refuses a toggle (here: the write
// rate limit), the switch goes back and the server's message shows.
func TestRefusedToggle(t *testing.T) {
	s := newServer(t, testenv.WithAuth(), testenv.WithConfig(func(c *server.Config) { c.WriteRate, c.WriteBurst = 0.0001, 1 }))
	editor := s.NewToken(ff.RoleEditor, "", "ann")
	if _, err := s.Svc.CreateFlag(t.Context(), service.FlagInput{Name: "limited", Description: "Toggled too often"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s)
	b.signIn(editor)
	sw := `.fwin button.switch[data-env="staging"]`
	// The first toggle by keyboard: focus the switch, press Space.
	b.wait("the switch", fmt.Sprintf(`!!document.querySelector(%s)`, js(sw)))
	b.eval("focus the switch", fmt.Sprintf(`document.querySelector(%s).focus()`, js(sw)))
	b.do("press space", chromedp.KeyEvent(" "))
	b.wait("the first toggle", fmt.Sprintf(`(e => e.getAttribute('aria-checked') === 'true' && !e.hasAttribute('aria-busy'))(document.querySelector(%s))`, js(sw)))
	if !s.flag("limited").Environments["staging"] {
		t.Fatal("the first toggle did not reach the server")
	}
	if !evalJS[bool](b, "focus", fmt.Sprintf(`document.activeElement === document.querySelector(%s)`, js(sw))) {
		t.Fatal("the switch lost the keyboard focus when its row was re-rendered")
	}
	b.click(sw)
	b.wait("the refusal", `[...document.querySelectorAll('.toast.error[role=alert]')].some(e => e.textContent.includes('Too many changes'))`)
	b.wait("the switch restored", fmt.Sprintf(`(e => e.getAttribute('aria-checked') === 'true' && !e.hasAttribute('aria-busy') && e.textContent === 'On')(document.querySelector(%s))`, js(sw)))
	if !s.flag("limited").Environments["staging"] {
		t.Fatal("the refused toggle changed the flag")
	}
	b.shot("refused-toggle", false)
}

// TestLiveUpdates: changes made through the API appear without a reload,
// over the event stream when the server has one (GET /events), and by
// polling when it answers 404.
func TestLiveUpdates(t *testing.T) {
	t.Run("as served", func(t *testing.T) { testLive(t, newServer(t), "") })
	t.Run("polling", func(t *testing.T) { testLive(t, newServer(t, withoutEvents()), "poll") })
}

func testLive(t *testing.T, s *testServer, wantMode string) {
	b := newBrowser(t, s)
	b.open("#/flags")
	b.wait("the empty list", `document.querySelector('#flag-count')?.textContent === '0 flags'`)
	b.wait("live updates", `['stream', 'poll'].includes(document.querySelector('#live')?.dataset.mode)`)
	mode := evalJS[string](b, "mode", `document.querySelector('#live').dataset.mode`)
	t.Logf("live updates by %s", mode)
	if wantMode != "" && mode != wantMode {
		t.Fatalf("live updates by %s, want %s", mode, wantMode)
	}

	var f flag
	s.Expect(201, "POST", "/flags", map[string]any{"name": "made-elsewhere"}).JSON(t, &f)
	b.wait("the new flag", `!!document.querySelector('.fwin a[href="#/flags/made-elsewhere"]')`)
	s.Expect(200, "POST", "/flags/made-elsewhere/toggle", map[string]any{"environment": "staging"})
	b.wait("the toggle", fmt.Sprintf(`document.querySelector('.fwin button.switch[data-id="%s"][data-env="staging"]')?.getAttribute('aria-checked') === 'true'`, f.ID))

	// On the flag's page too.
	b.route("#/flags/made-elsewhere")
	b.wait("the flag page", `!!document.querySelector('.envcard')`)
	s.Expect(200, "PUT", "/flags/made-elsewhere", map[string]any{"description": "Changed by a script"})
	b.wait("the new description", `document.querySelector('.desc')?.textContent === 'Changed by a script'`)
	s.Expect(204, "DELETE", "/flags/made-elsewhere", nil)
	b.wait("the deletion notice", `document.querySelector('.banner-error')?.textContent.includes('was deleted')`)
}

// TestManyFlags: with 10,000 flags the list renders only what is on the
// screen (virtualized), finds one by search and reaches the last by
// scrolling; a viewer gets no edit controls.
func TestManyFlags(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	importFlags(t, s, 10000)
	viewer := s.NewToken(ff.RoleViewer, "", "vera")
	b := newBrowser(t, s)
	b.signIn(viewer)
	b.wait("the count", `document.querySelector('#flag-count')?.textContent === '10,000 flags'`)
	b.wait("the first rows", `!!document.querySelector('.fwin a[href="#/flags/flag-00000"]')`)
	if n := b.count(".fwin .frow"); n == 0 || n > 100 {
		t.Fatalf("%d rows in the DOM for 10,000 flags; want the visible ones only", n)
	}
	// A viewer sees states, not switches, and no way to create.
	if n := b.count("button.switch, #new-flag"); n != 0 {
		t.Fatalf("a viewer sees %d edit controls", n)
	}
	if n := b.count(".fwin .state"); n == 0 {
		t.Fatal("a viewer sees no states")
	}
	b.shot("many-flags", false)

	// A flag's page, for a viewer: the targeting in words, no controls.
	b.route("#/flags/flag-00003")
	b.wait("the flag page", `!!document.querySelector('.envcard') && !!document.querySelector('[role=tabpanel] .card')`)
	if n := b.count("button.switch, .edit-flag, .delete-flag, .targeting-editor, .add-rule"); n != 0 {
		t.Fatalf("a viewer sees %d edit controls on a flag's page", n)
	}
	b.shot("viewer-flag", false)
	b.route("#/flags")
	b.wait("the list again", `!!document.querySelector('.fwin a[href="#/flags/flag-00000"]')`)

	// Search as you type.
	b.typeInto("#flag-search", "flag-09999")
	b.wait("one match", `document.querySelector('#flag-count')?.textContent === '1 of 10,000 flags match' && document.querySelectorAll('.fwin .frow').length === 1`)
	// Filters: on in production and tagged mobile (i%5==0 and i%3==2).
	b.fill("#flag-search", "")
	b.fill("#flt-state", "on")
	b.fill("#flt-env", "production")
	b.fill("#flt-tag", "mobile")
	b.wait("the filtered count", `document.querySelector('#flag-count')?.textContent === '667 of 10,000 flags match'`)
	b.click("#clear-filters")
	b.wait("all again", `document.querySelector('#flag-count')?.textContent === '10,000 flags'`)

	// Scrolling to the end renders the last rows, still only a few.
	b.eval("scroll to the end", `window.scrollTo(0, document.documentElement.scrollHeight)`)
	b.wait("the last flag", `!!document.querySelector('.fwin a[href="#/flags/flag-09999"]')`)
	if n := b.count(".fwin .frow"); n > 100 {
		t.Fatalf("%d rows in the DOM after scrolling", n)
	}
	// The keyboard moves between rows.
	b.eval("scroll to the top", `window.scrollTo(0, 0)`)
	b.wait("the first row", `!!document.querySelector('.fwin a[href="#/flags/flag-00000"]')`)
	b.eval("focus the first flag", `document.querySelector('.fwin a[href="#/flags/flag-00000"]').focus()`)
	b.do("arrow down", chromedp.KeyEvent(kb.ArrowDown))
	b.wait("focus on the second flag", `document.activeElement?.getAttribute('href') === '#/flags/flag-00001'`)
}

func jsonEqual(a, b any) bool {
	return mustJSON(a) == mustJSON(b)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	var x any
	json.Unmarshal(b, &x)
	b, _ = json.Marshal(x)
	return string(b)
}
