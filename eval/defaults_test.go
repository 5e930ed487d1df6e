package eval

import (
	"testing"

	"github.com/featureflags/featureflags"
)

func TestPinDefaults(t *testing.T) {
	f := &featureflags.Flag{Name: "f", Type: featureflags.TypeString, Variants: map[string]any{"red": "r", "blue": "b", "green": "g"},
		Targeting: map[string]*featureflags.Targeting{"production": {DefaultServe: &featureflags.Serve{Variant: "red"}},
			"staging": {Rules: []featureflags.Rule{{Serve: featureflags.Serve{Variant: "green"}}}}}}
	envs := []string{"production", "staging", "development"}
	served := func(s *Snapshot, env string) string { return s.Evaluate(env, "f", nil).Variant }
	before := Compile([]*featureflags.Flag{f}, nil, envs, 1)
	PinDefaults(f, envs)
	for env, want := range map[string][2]string{"production": {"red", "blue"}, "staging": {"blue", "blue"}, "development": {"blue", "blue"}} {
		tg := f.Targeting[env]
		if tg == nil || tg.DefaultServe == nil || tg.DefaultServe.Variant != want[0] || tg.OffVariant != want[1] {
			t.Fatalf("%s: %+v, want default %s, off %s", env, tg, want[0], want[1])
		}
	}
	if len(f.Targeting["staging"].Rules) != 1 {
		t.Fatal("rules lost")
	}
	after := Compile([]*featureflags.Flag{f}, nil, envs, 2)
	for _, env := range envs {
		if served(before, env) != served(after, env) {
			t.Errorf("%s: pinning changed what is served: %s, then %s", env, served(before, env), served(after, env))
		}
	}
	// A variant that sorts first no longer takes over.
	f.Variants["aqua"] = "a"
	if got := served(Compile([]*featureflags.Flag{f}, nil, envs, 3), "development"); got != "blue" {
		t.Errorf("after adding aqua, development serves %s, want blue", got)
	}
	b := &featureflags.Flag{Name: "b", Type: featureflags.TypeBoolean}
	PinDefaults(b, envs)
	if b.Targeting != nil {
		t.Errorf("boolean flag pinned: %+v", b.Targeting)
	}
}
