package storetest

import (
	"testing"

	ff "github.com/featureflags/featureflags"
)

func newSegment(name string, refs ...string) *ff.Segment {
	sg := &ff.Segment{ID: ff.NewID(), Name: name, Match: "all", Version: 1, CreatedAt: now, UpdatedAt: now}
	for _, r := range refs {
		sg.Conditions = append(sg.Conditions, ff.Condition{Operator: "inSegment", Value: r})
	}
	return sg
}

// flagUsing returns a new flag whose production targeting refers to the
// segment seg.
func flagUsing(name, seg string) *ff.Flag {
	f := newFlag(name)
	f.Targeting = map[string]*ff.Targeting{"production": {Rules: []ff.Rule{{
		Conditions: []ff.Condition{{Operator: "notInSegment", Value: seg}}, Serve: ff.Serve{Variant: "on"}}}}}
	return f
}

// The store refuses, inside the write's transaction, a reference to a
// missing segment, deleting or renaming a segment in use, and a cycle.
func testSegmentRefs(t *testing.T, s ff.Store) {
	addEnvs(t, s, "development", "production")
	beta, gamma := newSegment("beta"), newSegment("gamma", "beta")
	must(t, s.CreateSegment(ctx(t), beta))
	must(t, s.CreateSegment(ctx(t), gamma))
	mustField(t, s.CreateSegment(ctx(t), newSegment("delta", "nope")), ff.EINVALID, "conditions")
	mustField(t, s.CreateFlag(ctx(t), flagUsing("f", "nope")), ff.EINVALID, "targeting")
	f := flagUsing("f", "gamma")
	must(t, s.CreateFlag(ctx(t), f))
	g := f.Clone()
	g.Version, g.Targeting["production"].Rules[0].Conditions[0].Value = 2, "nope"
	mustField(t, s.UpdateFlag(ctx(t), g, 1), ff.EINVALID, "targeting")

	mustCode(t, s.DeleteSegment(ctx(t), gamma.ID, ff.AnyVersion), ff.ECONFLICT)
	mustCode(t, s.DeleteSegment(ctx(t), beta.ID, ff.AnyVersion), ff.ECONFLICT)
	renamed := *gamma
	renamed.Name, renamed.Version = "gamma2", 2
	mustField(t, s.UpdateSegment(ctx(t), &renamed, 1), ff.EINVALID, "name")
	cyclic := *beta
	cyclic.Conditions, cyclic.Version = newSegment("", "gamma").Conditions, 2
	mustField(t, s.UpdateSegment(ctx(t), &cyclic, 1), ff.EINVALID, "conditions")
	self := *beta
	self.Conditions, self.Version = newSegment("", "beta").Conditions, 2
	mustField(t, s.UpdateSegment(ctx(t), &self, 1), ff.EINVALID, "conditions")

	d, err := s.Load(ctx(t))
	must(t, err)
	if len(d.Segments) != 2 || len(d.Flags) != 1 || d.Segments[0].Version != 1 || d.Segments[1].Version != 1 || d.Flags[0].Version != 1 {
		t.Fatalf("refused writes changed the store:\n%s", dump(d))
	}
	// Once nothing uses them, they go.
	must(t, s.DeleteFlag(ctx(t), f.ID, ff.AnyVersion))
	mustCode(t, s.DeleteSegment(ctx(t), beta.ID, ff.AnyVersion), ff.ECONFLICT)
	must(t, s.DeleteSegment(ctx(t), gamma.ID, ff.AnyVersion))
	must(t, s.DeleteSegment(ctx(t), beta.ID, ff.AnyVersion))
}

// Import takes segments referring to each other in any order, and refuses
// (changing nothing) a dataset referring to a missing segment or holding a
// cycle.
func testImportRefs(t *testing.T, s ff.Store) {
	addEnvs(t, s, "development", "production")
	env := []*ff.Environment{{Name: "production", CreatedAt: now}}
	ok := &ff.Dataset{Environments: env,
		Flags:    []*ff.Flag{flagUsing("f", "a")},
		Segments: []*ff.Segment{newSegment("a", "b"), newSegment("b")}}
	must(t, s.Import(ctx(t), ok))
	bad := []*ff.Dataset{
		{Environments: env, Flags: []*ff.Flag{flagUsing("g", "nope")}},
		{Environments: env, Segments: []*ff.Segment{newSegment("c", "nope")}},
		{Environments: env, Segments: []*ff.Segment{newSegment("c", "d"), newSegment("d", "c")}},
		{Environments: env, Segments: []*ff.Segment{newSegment("b", "a")}}, // a -> b -> a with the stored a
	}
	for i, d := range bad {
		mustCode(t, s.Import(ctx(t), d), ff.EINVALID)
		got, err := s.Load(ctx(t))
		must(t, err)
		if len(got.Flags) != 1 || len(got.Segments) != 2 || len(got.Segments[1].Conditions) != 0 {
			t.Fatalf("refused import %d changed the store:\n%s", i, dump(got))
		}
	}
}
