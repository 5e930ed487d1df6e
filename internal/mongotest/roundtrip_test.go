package mongotest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/mongotest"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/store/mongo"
	"github.com/featureflags/featureflags/store/postgres"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
	"github.com/featureflags/featureflags/store/sqlite"
)

// TestRoundTripThroughEveryStore builds a dataset through the service on
// SQLite and carries it with Export and Import to PostgreSQL, then MongoDB
// (FerretDB), then a new SQLite: every store must export the same JSON
// (but for the revision) and evaluate every flag alike. Without
// FEATUREFLAGS_TEST_POSTGRES_URL the PostgreSQL leg is left out.
func TestRoundTripThroughEveryStore(t *testing.T) {
	ctx := t.Context()
	src := newService(t, "SQLite", openSQLite(t))
	seedService(t, ctx, src)
	want := export(t, src)
	for _, s := range []string{`"huge": 1e+21`, `"tiny": 0.1`, `"rollout"`, `Ünïcödé ✓ 日本語 🚀`, `"deep"`} {
		if !bytes.Contains(want, []byte(s)) {
			t.Fatalf("the seeded export lacks %s:\n%s", s, want)
		}
	}

	chain := []*named{}
	if os.Getenv(pgtest.EnvVar) != "" {
		pg, err := postgres.Open(ctx, pgtest.URL(t))
		must(t, err)
		chain = append(chain, newService(t, "PostgreSQL", pg))
	} else {
		t.Logf("%s not set: the PostgreSQL leg is left out", pgtest.EnvVar)
	}
	m, err := mongo.Open(ctx, mongotest.Start(t))
	must(t, err)
	chain = append(chain, newService(t, "MongoDB", m), newService(t, "SQLite again", openSQLite(t)))

	prev := src
	for _, next := range chain {
		d, err := prev.Export(ctx)
		must(t, err)
		if err := next.Import(ctx, d); err != nil {
			t.Fatalf("import from %s into %s: %v", prev.name, next.name, err)
		}
		if got := export(t, next); !bytes.Equal(got, want) {
			t.Fatalf("%s exports other data than the source:\n got %s\nwant %s", next.name, got, want)
		}
		// A second import of the same data changes nothing.
		must(t, next.Import(ctx, d))
		if got := export(t, next); !bytes.Equal(got, want) {
			t.Fatalf("a second import into %s changed it:\n got %s\nwant %s", next.name, got, want)
		}
		sameEvaluations(t, src, next)
		prev = next
	}
}

type named struct {
	*service.Service
	name string
}

func newService(t *testing.T, name string, s ff.Store) *named {
	t.Cleanup(func() { s.Close() })
	return &named{service.New(s), name}
}

func openSQLite(t *testing.T) ff.Store {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "flags.db"))
	must(t, err)
	return s
}

// export returns the service's export as indented JSON, revision zeroed.
func export(t *testing.T, s *named) []byte {
	t.Helper()
	d, err := s.Export(t.Context())
	if err != nil {
		t.Fatalf("export from %s: %v", s.name, err)
	}
	d.Revision = 0
	b, err := json.MarshalIndent(d, "", "  ")
	must(t, err)
	return b
}

