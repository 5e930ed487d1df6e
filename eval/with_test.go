package eval

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/featureflags/featureflags"
)

// TestWithMatchesCompile checks that updating a snapshot flag by flag gives
// the same answers as compiling everything again.
func TestWithMatchesCompile(t *testing.T) {
	envs := []string{"development", "production"}
	mk := func(name string, on bool, variant string) *featureflags.Flag {
		return &featureflags.Flag{ID: "id-" + name, Name: name, Type: featureflags.TypeString,
			Variants:     map[string]any{"a": "A", "b": "B"},
			Environments: map[string]bool{"production": on},
			Targeting:    map[string]*featureflags.Targeting{"production": {DefaultServe: &featureflags.Serve{Variant: variant}, OffVariant: "a"}}}
	}
	flags := []*featureflags.Flag{mk("m", true, "b"), mk("c", false, "b"), mk("x", true, "a")}
	snap := Compile(flags, nil, envs, 1)

	snap = snap.With("c", mk("c", true, "b"), 2) // update in place
	snap = snap.With("", mk("a", true, "b"), 3)  // create, sorts first
	snap = snap.With("x", mk("y", true, "b"), 4) // rename
	snap = snap.With("m", nil, 5)                // delete
	want := Compile([]*featureflags.Flag{mk("a", true, "b"), mk("c", true, "b"), mk("y", true, "b")}, nil, envs, 5)

	if snap.Revision() != 5 {
		t.Fatalf("revision %d", snap.Revision())
	}
	for _, env := range envs {
		if got, w := snap.Keys(env), want.Keys(env); !reflect.DeepEqual(got, w) {
			t.Fatalf("%s keys %v, want %v", env, got, w)
		}
		got := snap.EvaluateAll(env, Context{"targetingKey": "u"}, nil)
		w := want.EvaluateAll(env, Context{"targetingKey": "u"}, nil)
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Fatalf("%s results\n got %v\nwant %v", env, got, w)
		}
	}
	if _, ok := snap.Lookup("production", "m"); ok {
		t.Fatal("deleted flag still there")
	}
}
