package importer

import (
	"encoding/json"
	"os"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// tally counts third-party cases: how many the import could express and how
// many of those our engine answers as the source system does.
type tally struct{ total, expressible, match int }

func (c *tally) report(t *testing.T, source string) {
	t.Helper()
	t.Logf("%s: %d cases, %d expressible, %d of them match", source, c.total, c.expressible, c.match)
	if c.match != c.expressible {
		t.Errorf("%d expressible cases answer differently", c.expressible-c.match)
	}
}

func readFixture(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// compile compiles an import as the server would serve it.
func compile(t *testing.T, d *ff.Dataset) *eval.Snapshot {
	t.Helper()
	envs := make([]string, len(d.Environments))
	for i, e := range d.Environments {
		envs[i] = e.Name
	}
	return eval.Compile(d.Flags, d.Segments, envs, 1)
}

// imports fails the test on an import error and compiles the result.
func imports(t *testing.T) func(*Result, error) (*Result, *eval.Snapshot) {
	return func(r *Result, err error) (*Result, *eval.Snapshot) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r, compile(t, r.Dataset)
	}
}

// imported reports whether flag was imported exactly.
func imported(r *Result, flag string) bool {
	for _, p := range r.Problems {
		if p.Flag == flag {
			return false
		}
	}
	return true
}

// TestFlagdTestbedFractional evaluates flagd-testbed's fractional cases
// (testdata/flagd-fractional.json names the source and commit) on the
// imported flags: every case the import can express must give flagd's
// variant, so users keep their bucket.
func TestFlagdTestbedFractional(t *testing.T) {
	var fx struct {
		Flags map[string]any `json:"flags"`
		Cases []struct {
			Flag     string       `json:"flag"`
			Context  eval.Context `json:"context"`
			Expected string       `json:"expected"`
		} `json:"cases"`
	}
	readFixture(t, "flagd-fractional.json", &fx)
	src, _ := json.Marshal(map[string]any{"flags": fx.Flags})
	r, snap := imports(t)(Flagd(src, "production"))
	var c tally
	for _, tc := range fx.Cases {
		c.total++
		if !imported(r, tc.Flag) {
			continue
		}
		c.expressible++
		res := snap.Evaluate("production", tc.Flag, tc.Context)
		if res.Value == tc.Expected {
			c.match++
		} else {
			t.Errorf("%s %v: got %v (%s %s), flagd gives %s", tc.Flag, tc.Context, res.Value, res.Reason, res.ErrorDetails, tc.Expected)
		}
	}
	c.report(t, "flagd-testbed fractional")
	if c.expressible < 21 {
		t.Errorf("only %d cases expressible; the fixed-weight splits alone are 21", c.expressible)
	}
	for _, p := range r.Problems {
		t.Logf("not expressible: %s: %s", p.Flag, p.Reason)
	}
}

// unleashContext maps an Unleash context as the importer maps attributes:
// userId is the targeting key, properties are top-level.
func unleashContext(uc map[string]any) eval.Context {
	ctx := eval.Context{}
	for k, v := range uc {
		if props, ok := v.(map[string]any); ok && k == "properties" {
			for pk, pv := range props {
				ctx[pk] = pv
			}
			continue
		}
		ctx[attribute(k)] = v
	}
	return ctx
}

// TestUnleashClientSpecification evaluates Unleash client-specification's
// rollout and variant cases (testdata/unleash-spec.json names the source
// and commit) on the imported features: every case the import can express
// must give Unleash's answer, enabled or not and which variant.
func TestUnleashClientSpecification(t *testing.T) {
	var fx struct {
		Features json.RawMessage `json:"features"`
		Cases    []struct {
			File    string         `json:"file"`
			Flag    string         `json:"flag"`
			Context map[string]any `json:"context"`
			Enabled bool           `json:"enabled"`
			Variant string         `json:"variant"`
		} `json:"cases"`
	}
	readFixture(t, "unleash-spec.json", &fx)
	r, snap := imports(t)(Unleash([]byte(`{"features":`+string(fx.Features)+`}`), "production"))
	var c tally
	for _, tc := range fx.Cases {
		c.total++
		if !imported(r, tc.Flag) || !known(snap, tc.Flag) {
			continue
		}
		c.expressible++
		res := snap.Evaluate("production", tc.Flag, unleashContext(tc.Context))
		want := any(tc.Enabled)
		if tc.Variant != "" {
			want = tc.Variant
		}
		got := res.Value
		if res.Type == ff.TypeBoolean {
			// A feature without variants: Unleash's variant is always
			// "disabled"; what it decides is whether it is enabled.
			want = tc.Enabled
		} else if tc.Variant != "" {
			got = res.Variant
		}
		if got == want {
			c.match++
		} else {
			t.Errorf("%s %s %v: got %v (%s %s), Unleash gives %v", tc.File, tc.Flag, tc.Context, got, res.Reason, res.ErrorDetails, want)
		}
	}
	c.report(t, "Unleash client-specification")
	for _, p := range r.Problems {
		t.Logf("problem: %s: %s", p.Flag, p.Reason)
	}
}

func known(s *eval.Snapshot, flag string) bool {
	_, ok := s.Lookup("production", flag)
	return ok
}
