package ui_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestEditPrerequisites: the targeting editor adds a prerequisite (a flag
// and the variants it must serve), saves it with the rest of the
// targeting, shows it to the flag's page again, and places the refusal of
// a cycle next to the prerequisites.
func TestEditPrerequisites(t *testing.T) {
	s := newServer(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "base", "environments": map[string]bool{"production": true}})
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "checkout", "environments": map[string]bool{"production": true},
		"targeting": map[string]any{"production": map[string]any{"offVariant": "off"}}})
	b := newBrowser(t, s)
	b.open("#/flags/checkout?env=production")
	b.click(".add-prereq")
	b.fill(`[data-field="targeting.production.prerequisites[0].flag"]`, "base")
	b.click(`[data-field="targeting.production.prerequisites[0].variants"] input[value="on"]`)
	b.shot("prerequisites-edit", true)
	b.click(".save-targeting")
	b.click("dialog[open]:has(.protected-confirm) .confirm") // production is protected: the change shows and is confirmed
	b.wait("the save", `document.querySelector('.targeting-editor [role=status]')?.textContent === 'No unsaved changes'`)
	got := string(s.flag("checkout").Targeting["production"])
	if !strings.Contains(got, `"prerequisites":[{"flag":"base","variants":["on"]}]`) || !strings.Contains(got, `"offVariant":"off"`) {
		t.Fatalf("saved targeting %s", got)
	}

	b.open("#/flags/base?env=production")
	b.click(".add-prereq")
	b.fill(`[data-field="targeting.production.prerequisites[0].flag"]`, "checkout")
	b.click(`[data-field="targeting.production.prerequisites[0].variants"] input[value="on"]`)
	b.click(".save-targeting")
	b.click("dialog[open]:has(.protected-confirm) .confirm")
	b.wait("the cycle refused", `document.querySelector('.targeting-editor')?.textContent.includes('base -> checkout -> base')`)
	b.shot("prerequisites-cycle", true)
	if got := string(s.flag("base").Targeting["production"]); strings.Contains(got, "prerequisites") {
		t.Fatalf("a refused cycle was saved: %s", got)
	}
}

// TestConsoleNamesTheFailedPrerequisite: the console's explanation says
// which prerequisite was not met and what its flag served.
func TestConsoleNamesTheFailedPrerequisite(t *testing.T) {
	s := newServer(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "base"})
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "checkout", "environments": map[string]bool{"production": true},
		"targeting": map[string]any{"production": map[string]any{"prerequisites": []map[string]any{{"flag": "base", "variants": []string{"on"}}}}}})
	b := newBrowser(t, s)
	b.open("#/evaluate?env=production&flag=checkout")
	b.wait("the console", `!!document.querySelector('#eval-context')`)
	b.fill("#eval-context", `{"targetingKey": "alice"}`)
	b.click("#eval-run")
	want := "Prerequisite base was not met (it served off, not on): the off variant was served."
	b.wait("the explanation naming the prerequisite", `document.querySelector('#eval-why-summary')?.textContent === `+js(want))
	b.shot("evaluate-prerequisite", false)
}
