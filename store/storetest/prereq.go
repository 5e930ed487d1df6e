package storetest

import (
	"fmt"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
)

// requiring returns the production targeting of a flag that requires the
// flags names to be on.
func requiring(names ...string) map[string]*ff.Targeting {
	t := &ff.Targeting{}
	for _, n := range names {
		t.Prerequisites = append(t.Prerequisites, ff.Prerequisite{Flag: n, Variants: []string{"on"}})
	}
	return map[string]*ff.Targeting{"production": t}
}

// flagRequiring returns a new flag requiring the flags names in production.
func flagRequiring(name string, names ...string) *ff.Flag {
	f := newFlag(name)
	f.Targeting = requiring(names...)
	return f
}

// next returns f with targeting and version changed, as an update writes it.
func next(f *ff.Flag, targeting map[string]*ff.Targeting) *ff.Flag {
	g := f.Clone()
	g.Targeting, g.Version = targeting, f.Version+1
	return g
}

// The store refuses, inside the write's transaction, a prerequisite that
// does not exist or is archived, a cycle, and deleting, archiving or
// renaming a flag others require (naming them).
func testPrerequisites(t *testing.T, s ff.Store) {
	addEnvs(t, s, "development", "production")
	base, mid := newFlag("base"), flagRequiring("mid", "base")
	mustField(t, s.CreateFlag(ctx(t), mid), ff.EINVALID, "targeting.production.prerequisites[0].flag")
	must(t, s.CreateFlag(ctx(t), base))
	must(t, s.CreateFlag(ctx(t), mid))
	top := flagRequiring("top", "mid", "base")
	must(t, s.CreateFlag(ctx(t), top))
	mustField(t, s.CreateFlag(ctx(t), flagRequiring("self", "self")), ff.EINVALID, "targeting.production.prerequisites")
	err := s.UpdateFlag(ctx(t), next(base, requiring("top")), 1)
	mustField(t, err, ff.EINVALID, "targeting.production.prerequisites")
	if msg := ff.ErrorMessage(err); !strings.Contains(msg, "base -> top -> mid -> base") && !strings.Contains(msg, "base -> top -> base") {
		t.Errorf("cycle message %q does not name the cycle", msg)
	}
	// Another environment is another graph: no cycle.
	other := next(base, map[string]*ff.Targeting{"development": {Prerequisites: []ff.Prerequisite{{Flag: "top", Variants: []string{"on"}}}}})
	must(t, s.UpdateFlag(ctx(t), other, 1))
	must(t, s.UpdateFlag(ctx(t), next(other, nil), 2))
	base.Version = 3

	err = s.DeleteFlag(ctx(t), base.ID, ff.AnyVersion)
	mustCode(t, err, ff.ECONFLICT)
	if msg := ff.ErrorMessage(err); !strings.Contains(msg, `"mid", "top"`) {
		t.Errorf("in-use message %q does not name both users", msg)
	}
	archived := next(base, nil)
	archived.ArchivedAt = &now
	mustCode(t, s.UpdateFlag(ctx(t), archived, 3), ff.ECONFLICT)
	renamed := next(base, nil)
	renamed.Name = "base2"
	mustCode(t, s.UpdateFlag(ctx(t), renamed, 3), ff.ECONFLICT)
	checkUnchanged(t, s, map[string]int64{"base": 3, "mid": 1, "top": 1})

	// Once nothing requires them, they go; an archived flag cannot be required.
	must(t, s.DeleteFlag(ctx(t), top.ID, ff.AnyVersion))
	must(t, s.UpdateFlag(ctx(t), next(mid, nil), 1))
	must(t, s.UpdateFlag(ctx(t), archived, 3))
	mustField(t, s.UpdateFlag(ctx(t), next(mid, requiring("base")), 2), ff.EINVALID, "targeting.production.prerequisites[0].flag")
	must(t, s.DeleteFlag(ctx(t), base.ID, ff.AnyVersion))
}

func checkUnchanged(t *testing.T, s ff.Store, versions map[string]int64) {
	t.Helper()
	d, err := s.Load(ctx(t))
	must(t, err)
	if len(d.Flags) != len(versions) {
		t.Fatalf("refused writes changed the store:\n%s", dump(d))
	}
	for _, f := range d.Flags {
		if versions[f.Name] != f.Version || f.ArchivedAt != nil {
			t.Fatalf("refused writes changed flag %q:\n%s", f.Name, dump(d))
		}
	}
}

