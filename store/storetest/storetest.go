// Package storetest is the conformance suite for featureflags.Store: every
// backend's tests call Run once, so all stores behave exactly alike.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// Opener returns a new, empty store for one test. The suite closes it.
type Opener func(t *testing.T) ff.Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s ff.Store)
	}{
		{"Environments", testEnvironments},
		{"DeleteEnvironmentFromFlags", testDeleteEnvironmentFromFlags},
		{"CreateAndFind", testCreateAndFind},
		{"NameUniqueness", testNameUniqueness},
		{"ListOrdering", testListOrdering},
		{"UpdateVersions", testUpdateVersions},
		{"Delete", testDelete},
		{"Toggle", testToggle},
		{"ConcurrentToggle", testConcurrentToggle},
		{"ConcurrentUpdateOneWinner", testConcurrentUpdateOneWinner},
		{"Segments", testSegments},
		{"SegmentRefs", testSegmentRefs},
		{"ImportRefs", testImportRefs},
		{"Prerequisites", testPrerequisites},
		{"ImportPrerequisites", testImportPrerequisites},
		{"Revision", testRevision},
		{"LoadAndImport", testLoadAndImport},
		{"ImportAllOrNothing", testImportAllOrNothing},
		{"Apply", testApply},
		{"ApplyAuditsEach", testApplyAuditsEach},
		{"Tokens", testTokens},
		{"Audit", testAudit},
		{"AuditList", testAuditList},
		{"AuditRetention", testAuditRetention},
		{"ConcurrentToggleAudit", testConcurrentToggleAudit},
		{"Usage", testUsage},
		{"Lifecycle", testLifecycle},
		{"UpdatedBy", testUpdatedBy},
		{"ConcurrentUsage", testConcurrentUsage},
		{"Webhooks", testWebhooks},
		{"WebhookOutbox", testWebhookOutbox},
		{"WebhookQueueLimit", testWebhookQueueLimit},
		{"WebhookClaims", testWebhookClaims},
		{"ConcurrentWebhookClaims", testWebhookConcurrentClaims},
		{"Schedules", testSchedules},
		{"RunDueStep", testRunDueStep},
		{"ConcurrentRunDueStep", testConcurrentRunDueStep},
		{"EnvironmentSettings", testEnvironmentSettings},
		{"ChangeRequests", testChangeRequests},
		{"ApplyChangeRequest", testApplyChangeRequest},
		{"ApplyScheduleRequest", testApplyScheduleRequest},
		{"UsagePrune", testUsagePrune},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

// now is a fixed millisecond-precision time; stores need keep only that.
var now = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

func ctx(t *testing.T) context.Context { return t.Context() }

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func addEnvs(t *testing.T, s ff.EnvironmentStore, names ...string) {
	t.Helper()
	for i, n := range names {
		must(t, s.CreateEnvironment(ctx(t), &ff.Environment{Name: n, CreatedAt: now.Add(time.Duration(i) * time.Millisecond)}))
	}
}

func newFlag(name string) *ff.Flag {
	return &ff.Flag{
		ID: ff.NewID(), Name: name, Description: "about " + name, Type: ff.TypeBoolean,
		Environments: map[string]bool{"development": true, "production": false},
		Version:      1, CreatedAt: now, UpdatedAt: now,
	}
}

func richFlag(name string) *ff.Flag {
	f := newFlag(name)
	f.Type = ff.TypeString
	f.Variants = map[string]any{"blue": "#00f", "red": "#f00"}
	f.Tags = []string{"checkout", "ui"}
	expires := now.Add(40 * 24 * time.Hour)
	f.Owner, f.Kind, f.ExpiresAt = "team-checkout", ff.KindRelease, &expires
	f.Targeting = map[string]*ff.Targeting{"production": {
		Rules: []ff.Rule{{
			Name:       "beta users",
			Conditions: []ff.Condition{{Attribute: "plan", Operator: "in", Value: []any{"beta", "pro"}}},
			Serve:      ff.Serve{Variant: "blue"},
		}},
		DefaultServe: &ff.Serve{Rollout: &ff.Rollout{Variants: []ff.WeightedVariant{{Variant: "blue", Weight: 12.5}, {Variant: "red", Weight: 87.5}}}},
		OffVariant:   "red",
	}}
	return f
}

func testEnvironments(t *testing.T, s ff.Store) {
	envs, err := s.ListEnvironments(ctx(t))
	must(t, err)
	if len(envs) != 0 {
		t.Fatalf("new store has environments %v", envs)
	}
	addEnvs(t, s, "production", "development", "qa.eu-1")
	envs, err = s.ListEnvironments(ctx(t))
	must(t, err)
	var names []string
	for _, e := range envs {
		names = append(names, e.Name)
	}
	if want := []string{"production", "development", "qa.eu-1"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("environments = %v, want creation order %v", names, want)
	}
	if !envs[0].CreatedAt.Equal(now) {
		t.Fatalf("createdAt = %v, want %v", envs[0].CreatedAt, now)
	}
	mustField(t, s.CreateEnvironment(ctx(t), &ff.Environment{Name: "production", CreatedAt: now}), ff.ECONFLICT, "name")
	mustCode(t, s.DeleteEnvironment(ctx(t), "nope"), ff.ENOTFOUND)
	must(t, s.DeleteEnvironment(ctx(t), "production"))
	must(t, s.DeleteEnvironment(ctx(t), "qa.eu-1"))
	mustField(t, s.DeleteEnvironment(ctx(t), "development"), ff.EINVALID, "name")
	envs, err = s.ListEnvironments(ctx(t))
	must(t, err)
	if len(envs) != 1 || envs[0].Name != "development" {
		t.Fatalf("after deletes: %v", envs)
	}
	// A deleted name can be used again and goes last.
	addEnvs(t, s, "production")
	envs, _ = s.ListEnvironments(ctx(t))
	if len(envs) != 2 || envs[1].Name != "production" {
		t.Fatalf("re-created environment not last: %v", envs)
	}
}

func testDeleteEnvironmentFromFlags(t *testing.T, s ff.Store) {
	addEnvs(t, s, "development", "qa.eu-1", "production")
	f := richFlag("checkout")
	f.Environments["qa.eu-1"] = true
	f.Targeting["qa.eu-1"] = &ff.Targeting{OffVariant: "red"}
	must(t, s.CreateFlag(ctx(t), f))
	other := newFlag("other")
	must(t, s.CreateFlag(ctx(t), other))

	must(t, s.DeleteEnvironment(ctx(t), "qa.eu-1"))
	got, err := s.FindFlag(ctx(t), f.ID)
	must(t, err)
	if _, ok := got.Environments["qa.eu-1"]; ok {
		t.Fatalf("deleted environment still on flag: %v", got.Environments)
	}
	if _, ok := got.Targeting["qa.eu-1"]; ok {
		t.Fatalf("deleted environment's targeting still on flag")
	}
	if got.Version != f.Version+1 {
		t.Fatalf("version = %d, want %d: removing an environment changes the flag", got.Version, f.Version+1)
	}
	if !got.Environments["development"] || got.Targeting["production"] == nil {
		t.Fatalf("other environments changed: %+v", got)
	}
	o, err := s.FindFlag(ctx(t), other.ID)
	must(t, err)
	if o.Version != other.Version {
		t.Fatalf("flag without the environment changed version: %d", o.Version)
	}
}

func testCreateAndFind(t *testing.T, s ff.Store) {
	f := richFlag("new-checkout")
	must(t, s.CreateFlag(ctx(t), f))
	byID, err := s.FindFlag(ctx(t), f.ID)
	must(t, err)
	if !reflect.DeepEqual(byID, f) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", byID, f)
	}
	byName, err := s.FindFlag(ctx(t), "new-checkout")
	must(t, err)
	if byName.ID != f.ID {
		t.Fatalf("find by name gave %s", byName.ID)
	}
	_, err = s.FindFlag(ctx(t), "missing")
	mustCode(t, err, ff.ENOTFOUND)

	// An id wins over a name that happens to equal it.
	g := newFlag(f.ID)
	must(t, s.CreateFlag(ctx(t), g))
	got, err := s.FindFlag(ctx(t), f.ID)
	must(t, err)
	if got.ID != f.ID {
		t.Fatalf("find %q returned the flag named so, not the one with that id", f.ID)
	}

	// The store returns copies: changing one does not change the store.
	got.Environments["development"] = false
	again, _ := s.FindFlag(ctx(t), f.ID)
	if !again.Environments["development"] {
		t.Fatal("changing a returned flag changed the stored one")
	}

	// A plain flag comes back with empty, not nil, environments.
	h := newFlag("plain")
	h.Environments = nil
	must(t, s.CreateFlag(ctx(t), h))
	got, err = s.FindFlag(ctx(t), "plain")
	must(t, err)
	if got.Environments == nil || len(got.Environments) != 0 || got.Variants != nil || got.Targeting != nil || got.Tags != nil {
		t.Fatalf("plain flag round trip: %#v", got)
	}
}

