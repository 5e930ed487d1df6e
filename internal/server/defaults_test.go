package server_test

import (
	"net/http"
	"testing"

	ff "github.com/featureflags/featureflags"
)

func flagNamed(t *testing.T, s *ofrepServer, name string) ff.Flag {
	t.Helper()
	var f ff.Flag
	s.Expect(http.StatusOK, "GET", "/flags/"+name, nil).JSON(t, &f)
	return f
}

// A flag with variants shows, in every environment, the variant it serves
// without a matching rule and while off, stored with it: editable like any
// targeting, and no longer the one whose name happens to sort first.
func TestDefaultVariantIsExplicit(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "color", "type": "string", "variants": map[string]any{"red": "#f00", "blue": "#00f"},
		"environments": map[string]bool{"production": true}})
	s.createFlag(map[string]any{"name": "plain"})
	f := flagNamed(t, s, "color")
	for _, env := range []string{"development", "staging", "production"} {
		tg := f.Targeting[env]
		if tg == nil || tg.DefaultServe == nil || tg.DefaultServe.Variant != "blue" || tg.OffVariant != "blue" {
			t.Fatalf("%s: targeting %+v, want defaultServe and offVariant blue", env, tg)
		}
	}
	if f := flagNamed(t, s, "plain"); f.Targeting != nil {
		t.Errorf("a boolean flag got targeting %+v", f.Targeting)
	}

	s.Expect(http.StatusOK, "PUT", "/flags/color", map[string]any{"variants": map[string]any{"red": "#f00", "blue": "#00f", "aqua": "#0ff"}})
	if got := s.evaluate(http.StatusOK, "color", map[string]any{}); got["variant"] != "blue" {
		t.Errorf("after adding aqua: serves %v, want blue still", got["variant"])
	}
	s.Expect(http.StatusOK, "PUT", "/flags/color/targeting/production", map[string]any{"defaultServe": map[string]any{"variant": "red"}})
	if got := s.evaluate(http.StatusOK, "color", map[string]any{}); got["variant"] != "red" || got["reason"] != "STATIC" {
		t.Errorf("after choosing red: %v", got)
	}
	version := flagNamed(t, s, "color").Version
	r := s.Expect(http.StatusBadRequest, "PUT", "/flags/color/targeting/production", map[string]any{"defaultServe": map[string]any{"variant": "purple"}})
	if m := object(t, r); m["field"] != "targeting.production.defaultServe.variant" {
		t.Errorf("unknown default variant: %v", m)
	}
	if f := flagNamed(t, s, "color"); f.Version != version || f.Targeting["production"].DefaultServe.Variant != "red" {
		t.Errorf("a refused write changed the flag: version %d, %+v", f.Version, f.Targeting["production"])
	}
	// Removing an environment's targeting serves the first variant again,
	// shown as such.
	s.Expect(http.StatusOK, "DELETE", "/flags/color/targeting/production", nil)
	if tg := flagNamed(t, s, "color").Targeting["production"]; tg == nil || tg.DefaultServe.Variant != "aqua" {
		t.Errorf("after removing the targeting: %+v, want aqua shown", tg)
	}
}
