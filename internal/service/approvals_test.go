package service

import (
	"reflect"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

func approvalFlag() *ff.Flag {
	return &ff.Flag{ID: "f1", Name: "checkout", Type: ff.TypeBoolean, Description: "d",
		Environments: map[string]bool{"staging": false, "production": true},
		Targeting: map[string]*ff.Targeting{"production": {DefaultServe: &ff.Serve{Rollout: &ff.Rollout{Variants: []ff.WeightedVariant{
			{Variant: "on", Weight: 90}, {Variant: "off", Weight: 10}}}}}},
		Version: 3}
}

// TestChangedEnvironments pins down which writes are "to an environment".
func TestChangedEnvironments(t *testing.T) {
	envs := []string{"staging", "production"}
	archived := time.Now()
	for _, tt := range []struct {
		name   string
		change func(f *ff.Flag) *ff.Flag
		want   []string
	}{
		{"toggle", func(f *ff.Flag) *ff.Flag { f.Environments["staging"] = true; return f }, []string{"staging"}},
		{"targeting", func(f *ff.Flag) *ff.Flag {
			f.Targeting["production"].DefaultServe.Rollout.Variants[0].Weight = 95
			return f
		}, []string{"production"}},
		{"description and tags", func(f *ff.Flag) *ff.Flag { f.Description, f.Tags, f.Owner = "x", []string{"t"}, "me"; return f }, nil},
		{"rename", func(f *ff.Flag) *ff.Flag { f.Name = "checkout-v2"; return f }, envs},
		{"variants", func(f *ff.Flag) *ff.Flag { f.Variants = map[string]any{"on": true}; return f }, envs},
		{"archive", func(f *ff.Flag) *ff.Flag { f.ArchivedAt = &archived; return f }, envs},
		{"delete", func(*ff.Flag) *ff.Flag { return nil }, envs},
	} {
		cur := approvalFlag()
		if got := ChangedEnvironments(cur, tt.change(cur.Clone()), envs); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: changes %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestRebase checks that a request's change made again on a newer flag
// keeps what changed meanwhile, and that the diff names the leaf.
func TestRebase(t *testing.T) {
	before := approvalFlag()
	after := before.Clone()
	after.Targeting["production"].DefaultServe.Rollout.Variants[0].Weight = 95
	after.Targeting["production"].DefaultServe.Rollout.Variants[1].Weight = 5
	diff := FlagDiff(before, after)
	if len(diff) != 2 || diff[0].Path != "targeting.production.defaultServe.rollout.variants[0].weight" || diff[0].Before != 90.0 || diff[0].After != 95.0 {
		t.Fatalf("diff %+v", diff)
	}
	cur := before.Clone()
	cur.Description, cur.Environments["staging"], cur.Version = "moved on", true, 4
	next, err := rebase(before, after, cur)
	if err != nil {
		t.Fatal(err)
	}
	want := after.Clone()
	want.Description, want.Environments["staging"], want.Version = "moved on", true, 0
	if !reflect.DeepEqual(next, want) {
		t.Fatalf("rebased\n got %+v\nwant %+v", next, want)
	}
}