func testNameUniqueness(t *testing.T, s ff.Store) {
	a, b := newFlag("a"), newFlag("b")
	must(t, s.CreateFlag(ctx(t), a))
	must(t, s.CreateFlag(ctx(t), b))
	mustField(t, s.CreateFlag(ctx(t), newFlag("a")), ff.ECONFLICT, "name")
	sameID := newFlag("c")
	sameID.ID = a.ID
	mustField(t, s.CreateFlag(ctx(t), sameID), ff.ECONFLICT, "_id")

	renamed := b.Clone()
	renamed.Name, renamed.Version = "a", b.Version+1
	mustField(t, s.UpdateFlag(ctx(t), renamed, b.Version), ff.ECONFLICT, "name")
	got, err := s.FindFlag(ctx(t), b.ID)
	must(t, err)
	if got.Name != "b" || got.Version != b.Version {
		t.Fatalf("failed rename changed the flag: %+v", got)
	}
	flags, err := s.ListFlags(ctx(t))
	must(t, err)
	if len(flags) != 2 {
		t.Fatalf("%d flags after a refused duplicate, want 2", len(flags))
	}
	// Names are case-sensitive, like the original service's.
	must(t, s.CreateFlag(ctx(t), newFlag("A")))
}

func testListOrdering(t *testing.T, s ff.Store) {
	flags, err := s.ListFlags(ctx(t))
	must(t, err)
	if len(flags) != 0 {
		t.Fatalf("new store lists %d flags", len(flags))
	}
	for _, n := range []string{"m", "b", "z", "a1", "a"} {
		must(t, s.CreateFlag(ctx(t), newFlag(n)))
	}
	flags, err = s.ListFlags(ctx(t))
	must(t, err)
	var names []string
	for _, f := range flags {
		names = append(names, f.Name)
	}
	if want := []string{"a", "a1", "b", "m", "z"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("order = %v, want %v", names, want)
	}
}

