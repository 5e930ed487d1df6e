package ui_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestVariantsEditedOnFlagPage: long values are folded whole with a way to
// unfold them; object values are edited in a JSON editor that refuses
// invalid JSON as it is typed, saying where, and saves valid JSON.
func TestVariantsEditedOnFlagPage(t *testing.T) {
	s := newServer(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{
		"name": "layout", "type": "object",
		"variants": map[string]any{
			"compact": map[string]any{"columns": 1},
			"wide":    map[string]any{"columns": 3, "sidebar": true, "banner": "Welcome back to the newly redesigned dashboard", "widgets": []any{"news", "stats", "tasks"}},
		},
	})
	b := newBrowser(t, s)
	b.open("#/flags/layout")
	b.wait("the variants", `document.querySelectorAll('.variants-card .vvalue').length === 2`)
	if n := b.count(".variants-card .vvalue.folded"); n != 1 {
		t.Fatalf("%d folded values, want 1 (wide)", n)
	}
	b.click(".variants-card .vmore")
	b.wait("the whole value", `!document.querySelector('.variants-card .vvalue.folded') && document.querySelector('.variants-card .vmore').getAttribute('aria-expanded') === 'true'`)
	if got := b.text(".variants-card dd:nth-of-type(2) .vvalue"); !strings.Contains(got, `"Welcome back to the newly redesigned dashboard"`) {
		t.Fatalf("the unfolded value %q lacks the whole banner", got)
	}

	b.click(".edit-variants")
	b.wait("the JSON editors", `document.querySelectorAll('.json-editor').length === 2`)
	b.fill(`.json-editor[aria-label="Variant 1 value (JSON)"]`, "{\n  \"columns\": 2,\n  \"dense\" true\n}")
	b.wait("the JSON error", `document.querySelector('.json-error:not([hidden])')?.textContent.includes('line 3')`)
	if !evalJS[bool](b, "save disabled", `document.querySelector('.save-variants').disabled`) {
		t.Fatal("Save is enabled with invalid JSON")
	}
	b.shot("flag-variants-json-error", false)
	b.fill(`.json-editor[aria-label="Variant 1 value (JSON)"]`, "{\n  \"columns\": 2,\n  \"dense\": true\n}")
	b.wait("no error", `!document.querySelector('.json-error:not([hidden])') && !document.querySelector('.save-variants').disabled`)
	b.click(".save-variants")
	b.wait("the saved variants", `!document.querySelector('.variants-editor') && document.querySelector('.variants-card .vvalue').textContent.includes('"dense": true')`)
	f := s.flag("layout")
	if c, _ := f.Variants["compact"].(map[string]any); c["dense"] != true || c["columns"] != float64(2) {
		t.Fatalf("saved compact = %v", f.Variants["compact"])
	}
	if w, _ := f.Variants["wide"].(map[string]any); w["sidebar"] != true {
		t.Fatalf("wide changed: %v", f.Variants["wide"])
	}
}
