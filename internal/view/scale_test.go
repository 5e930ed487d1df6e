package view

import (
	"fmt"
	"maps"
	"reflect"
	"testing"
	"time"
	"unsafe"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// manyFlags returns a view of n flags named flag-0000000... in production.
func manyFlags(n int) *View {
	d := &ff.Dataset{Revision: 1, Environments: []*ff.Environment{{Name: "production"}}}
	for i := range n {
		d.Flags = append(d.Flags, &ff.Flag{ID: fmt.Sprintf("id-%07d", i), Name: fmt.Sprintf("flag-%07d", i), Version: 1})
	}
	return New(d, nil)
}

// TestWithFlagMatchesNew checks that patching a view gives what building it
// anew gives, and that the patched view publishes the same change as a
// walk over every flag finds.
func TestWithFlagMatchesNew(t *testing.T) {
	base := manyFlags(300)
	on := &ff.Flag{ID: "id-0000007", Name: "flag-0000007", Version: 2, Environments: map[string]bool{"production": true}}
	renamed := &ff.Flag{ID: "id-0000008", Name: "zz-renamed", Version: 2, Environments: map[string]bool{"production": false}}
	added := &ff.Flag{ID: "new", Name: "aa-new", Version: 1, Environments: map[string]bool{"production": true}}
	steps := []struct {
		id          string
		f           *ff.Flag
		upsert, del []string
	}{
		{on.ID, on, []string{"flag-0000007"}, nil},
		{renamed.ID, renamed, []string{"zz-renamed"}, []string{"flag-0000008"}},
		{"", added, []string{"aa-new"}, nil},
		{"id-0000009", nil, nil, []string{"flag-0000009"}},
	}
	v := base
	for i, s := range steps {
		next := v.WithFlag(s.id, s.f, v.Revision+1)
		c := diff(v, next, time.Time{})
		if got := names(c.Upsert); !reflect.DeepEqual(got, s.upsert) || !reflect.DeepEqual(c.Delete, s.del) || c.Reset {
			t.Fatalf("step %d: change upserts %v deletes %v reset %t", i, got, c.Delete, c.Reset)
		}
		walked := diff(&View{EnvNames: v.EnvNames, Segments: v.Segments, byName: v.byName, list: &flagList{}}, next, time.Time{})
		if !reflect.DeepEqual(names(walked.Upsert), s.upsert) || !reflect.DeepEqual(walked.Delete, s.del) {
			t.Fatalf("step %d: the walk finds upserts %v deletes %v", i, names(walked.Upsert), walked.Delete)
		}
		v = next
	}
	fresh := New(&ff.Dataset{Revision: v.Revision, Environments: base.Environments, Flags: v.Flags()}, nil)
	if !reflect.DeepEqual(names(fresh.Flags()), names(v.Flags())) || v.FlagCount() != 300 {
		t.Fatalf("patched view has %d flags, not those a new view has", v.FlagCount())
	}
	for _, key := range []string{"flag-0000007", "zz-renamed", "aa-new", "flag-0000008", "flag-0000009"} {
		if a, b := v.Snapshot.Evaluate("production", key, nil), fresh.Snapshot.Evaluate("production", key, nil); fmt.Sprint(a) != fmt.Sprint(b) { // metadata by content
			t.Fatalf("%s: patched snapshot gives %+v, compiled %+v", key, a, b)
		}
	}
	if v.Flag("id-0000008").Name != "zz-renamed" || v.Flag("flag-0000008") != nil || v.Flag("id-0000009") != nil {
		t.Fatal("lookups by id or name see a stale flag")
	}
	if base.FlagCount() != 300 || base.Flag("flag-0000009") == nil || base.Snapshot.Evaluate("production", "aa-new", nil).ErrorCode != eval.ErrorFlagNotFound {
		t.Fatal("patching changed the view it started from")
	}
}

func names(flags []*ff.Flag) []string {
	var out []string
	for _, f := range flags {
		out = append(out, f.Name)
	}
	return out
}

// BenchmarkWithFlag measures one toggle's in-memory cost (view, compiled
// snapshot, published change): it should not grow with the flag count.
func BenchmarkWithFlag(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		v := manyFlags(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				f := *v.Flag(fmt.Sprintf("id-%07d", i%n))
				f.Environments = map[string]bool{"production": i%2 == 0}
				next := v.WithFlag(f.ID, &f, v.Revision+1)
				_ = diff(v, next, time.Time{})
			}
		})
	}
}

// TestCompleteKeepsCompleteState checks that a flag with a state for
// exactly the existing environments keeps its map, allocating nothing,
// and that any other map is replaced, never changed.
func TestCompleteKeepsCompleteState(t *testing.T) {
	envs := []string{"development", "production"}
	complete := map[string]bool{"development": false, "production": true}
	f := &ff.Flag{Name: "a", Type: ff.TypeBoolean, Environments: complete}
	if n := testing.AllocsPerRun(100, func() { Complete(f, envs) }); n != 0 {
		t.Fatalf("completing a complete flag allocates %v times", n)
	}
	if reflect.ValueOf(f.Environments).UnsafePointer() != reflect.ValueOf(complete).UnsafePointer() {
		t.Fatal("a complete state map was replaced")
	}
	for _, state := range []map[string]bool{
		{"production": true},
		{"production": true, "deleted": true},
		{"production": true, "development": false, "deleted": true},
	} {
		before := maps.Clone(state)
		g := &ff.Flag{Name: "b", Type: ff.TypeBoolean, Environments: state}
		Complete(g, envs)
		if want := map[string]bool{"development": false, "production": true}; !reflect.DeepEqual(g.Environments, want) || !reflect.DeepEqual(state, before) {
			t.Fatalf("completing %v gives %v and leaves %v", before, g.Environments, state)
		}
	}
}

// TestNewSharesStates checks that a view's flags with the same state in
// every environment share one map, and that each flag keeps its state.
func TestNewSharesStates(t *testing.T) {
	d := &ff.Dataset{Revision: 1, Environments: []*ff.Environment{{Name: "staging"}, {Name: "production"}}}
	states := []map[string]bool{{"production": true}, {"staging": true}, {"production": true, "staging": false}, {}, {"staging": true, "production": true}}
	for i, st := range states {
		d.Flags = append(d.Flags, &ff.Flag{ID: fmt.Sprint("id-", i), Name: fmt.Sprint("flag-", i), Environments: st})
	}
	v := New(d, nil)
	ptr := func(name string) unsafe.Pointer {
		return reflect.ValueOf(v.FlagNamed(name).Environments).UnsafePointer()
	}
	if ptr("flag-0") != ptr("flag-2") || ptr("flag-0") == ptr("flag-1") || ptr("flag-0") == ptr("flag-3") || ptr("flag-4") == ptr("flag-1") {
		t.Fatal("flags with the same state do not share a map, or flags with different ones do")
	}
	for i, want := range []map[string]bool{
		{"staging": false, "production": true}, {"staging": true, "production": false}, {"staging": false, "production": true},
		{"staging": false, "production": false}, {"staging": true, "production": true},
	} {
		if got := v.FlagNamed(fmt.Sprint("flag-", i)).Environments; !reflect.DeepEqual(got, want) {
			t.Fatalf("flag-%d has state %v, want %v", i, got, want)
		}
	}
}
