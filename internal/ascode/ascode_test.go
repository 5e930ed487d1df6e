package ascode

import (
	"errors"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/schema"
)

func TestParseExample(t *testing.T) {
	d, _, err := Parse("example.yaml", schema.Example)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Environments) != 3 || len(d.Segments) != 1 || len(d.Flags) != 2 {
		t.Fatalf("parsed %d environments, %d segments, %d flags", len(d.Environments), len(d.Segments), len(d.Flags))
	}
	ro := d.Flags[1].Targeting["production"].DefaultServe.Rollout
	if ro.Scheme != ff.SchemeFlagd || ro.Seed != "checkout-button" || ro.Variants[1].Weight != 50 {
		t.Fatalf("rollout %+v", ro)
	}
	if p := d.Flags[1].Targeting["production"].Prerequisites; len(p) != 1 || p[0].Flag != "new-checkout" || p[0].Variants[0] != "on" {
		t.Fatalf("prerequisites %+v", p)
	}
}

// TestParseErrorsNameLine: errors give the file, the line and the field.
func TestParseErrorsNameLine(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		field     string
	}{
		{"unknown field", "flags:\n  - name: a\n    enviroments: {production: true}\n", 3, "enviroments"},
		{"wrong type", "flags:\n  - name: a\n    environments:\n      production: maybe\n", 4, "flags.environments"},
		{"duplicate key", "flags:\n  - name: a\n    name: b\n", 3, "flags[0].name"},
		{"syntax", "a: 1\nb: 2\n  c: 3\n", 3, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse("f.yaml", []byte(tc.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v", err)
			}
			if e.File != "f.yaml" || e.Line != tc.line || e.Field != tc.field {
				t.Fatalf("got %s:%d field %q (%s), want line %d field %q", e.File, e.Line, e.Field, e.Message, tc.line, tc.field)
			}
		})
	}
}

// TestPlaceValidationError: a service error about "flags[1].targeting..."
// points at the line of that field in the file.
func TestPlaceValidationError(t *testing.T) {
	_, lines, err := Parse("example.yaml", schema.Example)
	if err != nil {
		t.Fatal(err)
	}
	e := lines.Place(ff.FieldErrorf("flags[1].targeting.production.defaultServe.rollout.variants[0].variant", "unknown variant"))
	var pe *Error
	if !errors.As(e, &pe) || pe.Line != 38 { // the rollout's variants in example.yaml
		t.Fatalf("placed at %v", e)
	}
}

func TestDiff(t *testing.T) {
	cur := &ff.Dataset{Revision: 7,
		Environments: []*ff.Environment{{Name: "production"}, {Name: "old"}},
		Flags: []*ff.Flag{
			{Name: "same", Type: ff.TypeBoolean, Environments: map[string]bool{"production": true, "old": false}, Tags: []string{ManagedTag}},
			{Name: "edited", Type: ff.TypeBoolean, Environments: map[string]bool{"production": false, "old": false}, Tags: []string{ManagedTag}},
			{Name: "gone", Type: ff.TypeBoolean},
		}}
	file := &ff.Dataset{Environments: []*ff.Environment{{Name: "production"}, {Name: "old"}},
		Flags: []*ff.Flag{
			{Name: "same", Environments: map[string]bool{"production": true}},
			{Name: "edited", Environments: map[string]bool{"production": true}},
			{Name: "new"},
		}}
	want := Desired(file, []string{"production", "old"})
	p := Diff(cur, want, false)
	if p.Revision != 7 || !equal(p.Create.Flags, "new") || !equal(p.Change.Flags, "edited") || len(p.Remove.Flags) != 0 {
		t.Fatalf("plan %+v", p)
	}
	p = Diff(cur, want, true)
	if !equal(p.Remove.Flags, "gone") || p.Empty() {
		t.Fatalf("pruning plan %+v", p)
	}
	file.Environments = file.Environments[:1]
	p = Diff(cur, Desired(file, []string{"production"}), true)
	if !equal(p.Remove.Environments, "old") || !equal(p.Change.Flags, "same", "edited") {
		t.Fatalf("removing an environment changes the flags that had it: %+v", p)
	}
}

func equal(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// A file that leaves out a flag's served defaults plans no change against
// the store, which holds them made explicit (eval.PinDefaults); one that
// chooses another default does.
func TestDiffPinnedDefaults(t *testing.T) {
	envs := []string{"production"}
	file := &ff.Dataset{Flags: []*ff.Flag{{Name: "color", Type: ff.TypeString, Variants: map[string]any{"red": "r", "blue": "b"}}}}
	stored := Desired(file, envs).Flags[0].Clone()
	if tg := stored.Targeting["production"]; tg == nil || tg.DefaultServe.Variant != "blue" || tg.OffVariant != "blue" {
		t.Fatalf("desired targeting %+v, want blue pinned", tg)
	}
	cur := &ff.Dataset{Flags: []*ff.Flag{stored}}
	if p := Diff(cur, Desired(file, envs), true); !p.Empty() {
		t.Fatalf("plan %+v, want none", p)
	}
	file.Flags[0].Targeting = map[string]*ff.Targeting{"production": {DefaultServe: &ff.Serve{Variant: "red"}}}
	if p := Diff(cur, Desired(file, envs), true); len(p.Change.Flags) != 1 {
		t.Fatalf("plan %+v, want color changed", p)
	}
}
