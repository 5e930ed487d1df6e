package storetest

import (
	"math"
	"reflect"
	"testing"

	ff "github.com/featureflags/featureflags"
)

func testRevision(t *testing.T, s ff.Store) {
	last, err := s.Revision(ctx(t))
	must(t, err)
	step := func(what string, err error) {
		t.Helper()
		must(t, err)
		rev, err := s.Revision(ctx(t))
		must(t, err)
		if rev <= last {
			t.Fatalf("%s: revision %d did not grow from %d", what, rev, last)
		}
		last = rev
	}
	same := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s succeeded, want an error", what)
		}
		rev, rerr := s.Revision(ctx(t))
		must(t, rerr)
		if rev != last {
			t.Fatalf("%s failed but moved the revision from %d to %d", what, last, rev)
		}
	}
	step("create environment", s.CreateEnvironment(ctx(t), &ff.Environment{Name: "production", CreatedAt: now}))
	step("create environment", s.CreateEnvironment(ctx(t), &ff.Environment{Name: "staging", CreatedAt: now}))
	f := newFlag("f")
	step("create flag", s.CreateFlag(ctx(t), f))
	same("duplicate flag", s.CreateFlag(ctx(t), newFlag("f")))
	next := f.Clone()
	next.Version = 2
	step("update flag", s.UpdateFlag(ctx(t), next, 1))
	same("stale update", s.UpdateFlag(ctx(t), next, 1))
	_, err = s.ToggleFlag(ctx(t), f.ID, "production", ff.AnyVersion, now)
	step("toggle", err)
	_, err = s.ToggleFlag(ctx(t), f.ID, "production", 1, now)
	same("stale toggle", err)
	sg := &ff.Segment{ID: ff.NewID(), Name: "s", Match: "all", Version: 1, CreatedAt: now, UpdatedAt: now}
	step("create segment", s.CreateSegment(ctx(t), sg))
	sg2 := *sg
	sg2.Version = 2
	step("update segment", s.UpdateSegment(ctx(t), &sg2, 1))
	step("delete segment", s.DeleteSegment(ctx(t), sg.ID, 2))
	step("delete environment", s.DeleteEnvironment(ctx(t), "staging"))
	same("delete last environment", s.DeleteEnvironment(ctx(t), "production"))
	step("delete flag", s.DeleteFlag(ctx(t), f.ID, ff.AnyVersion))
	step("import", s.Import(ctx(t), &ff.Dataset{Flags: []*ff.Flag{newFlag("g")}}))
}

func sampleDataset() *ff.Dataset {
	a, b := richFlag("alpha"), newFlag("beta")
	b.Environments["qa.eu-1"] = true
	return &ff.Dataset{
		Environments: []*ff.Environment{{Name: "development", CreatedAt: now}, {Name: "production", CreatedAt: now}, {Name: "qa.eu-1", CreatedAt: now}},
		Flags:        []*ff.Flag{a, b},
		Segments: []*ff.Segment{{ID: ff.NewID(), Name: "beta-users", Match: "any", Version: 3, CreatedAt: now, UpdatedAt: now,
			Conditions: []ff.Condition{{Attribute: "user.plan", Operator: "in", Value: []any{"beta", 2.5, true}}}}},
	}
}

func testLoadAndImport(t *testing.T, s ff.Store) {
	d := sampleDataset()
	must(t, s.Import(ctx(t), d))
	got, err := s.Load(ctx(t))
	must(t, err)
	rev, err := s.Revision(ctx(t))
	must(t, err)
	if got.Revision != rev {
		t.Fatalf("Load revision %d, store revision %d", got.Revision, rev)
	}
	d.Revision = got.Revision
	if !reflect.DeepEqual(got, d) {
		t.Fatalf("Load after Import:\n got %s\nwant %s", dump(got), dump(d))
	}

	// Importing again changes nothing but the revision.
	must(t, s.Import(ctx(t), sampleDatasetLike(d)))
	again, err := s.Load(ctx(t))
	must(t, err)
	again.Revision = d.Revision
	if !reflect.DeepEqual(again, d) {
		t.Fatalf("second Import changed the data:\n got %s\nwant %s", dump(again), dump(d))
	}

	// An imported flag replaces the one of the same name, whatever its id.
	replacement := newFlag("beta")
	replacement.Description = "replaced"
	must(t, s.Import(ctx(t), &ff.Dataset{Flags: []*ff.Flag{replacement}}))
	got2, err := s.FindFlag(ctx(t), "beta")
	must(t, err)
	if got2.ID != replacement.ID || got2.Description != "replaced" {
		t.Fatalf("import did not replace by name: %+v", got2)
	}
	flags, _ := s.ListFlags(ctx(t))
	if len(flags) != 2 {
		t.Fatalf("%d flags after replacing one, want 2", len(flags))
	}
}

// sampleDatasetLike returns a deep copy of d, so an import cannot share
// memory with what is compared.
func sampleDatasetLike(d *ff.Dataset) *ff.Dataset {
	c := &ff.Dataset{Environments: d.Environments, Segments: d.Segments}
	for _, f := range d.Flags {
		c.Flags = append(c.Flags, f.Clone())
	}
	return c
}

func testImportAllOrNothing(t *testing.T, s ff.Store) {
	addEnvs(t, s, "production")
	must(t, s.CreateFlag(ctx(t), newFlag("existing")))
	before, err := s.Load(ctx(t))
	must(t, err)
	bad := newFlag("bad")
	bad.Variants = map[string]any{"x": math.NaN()} // cannot be stored
	err = s.Import(ctx(t), &ff.Dataset{
		Environments: []*ff.Environment{{Name: "new-env", CreatedAt: now}},
		Flags:        []*ff.Flag{newFlag("good"), replacingExisting(), bad},
	})
	if err == nil {
		t.Fatal("import of an unstorable flag succeeded")
	}
	after, err := s.Load(ctx(t))
	must(t, err)
	if !reflect.DeepEqual(after, before) {
		t.Fatalf("failed import changed the store:\nbefore %s\nafter  %s", dump(before), dump(after))
	}
}

func replacingExisting() *ff.Flag {
	f := newFlag("existing")
	f.Description = "should not land"
	return f
}