// seedService creates, through the service, what a real user would:
// environments, segments referring to each other, flags of every type with
// rules, rollouts, unicode text, awkward numbers and nested objects.
func seedService(t *testing.T, ctx context.Context, s *named) {
	t.Helper()
	must(t, s.Init(ctx))
	_, err := s.CreateEnvironment(ctx, "qa.eu-1")
	must(t, err)
	str := func(v string) *string { return &v }
	conds := func(cs ...ff.Condition) *[]ff.Condition { return &cs }
	_, err = s.CreateSegment(ctx, service.SegmentInput{
		Name: str("beta-users"), Description: str("Ünïcödé ✓ 日本語 🚀 testers"), Match: str("any"),
		Conditions: conds(
			ff.Condition{Attribute: "user.plan", Operator: "in", Value: []any{"beta", 2.5, true}},
			ff.Condition{Attribute: "email", Operator: "endsWith", Value: "@example.com"},
		),
	})
	must(t, err)
	_, err = s.CreateSegment(ctx, service.SegmentInput{
		Name: str("staff"),
		Conditions: conds(
			ff.Condition{Operator: "inSegment", Value: "beta-users"},
			ff.Condition{Attribute: "app.version", Operator: "semverGte", Value: "2.1.0"},
		),
	})
	must(t, err)

	rollout := func(bucketBy string, vw ...any) *ff.Serve {
		r := &ff.Rollout{BucketBy: bucketBy}
		for i := 0; i < len(vw); i += 2 {
			r.Variants = append(r.Variants, ff.WeightedVariant{Variant: vw[i].(string), Weight: vw[i+1].(float64)})
		}
		return &ff.Serve{Rollout: r}
	}
	inputs := []service.FlagInput{
		{
			Name: "checkout-v2", Description: "New checkout <flow> & \"quotes\"", Tags: []string{"payments", "team.web"},
			Environments: map[string]bool{"production": true, "qa.eu-1": true},
			Targeting: map[string]*ff.Targeting{"production": {
				Rules:        []ff.Rule{{Name: "beta", Conditions: []ff.Condition{{Operator: "inSegment", Value: "beta-users"}}, Serve: ff.Serve{Variant: "on"}}},
				DefaultServe: rollout("", "on", 12.5, "off", 87.5),
			}},
		},
		{
			Name: "banner", Type: ff.TypeString, Variants: map[string]any{"red": "#f00", "blue": "#00f", "hello": "héllo 🌍"},
			Environments: map[string]bool{"staging": true, "qa.eu-1": true},
			Targeting: map[string]*ff.Targeting{"qa.eu-1": {
				Rules: []ff.Rule{{Conditions: []ff.Condition{
					{Attribute: "country", Operator: "in", Value: []any{"FR", "DE"}},
					{Operator: "notInSegment", Value: "staff"},
				}, Serve: *rollout("user.id", "red", 33.333, "blue", 66.667)}},
				DefaultServe: &ff.Serve{Variant: "blue"}, OffVariant: "red",
			}},
		},
		{
			Name: "limits", Type: ff.TypeNumber,
			Variants:     map[string]any{"tiny": 0.1, "huge": 1e21, "negative": -3.0, "zero": 0.0, "small": 1e-7, "big": 1e300},
			Environments: map[string]bool{"production": true},
			Targeting: map[string]*ff.Targeting{"production": {
				Rules:        []ff.Rule{{Conditions: []ff.Condition{{Attribute: "n", Operator: "gt", Value: 0.1}}, Serve: ff.Serve{Variant: "huge"}}},
				DefaultServe: &ff.Serve{Variant: "tiny"},
			}},
		},
		{
			Name: "layout", Type: ff.TypeObject, Description: "nested",
			Variants: map[string]any{
				"grid": map[string]any{"cols": 3.0, "nested": map[string]any{"list": []any{1.0, "two", nil, true, map[string]any{"deep": []any{0.5}}}}, "empty": map[string]any{}},
				"list": map[string]any{"cols": 1.0, "labels": []any{"ä", "€"}},
			},
			Environments: map[string]bool{"development": true},
		},
		{Name: "plain"},
	}
	for _, in := range inputs {
		_, err := s.CreateFlag(ctx, in)
		if err != nil {
			t.Fatalf("create %s: %v", in.Name, err)
		}
	}
	_, err = s.ToggleFlag(ctx, "plain", "qa.eu-1", ff.AnyVersion)
	must(t, err)
	desc := "changed after creation"
	_, err = s.UpdateFlag(ctx, "layout", service.FlagPatch{Description: &desc}, ff.AnyVersion)
	must(t, err)
}

// sameEvaluations evaluates every flag in every environment for a range of
// contexts on both services' snapshots and wants the same results.
func sameEvaluations(t *testing.T, a, b *named) {
	t.Helper()
	sa, sb := a.Snapshot(), b.Snapshot()
	if sa == nil || sb == nil {
		t.Fatal("no snapshot")
	}
	for _, env := range sa.Environments() {
		for i := range 200 {
			ctx := eval.Context{
				"targetingKey": fmt.Sprintf("user-%d", i),
				"user":         map[string]any{"plan": []string{"beta", "free"}[i%2], "id": float64(i)},
				"email":        fmt.Sprintf("u%d@%s", i, []string{"example.com", "other.org"}[i%3%2]),
				"country":      []string{"FR", "DE", "US"}[i%3],
				"n":            float64(i%3) / 10,
				"app":          map[string]any{"version": fmt.Sprintf("2.%d.0", i%4)},
			}
			ra, rb := sa.EvaluateAll(env, ctx, nil), sb.EvaluateAll(env, ctx, nil)
			ja, _ := json.Marshal(ra)
			jb, _ := json.Marshal(rb)
			if !bytes.Equal(ja, jb) {
				t.Fatalf("%s and %s evaluate differently in %s for %v:\n%s\n%s", a.name, b.name, env, ctx, ja, jb)
			}
		}
	}
}