func testUpdateVersions(t *testing.T, s ff.Store) {
	f := richFlag("f")
	must(t, s.CreateFlag(ctx(t), f))

	next := f.Clone()
	next.Description, next.Version, next.UpdatedAt = "changed", 2, now.Add(time.Second)
	next.Targeting = nil
	next.Tags = []string{"x"}
	must(t, s.UpdateFlag(ctx(t), next, 1))
	got, err := s.FindFlag(ctx(t), f.ID)
	must(t, err)
	if !reflect.DeepEqual(got, next) {
		t.Fatalf("after update:\n got %#v\nwant %#v", got, next)
	}

	stale := next.Clone()
	stale.Description, stale.Version = "stale", 2
	mustCode(t, s.UpdateFlag(ctx(t), stale, 1), ff.EPRECONDITION)
	got, _ = s.FindFlag(ctx(t), f.ID)
	if got.Description != "changed" || got.Version != 2 {
		t.Fatalf("stale update changed the flag: %+v", got)
	}

	forced := next.Clone()
	forced.Description, forced.Version = "forced", 3
	must(t, s.UpdateFlag(ctx(t), forced, ff.AnyVersion))
	got, _ = s.FindFlag(ctx(t), f.ID)
	if got.Description != "forced" || got.Version != 3 {
		t.Fatalf("unconditional update: %+v", got)
	}

	missing := newFlag("missing")
	mustCode(t, s.UpdateFlag(ctx(t), missing, 1), ff.ENOTFOUND)
}

func testDelete(t *testing.T, s ff.Store) {
	f := newFlag("f")
	must(t, s.CreateFlag(ctx(t), f))
	mustCode(t, s.DeleteFlag(ctx(t), f.ID, 7), ff.EPRECONDITION)
	if _, err := s.FindFlag(ctx(t), f.ID); err != nil {
		t.Fatalf("stale delete deleted: %v", err)
	}
	must(t, s.DeleteFlag(ctx(t), f.ID, 1))
	_, err := s.FindFlag(ctx(t), f.ID)
	mustCode(t, err, ff.ENOTFOUND)
	mustCode(t, s.DeleteFlag(ctx(t), f.ID, ff.AnyVersion), ff.ENOTFOUND)
	// The name is free again.
	must(t, s.CreateFlag(ctx(t), newFlag("f")))
}

