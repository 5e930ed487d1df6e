package service_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/store/sqlite"
)

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

func newService(t *testing.T) *service.Service {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "flags.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return service.New(st)
}

func segment(id, name string, conds ...ff.Condition) *ff.Segment {
	return &ff.Segment{ID: id, Name: name, Match: "all", Conditions: conds, Version: 1, CreatedAt: t0, UpdatedAt: t0}
}

func flagUsing(id, name, seg string) *ff.Flag {
	f := &ff.Flag{ID: id, Name: name, Type: ff.TypeBoolean, Environments: map[string]bool{"production": true}, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if seg != "" {
		f.Targeting = map[string]*ff.Targeting{"production": {Rules: []ff.Rule{{
			Conditions: []ff.Condition{{Operator: "inSegment", Value: seg}}, Serve: ff.Serve{Variant: "on"}}}}}
	}
	return f
}

func exportJSON(t *testing.T, s *service.Service) string {
	t.Helper()
	d, err := s.Export(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	d.Revision = 0
	b, _ := json.Marshal(d)
	return string(b)
}

// Import validates against what the store will hold afterwards: the
// store's environments and segments count, and what the store keeps must
// not lose a segment it uses.
func TestImportValidatesAgainstTheStore(t *testing.T) {
	s := newService(t)
	ctx := t.Context()
	if err := s.Import(ctx, &ff.Dataset{
		Environments: []*ff.Environment{{Name: "production", CreatedAt: t0}},
		Segments:     []*ff.Segment{segment("s1", "beta")},
		Flags:        []*ff.Flag{flagUsing("f1", "kept", "beta")},
	}); err != nil {
		t.Fatal(err)
	}
	before := exportJSON(t, s)

	// A flag may use an environment and a segment that only the store has.
	if err := s.Import(ctx, &ff.Dataset{Flags: []*ff.Flag{flagUsing("f2", "second", "beta")}}); err != nil {
		t.Fatalf("import using the store's segment and environment: %v", err)
	}
	got, err := s.Flag(ctx, "second")
	if err != nil || len(got.Environments) != 1 || !got.Environments["production"] {
		t.Fatalf("imported flag as served: %+v, %v", got, err)
	}
	before = exportJSON(t, s)

	cases := []struct {
		name  string
		d     *ff.Dataset
		field string
		msg   string
	}{
		{"segment renamed under a kept flag", &ff.Dataset{Segments: []*ff.Segment{segment("s1", "gamma")}}, "", `"kept"`},
		{"segment cycle", &ff.Dataset{Segments: []*ff.Segment{
			segment("s2", "a", ff.Condition{Operator: "inSegment", Value: "b"}),
			segment("s3", "b", ff.Condition{Operator: "inSegment", Value: "a"}),
		}}, "segments[0].conditions[0].value", "cycle"},
		{"bad segment match", &ff.Dataset{Segments: []*ff.Segment{{ID: "s9", Name: "m", Match: "most", Version: 1}}}, "segments[0].match", "match"},
		{"unknown environment in targeting", &ff.Dataset{Flags: []*ff.Flag{func() *ff.Flag {
			f := flagUsing("f3", "x", "")
			f.Targeting = map[string]*ff.Targeting{"moon": {OffVariant: "off"}}
			return f
		}()}}, "flags[0].targeting.moon", "unknown environment"},
		{"bad rollout", &ff.Dataset{Flags: []*ff.Flag{func() *ff.Flag {
			f := flagUsing("f3", "x", "")
			f.Targeting = map[string]*ff.Targeting{"production": {DefaultServe: &ff.Serve{Rollout: &ff.Rollout{
				Variants: []ff.WeightedVariant{{Variant: "on", Weight: 50}, {Variant: "off", Weight: 40}}}}}}
			return f
		}()}}, "flags[0].targeting.production.defaultServe.rollout.variants", "100"},
		{"bad environment name", &ff.Dataset{Environments: []*ff.Environment{{Name: "bad name"}}}, "environments[0].name", "invalid"},
		{"null flag", &ff.Dataset{Flags: []*ff.Flag{nil}}, "flags[0]", "null"},
		{"bad tag", &ff.Dataset{Flags: []*ff.Flag{func() *ff.Flag {
			f := flagUsing("f3", "x", "")
			f.Tags = []string{"ok", "not ok"}
			return f
		}()}}, "flags[0].tags[1]", "invalid"},
	}
	for _, tc := range cases {
		err := s.Import(ctx, tc.d)
		if ff.ErrorCode(err) != ff.EINVALID || ff.ErrorField(err) != tc.field || !strings.Contains(ff.ErrorMessage(err), tc.msg) {
			t.Errorf("%s: %v (field %q), want EINVALID at %q saying %s", tc.name, err, ff.ErrorField(err), tc.field, tc.msg)
		}
		if after := exportJSON(t, s); after != before {
			t.Fatalf("%s: the refused import changed the store:\n%s\n%s", tc.name, before, after)
		}
	}

	// Renaming the segment together with the flag that uses it is fine.
	if err := s.Import(ctx, &ff.Dataset{
		Segments: []*ff.Segment{segment("s1", "gamma")},
		Flags:    []*ff.Flag{flagUsing("f1", "kept", "gamma"), flagUsing("f2", "second", "gamma")},
	}); err != nil {
		t.Fatalf("consistent rename: %v", err)
	}
	if sg, err := s.Segment(ctx, "s1"); err != nil || sg.Name != "gamma" {
		t.Fatalf("segment after the rename: %+v, %v", sg, err)
	}
}
