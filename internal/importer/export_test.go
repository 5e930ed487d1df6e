package importer

import (
	"encoding/json"
	"strconv"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// TestExportFlagdKeepsBuckets: a native flag exported to flagd and read
// back (as flagd would evaluate it) gives every user the same variant, and
// so do the flagd-testbed flags after import, export and import again.
func TestExportFlagdKeepsBuckets(t *testing.T) {
	native := &ff.Flag{ID: "65f0c0ffee0123456789abcd", Name: "checkout", Type: ff.TypeString, Version: 1,
		Variants:     map[string]any{"a": "A", "b": "B", "c": "C"},
		Environments: map[string]bool{"production": true},
		Targeting: map[string]*ff.Targeting{"production": {
			Rules:        []ff.Rule{{Conditions: []ff.Condition{{Attribute: "country", Operator: "in", Value: []any{"NL", "BE"}}}, Serve: ff.Serve{Variant: "c"}}},
			DefaultServe: &ff.Serve{Rollout: &ff.Rollout{Variants: []ff.WeightedVariant{{Variant: "a", Weight: 33.333}, {Variant: "b", Weight: 33.333}, {Variant: "c", Weight: 33.334}}}},
		}}}
	d := &ff.Dataset{Environments: []*ff.Environment{{Name: "production"}}, Flags: []*ff.Flag{native}}
	out, problems, err := ExportFlagd(d, "production")
	if err != nil || len(problems) != 0 {
		t.Fatalf("export: %v %+v", err, problems)
	}
	back, err := Flagd(out, "production")
	if err != nil || len(back.Problems) != 0 {
		t.Fatalf("import of the export: %v %+v\n%s", err, back.Problems, out)
	}
	before, after := compile(t, d), compile(t, back.Dataset)
	counts := map[any]int{}
	for i := range 3000 {
		ctx := eval.Context{"targetingKey": "user-" + strconv.Itoa(i)}
		if i%10 == 0 {
			ctx["country"] = "NL"
		}
		x, y := before.Evaluate("production", "checkout", ctx), after.Evaluate("production", "checkout", ctx)
		if x.Value != y.Value {
			t.Fatalf("user %d: native %v, through flagd %v", i, x.Value, y.Value)
		}
		counts[x.Value]++
	}
	if len(counts) != 3 {
		t.Fatalf("the split served %v", counts)
	}
}

func TestExportFlagdReportsWhatItCannot(t *testing.T) {
	f := &ff.Flag{ID: "x", Name: "regex", Type: ff.TypeBoolean, Environments: map[string]bool{"production": true},
		Targeting: map[string]*ff.Targeting{"production": {Rules: []ff.Rule{{Conditions: []ff.Condition{{Attribute: "email", Operator: "matches", Value: ".*"}}, Serve: ff.Serve{Variant: "on"}}}}}}
	out, problems, err := ExportFlagd(&ff.Dataset{Flags: []*ff.Flag{f}}, "production")
	if err != nil || len(problems) != 1 || problems[0].Flag != "regex" {
		t.Fatalf("problems %+v, err %v", problems, err)
	}
	var parsed struct{ Flags map[string]any }
	if err := json.Unmarshal(out, &parsed); err != nil || len(parsed.Flags) != 0 {
		t.Fatalf("exported %s", out)
	}
}
