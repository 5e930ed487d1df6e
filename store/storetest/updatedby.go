package storetest

import (
	"testing"

	ff "github.com/featureflags/featureflags"
)

// testUpdatedBy: a flag keeps who changed it last. A write stores the
// flag's UpdatedBy; a toggle sets it to the actor of its audit event (and
// to none without one), and a later whole write replaces it again.
func testUpdatedBy(t *testing.T, s ff.Store) {
	addEnvs(t, s, "development", "production")
	a := &auditor{t: t, s: s}
	f := newFlag("owned")
	f.UpdatedBy = &ff.Actor{Type: "token", ID: "tok-0", Name: "bob"}
	must(t, s.CreateFlag(ctx(t), f))
	check := func(when string, want *ff.Actor) {
		t.Helper()
		got, err := s.FindFlag(ctx(t), f.ID)
		must(t, err)
		if (got.UpdatedBy == nil) != (want == nil) || (want != nil && *got.UpdatedBy != *want) {
			t.Fatalf("%s: updatedBy %s, want %s", when, dump(got.UpdatedBy), dump(want))
		}
	}
	check("after create", f.UpdatedBy)

	c, ev := a.event("flag.toggle", "flag", f.ID, f.Name, "production")
	toggled, err := s.ToggleFlag(c, f.ID, "production", ff.AnyVersion, now)
	must(t, err)
	if toggled.UpdatedBy == nil || *toggled.UpdatedBy != ev.Actor {
		t.Fatalf("toggle answered updatedBy %s, want %s", dump(toggled.UpdatedBy), dump(ev.Actor))
	}
	check("after a toggle", &ev.Actor)

	next := toggled.Clone()
	next.Version, next.Description = toggled.Version+1, "changed"
	next.UpdatedBy = &ff.Actor{Type: "cli"}
	must(t, s.UpdateFlag(ctx(t), next, toggled.Version))
	check("after an update", next.UpdatedBy)

	_, err = s.ToggleFlag(ctx(t), f.ID, "production", ff.AnyVersion, now)
	must(t, err)
	check("after a toggle without an audit event", nil)
}
