package mongotest_test

import (
	"reflect"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/mongotest"
	"github.com/featureflags/featureflags/store/mongo"
)

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

func revision(t *testing.T, s ff.Store) int64 {
	t.Helper()
	r, err := s.Revision(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Every kind of change moves the revision, also as seen by another store on
// the same database; a refused change does not.
func TestRevision(t *testing.T) {
	url := mongotest.Start(t)
	s := open2(t, url)
	other := open2(t, url)
	ctx := t.Context()
	last := revision(t, s)
	step := func(what string, err error) {
		t.Helper()
		must(t, err)
		r := revision(t, other)
		if r <= last {
			t.Fatalf("%s: revision %d, was %d", what, r, last)
		}
		last = r
	}
	step("create environment", s.CreateEnvironment(ctx, &ff.Environment{Name: "development", CreatedAt: t0}))
	step("create environment", s.CreateEnvironment(ctx, &ff.Environment{Name: "qa.eu-1", CreatedAt: t0}))
	f := &ff.Flag{ID: ff.NewID(), Name: "f", Type: ff.TypeBoolean, Environments: map[string]bool{"qa.eu-1": true}, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	step("create flag", s.CreateFlag(ctx, f))
	_, err := s.ToggleFlag(ctx, f.ID, "development", ff.AnyVersion, t0)
	step("toggle", err)
	f.Version, f.Description = 3, "changed"
	step("update flag", s.UpdateFlag(ctx, f, 2))
	step("delete environment", s.DeleteEnvironment(ctx, "qa.eu-1"))
	sg := &ff.Segment{ID: ff.NewID(), Name: "beta", Match: "all", Version: 1, CreatedAt: t0, UpdatedAt: t0}
	step("create segment", s.CreateSegment(ctx, sg))
	sg.Version = 2
	step("update segment", s.UpdateSegment(ctx, sg, 1))
	step("delete segment", s.DeleteSegment(ctx, sg.ID, 2))
	step("delete flag", s.DeleteFlag(ctx, f.ID, ff.AnyVersion))

	if err := s.DeleteEnvironment(ctx, "development"); ff.ErrorCode(err) != ff.EINVALID {
		t.Fatalf("deleting the last environment: %v", err)
	}
	if err := s.UpdateFlag(ctx, f, 1); ff.ErrorCode(err) != ff.ENOTFOUND {
		t.Fatalf("updating a deleted flag: %v", err)
	}
	if r := revision(t, s); r != last {
		t.Fatalf("refused changes moved the revision from %d to %d", last, r)
	}
}

func TestImportOverExisting(t *testing.T) {
	src := open2(t, mongotest.Start(t))
	ctx := t.Context()
	must(t, src.CreateEnvironment(ctx, &ff.Environment{Name: "production", CreatedAt: t0}))
	must(t, src.CreateEnvironment(ctx, &ff.Environment{Name: "qa.eu-1", CreatedAt: t0.Add(time.Millisecond)}))
	must(t, src.CreateSegment(ctx, &ff.Segment{ID: ff.NewID(), Name: "beta", Match: "any",
		Conditions: []ff.Condition{{Attribute: "n", Operator: "in", Value: []any{1.5, "x", map[string]any{"k": nil}}}},
		Version:    1, CreatedAt: t0, UpdatedAt: t0}))
	for _, n := range []string{"b", "a"} {
		must(t, src.CreateFlag(ctx, &ff.Flag{ID: ff.NewID(), Name: n, Type: ff.TypeNumber,
			Variants:     map[string]any{"one": 1.0, "big": 1e300},
			Environments: map[string]bool{"production": true, "qa.eu-1": false},
			Targeting:    map[string]*ff.Targeting{"qa.eu-1": {OffVariant: "one"}},
			Version:      1, CreatedAt: t0, UpdatedAt: t0}))
	}
	d, err := src.Load(ctx)
	must(t, err)
	if d.Revision != revision(t, src) || len(d.Environments) != 2 || len(d.Segments) != 1 || len(d.Flags) != 2 || d.Flags[0].Name != "a" {
		t.Fatalf("loaded %+v", d)
	}

	dst := open2(t, mongotest.Start(t))
	// The destination has a flag "a" of another id and an older environment.
	must(t, dst.CreateEnvironment(ctx, &ff.Environment{Name: "production", CreatedAt: t0.Add(-time.Hour)}))
	must(t, dst.CreateFlag(ctx, &ff.Flag{ID: ff.NewID(), Name: "a", Type: ff.TypeBoolean, Environments: map[string]bool{}, Version: 7, CreatedAt: t0, UpdatedAt: t0}))
	must(t, dst.Import(ctx, d))
	got, err := dst.Load(ctx)
	must(t, err)
	got.Revision = d.Revision
	if !reflect.DeepEqual(got, d) {
		t.Fatalf("after import:\n got %+v\nwant %+v", got, d)
	}
	// Importing again changes nothing, not even the revision.
	r := revision(t, dst)
	must(t, dst.Import(ctx, d))
	if after := revision(t, dst); after != r {
		t.Fatalf("a second import moved the revision from %d to %d", r, after)
	}
	// The counter knows the imported environment: one of two can be deleted.
	must(t, dst.DeleteEnvironment(ctx, "qa.eu-1"))
	if err := dst.DeleteEnvironment(ctx, "production"); ff.ErrorCode(err) != ff.EINVALID {
		t.Fatalf("deleting the last environment after an import: %v", err)
	}
}

func open2(t *testing.T, url string) ff.Store {
	s, err := mongo.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