// Import takes flags requiring each other in any order, and refuses
// (changing nothing) a dataset with a missing prerequisite or a cycle.
func testImportPrerequisites(t *testing.T, s ff.Store) {
	addEnvs(t, s, "development", "production")
	env := []*ff.Environment{{Name: "production", CreatedAt: now}}
	must(t, s.Import(ctx(t), &ff.Dataset{Environments: env, Flags: []*ff.Flag{flagRequiring("a", "b"), newFlag("b")}}))
	bad := []*ff.Dataset{
		{Environments: env, Flags: []*ff.Flag{flagRequiring("c", "nope")}},
		{Environments: env, Flags: []*ff.Flag{flagRequiring("c", "d"), flagRequiring("d", "c")}},
		{Environments: env, Flags: []*ff.Flag{flagRequiring("b", "a")}}, // a -> b -> a with the stored a
	}
	for i, d := range bad {
		mustCode(t, s.Import(ctx(t), d), ff.EINVALID)
		got, err := s.Load(ctx(t))
		must(t, err)
		if len(got.Flags) != 2 || len(got.Flags[1].PrerequisiteRefs()) != 0 {
			t.Fatalf("refused import %d changed the store:\n%s", i, dump(got))
		}
	}
}

func requiringInput(name string, names ...string) service.FlagInput {
	return service.FlagInput{Name: name, Environments: map[string]bool{"production": true}, Targeting: requiring(names...)}
}

func createFlags(t *testing.T, s *service.Service, names ...string) {
	t.Helper()
	for _, n := range names {
		_, err := s.CreateFlag(ctx(t), service.FlagInput{Name: n})
		must(t, err)
	}
}

// The two services race: one deletes or archives a flag while the other
// starts requiring it, and both close half of a cycle at once. Whoever
// wins, no flag requires a missing one and there is no cycle (checkWhole).
func testRacingPrerequisites(t *testing.T, a, b *service.Service) {
	for i := range racingRounds {
		req, p, q := fmt.Sprintf("r%d", i), fmt.Sprintf("fp%d", i), fmt.Sprintf("fq%d", i)
		createFlags(t, a, req, p, q)
		_, err := b.ListFlags(ctx(t))
		must(t, err)
		race(t,
			func() error {
				if i%2 == 0 {
					return a.DeleteFlag(ctx(t), req, ff.AnyVersion)
				}
				_, err := a.ArchiveFlag(ctx(t), req, ff.AnyVersion)
				return err
			},
			func() error { _, err := b.CreateFlag(ctx(t), requiringInput("needs-"+req, req)); return err },
			func() error {
				_, err := a.SetTargeting(ctx(t), p, "production", requiring(q)["production"], ff.AnyVersion)
				return err
			},
			func() error {
				_, err := b.SetTargeting(ctx(t), q, "production", requiring(p)["production"], ff.AnyVersion)
				return err
			},
		)
	}
}

// checkPrerequisitesWhole checks that every prerequisite names a flag that
// exists and is not archived, and that no flags require each other in a
// cycle.
func checkPrerequisitesWhole(t *testing.T, flags []*ff.Flag) {
	t.Helper()
	byName := map[string]*ff.Flag{}
	for _, f := range flags {
		byName[f.Name] = f
	}
	for _, f := range flags {
		for env, tg := range f.Targeting {
			for _, p := range tg.Prerequisites {
				if g := byName[p.Flag]; g == nil || g.ArchivedAt != nil {
					t.Errorf("flag %q requires the missing or archived flag %q", f.Name, p.Flag)
				}
				if reaches(byName, env, p.Flag, f.Name, map[string]bool{}) {
					t.Errorf("flag %q requires itself through %q in %s", f.Name, p.Flag, env)
				}
			}
		}
	}
}

func reaches(byName map[string]*ff.Flag, env, from, to string, seen map[string]bool) bool {
	if from == to {
		return true
	}
	if seen[from] || byName[from] == nil {
		return false
	}
	seen[from] = true
	for _, n := range byName[from].PrerequisitesIn(env) {
		if reaches(byName, env, n, to, seen) {
			return true
		}
	}
	return false
}
