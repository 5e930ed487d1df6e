package main

import (
	"strings"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
)

// targeting set --default-variant and --off-variant choose what an
// environment serves without a matching rule and while off.
func TestCLIDefaultVariant(t *testing.T) {
	s := testenv.Start(t, testenv.WithAuth())
	cli := func(code int, args ...string) result {
		t.Helper()
		return api(t, s.URL(), s.Token, code, "", args...)
	}
	s.Expect(201, "POST", "/flags", map[string]any{"name": "color", "type": "string", "variants": map[string]any{"red": "#f00", "blue": "#00f"}})
	if tg := flagOf(t, s, "color").Targeting["production"]; tg == nil || tg.DefaultServe.Variant != "blue" || tg.OffVariant != "blue" {
		t.Fatalf("created with %+v, want blue shown as the default", tg)
	}
	cli(0, "targeting", "set", "color", "production", "--default-variant", "red", "--off-variant", "red")
	if tg := flagOf(t, s, "color").Targeting["production"]; tg.DefaultServe.Variant != "red" || tg.OffVariant != "red" {
		t.Errorf("after targeting set: %+v, want red", tg)
	}
	r := cli(1, "targeting", "set", "color", "production", "--default-variant", "purple") // 1: refused by the server
	if !strings.Contains(string(r.stderr), "targeting.production.defaultServe.variant") {
		t.Errorf("unknown variant: stderr %q does not name the field", r.stderr)
	}
}
