package storetest

import (
	"testing"

	ff "github.com/featureflags/featureflags"
)

// testApply: Apply upserts and deletes in one change at a revision, and
// refuses, changing nothing, once the revision has moved.
func testApply(t *testing.T, s ff.Store) {
	d := sampleDataset()
	must(t, s.Import(ctx(t), d))
	planned, err := s.Revision(ctx(t))
	must(t, err)
	_, err = s.ToggleFlag(ctx(t), d.Flags[1].ID, "production", ff.AnyVersion, now) // a write after the plan
	must(t, err)
	rev, err := s.Revision(ctx(t))
	must(t, err)

	// A stale revision: refused, nothing written.
	stale := &ff.Change{Dataset: &ff.Dataset{Flags: []*ff.Flag{newFlag("gamma")}}, DeleteFlags: []string{d.Flags[0].ID}, Revision: planned}
	if err := s.Apply(ctx(t), stale); ff.ErrorCode(err) != ff.EPRECONDITION {
		t.Fatalf("Apply at a stale revision: %v, want %s", err, ff.EPRECONDITION)
	}
	if after, _ := s.Revision(ctx(t)); after != rev {
		t.Fatalf("a refused Apply moved the revision %d -> %d", rev, after)
	}
	if _, err := s.FindFlag(ctx(t), "gamma"); ff.ErrorCode(err) != ff.ENOTFOUND {
		t.Fatalf("a refused Apply created a flag: %v", err)
	}

	// At the current revision: gamma in, alpha, the segment and qa.eu-1 out.
	d.Flags[1].Environments = map[string]bool{"development": false, "production": true}
	change := &ff.Change{
		Dataset:            &ff.Dataset{Flags: []*ff.Flag{newFlag("gamma"), d.Flags[1]}},
		DeleteFlags:        []string{d.Flags[0].ID},
		DeleteSegments:     []string{d.Segments[0].ID},
		DeleteEnvironments: []string{"qa.eu-1"},
		Revision:           rev,
	}
	must(t, s.Apply(ctx(t), change))
	got, err := s.Load(ctx(t))
	must(t, err)
	if len(got.Flags) != 2 || got.Flags[0].Name != "beta" || got.Flags[1].Name != "gamma" || len(got.Segments) != 0 || len(got.Environments) != 2 {
		t.Fatalf("after Apply: %s", dump(got))
	}
	if got.Revision <= rev {
		t.Fatalf("Apply did not move the revision: %d", got.Revision)
	}
}

// testApplyAuditsEach: Apply with several events (WithAuditEvents) writes
// every one of them with the change; a refused Apply writes none.
func testApplyAuditsEach(t *testing.T, s ff.Store) {
	addEnvs(t, s, "development", "production")
	a, b := newFlag("a"), newFlag("b")
	must(t, s.CreateFlag(ctx(t), a))
	must(t, s.CreateFlag(ctx(t), b))
	rev, err := s.Revision(ctx(t))
	must(t, err)
	event := func(f *ff.Flag) *ff.AuditEvent {
		return &ff.AuditEvent{Time: now, Actor: ff.Actor{Type: "local", Name: "alice"}, Action: "flag.promote", TargetType: "flag", TargetID: f.ID, TargetName: f.Name, Environment: "production"}
	}
	a2, b2 := next(a, requiring("b")), next(b, nil)
	change := &ff.Change{Dataset: &ff.Dataset{Flags: []*ff.Flag{a2, b2}}, Revision: rev}
	stale := *change
	stale.Revision = rev - 1
	mustCode(t, s.Apply(ff.WithAuditEvents(ctx(t), []*ff.AuditEvent{event(a), event(b)}), &stale), ff.EPRECONDITION)
	must(t, s.Apply(ff.WithAuditEvents(ctx(t), []*ff.AuditEvent{event(a), event(b)}), change))
	all, _, err := s.ListAudit(ctx(t), ff.AuditFilter{Actor: "alice"})
	must(t, err)
	names := map[string]int{}
	for _, ev := range all {
		names[ev.TargetName]++
	}
	if len(all) != 2 || names["a"] != 1 || names["b"] != 1 {
		t.Fatalf("events after one Apply with two: %s", dump(all))
	}
	got, err := s.FindFlag(ctx(t), "a")
	must(t, err)
	if got.Version != 2 || got.PrerequisiteRefs()[0] != "b" {
		t.Fatalf("after Apply: %s", dump(got))
	}
}