func testToggle(t *testing.T, s ff.Store) {
	f := richFlag("f")
	must(t, s.CreateFlag(ctx(t), f))
	later := now.Add(time.Minute)

	got, err := s.ToggleFlag(ctx(t), f.ID, "development", ff.AnyVersion, later)
	must(t, err)
	if got.Environments["development"] || got.Version != 2 || !got.UpdatedAt.Equal(later) {
		t.Fatalf("after toggle: %+v", got)
	}
	if got.Environments["production"] || got.Targeting["production"] == nil || got.Description != f.Description {
		t.Fatalf("toggle changed more than one environment: %+v", got)
	}
	// An environment the flag does not mention yet is off, so it turns on;
	// names with dots work.
	got, err = s.ToggleFlag(ctx(t), f.ID, "qa.eu-1", 2, later)
	must(t, err)
	if !got.Environments["qa.eu-1"] || got.Version != 3 {
		t.Fatalf("toggle of an unmentioned environment: %+v", got)
	}
	_, err = s.ToggleFlag(ctx(t), f.ID, "production", 2, later)
	mustCode(t, err, ff.EPRECONDITION)
	again, _ := s.FindFlag(ctx(t), f.ID)
	if again.Environments["production"] || again.Version != 3 {
		t.Fatalf("stale toggle changed the flag: %+v", again)
	}
	_, err = s.ToggleFlag(ctx(t), "missing", "production", ff.AnyVersion, later)
	mustCode(t, err, ff.ENOTFOUND)
}

func testConcurrentToggle(t *testing.T, s ff.Store) {
	f := newFlag("hot")
	must(t, s.CreateFlag(ctx(t), f))
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ToggleFlag(ctx(t), f.ID, "production", ff.AnyVersion, now)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.FindFlag(ctx(t), f.ID)
	must(t, err)
	// An even number of toggles leaves the state as it was.
	if got.Environments["production"] != f.Environments["production"] || got.Version != 1+n {
		t.Fatalf("after %d toggles: production=%v version=%d, want %v and %d", n, got.Environments["production"], got.Version, f.Environments["production"], 1+n)
	}
}

func testConcurrentUpdateOneWinner(t *testing.T, s ff.Store) {
	f := newFlag("contended")
	must(t, s.CreateFlag(ctx(t), f))
	const n = 16
	var wg sync.WaitGroup
	results := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := f.Clone()
			next.Description, next.Version = fmt.Sprintf("writer %d", i), 2
			results <- s.UpdateFlag(ctx(t), next, 1)
		}()
	}
	wg.Wait()
	close(results)
	won := 0
	for err := range results {
		switch ff.ErrorCode(err) {
		case "":
			won++
		case ff.EPRECONDITION:
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d writers won the same version, want exactly 1", won)
	}
}

func testSegments(t *testing.T, s ff.Store) {
	sg := &ff.Segment{
		ID: ff.NewID(), Name: "beta", Description: "beta testers", Match: "any",
		Conditions: []ff.Condition{{Attribute: "email", Operator: "endsWith", Value: "@example.com"}},
		Version:    1, CreatedAt: now, UpdatedAt: now,
	}
	must(t, s.CreateSegment(ctx(t), sg))
	got, err := s.FindSegment(ctx(t), "beta")
	must(t, err)
	if !reflect.DeepEqual(got, sg) {
		t.Fatalf("segment round trip:\n got %#v\nwant %#v", got, sg)
	}
	mustField(t, s.CreateSegment(ctx(t), &ff.Segment{ID: ff.NewID(), Name: "beta", Match: "all", Version: 1, CreatedAt: now, UpdatedAt: now}), ff.ECONFLICT, "name")
	mustField(t, s.CreateSegment(ctx(t), &ff.Segment{ID: sg.ID, Name: "gamma", Match: "all", Version: 1, CreatedAt: now, UpdatedAt: now}), ff.ECONFLICT, "_id")
	next := *sg
	next.Match, next.Version = "all", 2
	must(t, s.UpdateSegment(ctx(t), &next, 1))
	mustCode(t, s.UpdateSegment(ctx(t), &next, 1), ff.EPRECONDITION)
	must(t, s.CreateSegment(ctx(t), &ff.Segment{ID: ff.NewID(), Name: "alpha", Match: "all", Version: 1, CreatedAt: now, UpdatedAt: now}))
	segs, err := s.ListSegments(ctx(t))
	must(t, err)
	if len(segs) != 2 || segs[0].Name != "alpha" || segs[1].Match != "all" {
		t.Fatalf("segments = %+v", segs)
	}
	mustCode(t, s.DeleteSegment(ctx(t), sg.ID, 1), ff.EPRECONDITION)
	must(t, s.DeleteSegment(ctx(t), sg.ID, 2))
	_, err = s.FindSegment(ctx(t), sg.ID)
	mustCode(t, err, ff.ENOTFOUND)
}
