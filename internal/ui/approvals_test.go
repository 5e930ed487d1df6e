package ui_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// rolloutWeight is the weight of variant "on" in the default rollout of a
// flag's targeting in env.
func (s *testServer) rolloutWeight(name, env string) float64 {
	s.t.Helper()
	var t ff.Targeting
	json.Unmarshal(s.flag(name).Targeting[env], &t)
	if t.DefaultServe == nil || t.DefaultServe.Rollout == nil {
		s.t.Fatalf("%s has no rollout in %s", name, env)
	}
	return t.DefaultServe.Rollout.Variants[0].Weight
}

// TestProtectedRollout: in production, protected by default, moving a
// rollout from 90 % to 95 % asks first and shows 90 → 95; cancelling
// changes nothing, confirming saves.
func TestProtectedRollout(t *testing.T) {
	s := newServer(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "ramp", "targeting": map[string]any{"production": map[string]any{
		"defaultServe": map[string]any{"rollout": map[string]any{"variants": []any{
			map[string]any{"variant": "on", "weight": 90}, map[string]any{"variant": "off", "weight": 10}}}}}}})
	b := newBrowser(t, s)
	b.open("#/flags/ramp?env=production")
	weight := `fieldset[data-field="targeting.production.defaultServe"] input[aria-label="Weight of on in percent"]`
	b.wait("the rollout", fmt.Sprintf(`document.querySelector(%s)?.value === '90'`, js(weight)))
	b.fill(weight, "95")
	b.click(".save-targeting")
	b.wait("the confirmation with the change", `[...document.querySelectorAll('dialog[open] .diff li')].some(li => li.textContent.endsWith('variants[0].weight: 90 → 95'))`)
	b.shot("protected-rollout-confirm", false)
	b.click(`dialog[open] .cancel`)
	b.wait("the dialog closed", `!document.querySelector('dialog[open]')`)
	if w := s.rolloutWeight("ramp", "production"); w != 90 {
		t.Fatalf("cancelled, the weight is %v", w)
	}
	b.click(".save-targeting")
	b.wait("the confirmation again", `!!document.querySelector('dialog[open] .confirm')`)
	b.click(`dialog[open] .confirm`)
	b.wait("the saved state", `document.querySelector('.targeting-editor [role=status]')?.textContent === 'No unsaved changes'`)
	if w := s.rolloutWeight("ramp", "production"); w != 95 {
		t.Fatalf("confirmed, the weight is %v", w)
	}
	// Staging is not protected: its changes do not ask.
	b.open("#/flags/ramp?env=staging")
	b.wait("the flags list", `!!document.querySelector('.add-rule')`)
	b.open("#/flags")
	b.click(`.fwin button.switch[data-env="staging"]`)
	b.wait("the staging switch on", `document.querySelector('.fwin button.switch[data-env="staging"]')?.getAttribute('aria-checked') === 'true' && !document.querySelector('dialog[open]')`)

	// The settings, on the environments page.
	b.route("#/environments")
	row := `tr[data-env="staging"] `
	b.wait("the settings", fmt.Sprintf(`document.querySelector(%s)?.checked === false`, js(row+".set-protected")))
	b.click(row + ".set-protected")
	b.fill(row+".set-approvals", "2")
	b.click(row + ".save-settings")
	b.wait("saved", `[...document.querySelectorAll('.toast')].some(e => e.textContent.includes('Saved the settings of staging.'))`)
	b.shot("environment-settings", false)
	var envs []ff.Environment
	s.Expect(http.StatusOK, "GET", "/environments", nil).JSON(t, &envs)
	if e := envs[1]; e.Name != "staging" || !e.Protected || e.RequireApproval != 2 || e.ApprovalAdminsBypass {
		t.Fatalf("staging after saving its settings: %+v", e)
	}
}

// TestApprovalsTwoUsers: alice's production toggle is held for approval;
// bob, in another browser, sees the request with its diff on the Requests page, approves it
// with a comment and applies it.
func TestApprovalsTwoUsers(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "launch"})
	s.Expect(http.StatusOK, "PATCH", "/environments/production", map[string]any{"requireApproval": 1})
	alice, bob := s.NewToken(ff.RoleEditor, "", "alice"), s.NewToken(ff.RoleEditor, "", "bob")

	b := newBrowser(t, s)
	b.signIn(alice)
	sw := `.fwin button.switch[data-env="production"]`
	b.click(sw)
	b.wait("the confirmation", `[...document.querySelectorAll('dialog[open] .diff li')].some(li => li.textContent === 'environments.production: false → true')`)
	b.click(`dialog[open] .confirm`)
	b.wait("the request message", `[...document.querySelectorAll('.toast')].some(e => e.textContent.includes('needs 1 approval'))`)
	b.wait("the switch still off", fmt.Sprintf(`document.querySelector(%s)?.getAttribute('aria-checked') === 'false' && !document.querySelector(%[1]s).hasAttribute('aria-busy')`, js(sw)))
	if s.flag("launch").Environments["production"] {
		t.Fatal("a held toggle switched production on")
	}
	b.open("#/requests")
	b.wait("alice's request", `!!document.querySelector('article.request[data-status="open"]')`)
	b.wait("apply waiting for an approval", `document.querySelector('article.request .apply')?.disabled === true`)
	b.click(`article.request .approve`)
	b.wait("the refusal", `[...document.querySelectorAll('.toast.error')].some(e => e.textContent.includes('someone else must approve'))`)

	// Bob, in a browser of his own.
	b = newBrowser(t, s)
	b.signIn(bob)
	b.route("#/requests")
	b.wait("the request with its diff", `[...document.querySelectorAll('article.request .diff li')].some(li => li.textContent === 'environments.production: false → true')`)
	b.shot("requests", false)
	b.fill(`article.request .review-comment`, "Fine for the launch")
	b.click(`article.request .approve`)
	b.wait("the approval", `[...document.querySelectorAll('article.request .reviews li')].some(li => li.textContent === 'Approved by bob: Fine for the launch')`)
	b.click(`article.request .apply`)
	b.wait("no open request left", `!!document.querySelector('.requests .empty')`)
	if !s.flag("launch").Environments["production"] {
		t.Fatal("the applied request did not switch production on")
	}
}
