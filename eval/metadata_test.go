package eval

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/featureflags/featureflags"
)

// Every result of a flag, whatever served it, carries the flag's metadata,
// encoded once; results of unknown flags carry none.
func TestResultsCarryMetadata(t *testing.T) {
	rollout := &featureflags.Serve{Rollout: &featureflags.Rollout{Variants: []featureflags.WeightedVariant{{Variant: "on", Weight: 100}}}}
	flags := []*featureflags.Flag{
		{ID: "1", Name: "described", Owner: "team-\"checkout\"", Kind: featureflags.KindRelease, Tags: []string{"web", "eu"}, Version: 7,
			Environments: map[string]bool{"production": true},
			Targeting: map[string]*featureflags.Targeting{"production": {
				Rules:        []featureflags.Rule{{Conditions: []featureflags.Condition{{Attribute: "beta", Operator: "eq", Value: true}}, Serve: featureflags.Serve{Variant: "off"}}},
				DefaultServe: rollout}}},
		{ID: "2", Name: "bare", Version: 1},
	}
	snap := Compile(flags, nil, []string{"production", "staging"}, 1)
	const want = `{"kind":"release","owner":"team-\"checkout\"","tags":"web,eu","version":7}`
	for _, c := range []struct {
		env    string
		ctx    Context
		reason string
	}{
		{"production", Context{"beta": true}, ReasonTargetingMatch},
		{"production", Context{"targetingKey": "u"}, ReasonSplit},
		{"production", Context{}, ReasonError}, // TARGETING_KEY_MISSING
		{"staging", nil, ReasonDisabled},
	} {
		r := snap.Evaluate(c.env, "described", c.ctx)
		if r.Reason != c.reason || r.Metadata == nil || string(r.Metadata.JSON) != want {
			t.Errorf("%s %v: %s with metadata %+v, want %s with %s", c.env, c.ctx, r.Reason, r.Metadata, c.reason, want)
		}
	}
	if r := snap.Evaluate("production", "bare", nil); r.Metadata == nil || string(r.Metadata.JSON) != `{"version":1}` {
		t.Errorf("bare flag's metadata %+v", r.Metadata)
	}
	if r := snap.Evaluate("production", "missing", nil); r.Metadata != nil {
		t.Errorf("unknown flag has metadata %+v", r.Metadata)
	}
	a, b := snap.Evaluate("staging", "described", nil), snap.Evaluate("production", "described", Context{"beta": true})
	if a.Metadata != b.Metadata {
		t.Errorf("metadata built once per flag, not per environment")
	}
}

// Fields is the metadata's JSON decoded, built once and shared.
func TestMetadataFields(t *testing.T) {
	for _, f := range []*featureflags.Flag{
		{Name: "described", Owner: "team-\"checkout\"", Kind: featureflags.KindRelease, Tags: []string{"web", "eu"}, Version: 7},
		{Name: "bare", Version: 1},
	} {
		m := MetadataOf(f)
		var want map[string]any
		if err := json.Unmarshal(m.JSON, &want); err != nil {
			t.Fatal(err)
		}
		got := m.Fields()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: fields %v, want %v", f.Name, got, want)
		}
		if again := m.Fields(); reflect.ValueOf(again).UnsafePointer() != reflect.ValueOf(got).UnsafePointer() {
			t.Errorf("%s: fields built twice", f.Name)
		}
		if n := testing.AllocsPerRun(100, func() { m.Fields() }); n != 0 {
			t.Errorf("%s: %v allocations per Fields after the first", f.Name, n)
		}
	}
	if (*Metadata)(nil).Fields() != nil {
		t.Error("nil metadata has fields")
	}
}
