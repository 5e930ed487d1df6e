// Package prereq checks flag prerequisites for the stores that check them
// in Go (SQLite inside its write transaction, MongoDB around its writes;
// PostgreSQL checks them in triggers, migration 0011): every prerequisite
// names a stored flag that is not archived, no flags require each other in
// a cycle within an environment, and a flag others require is neither
// deleted, archived nor renamed.
package prereq

import (
	"context"
	"slices"
	"strconv"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/storeerr"
)

// Finder returns the stored flag named name, or nil when there is none.
type Finder func(ctx context.Context, name string) (*ff.Flag, error)

// Check checks the prerequisites of f, as written: each names a flag find
// knows that is not archived, and none leads back to f in its environment.
func Check(ctx context.Context, f *ff.Flag, find Finder) error {
	envs := make([]string, 0, len(f.Targeting))
	for env, t := range f.Targeting {
		if t != nil && len(t.Prerequisites) > 0 {
			envs = append(envs, env)
		}
	}
	slices.Sort(envs)
	for _, env := range envs {
		for i, p := range f.Targeting[env].Prerequisites {
			if p.Flag == f.Name {
				return storeerr.PrerequisiteCycle(env, []string{f.Name, f.Name})
			}
			g, err := find(ctx, p.Flag)
			if err != nil {
				return err
			}
			if g == nil || g.ArchivedAt != nil {
				field := "targeting." + env + ".prerequisites[" + strconv.Itoa(i) + "].flag"
				return storeerr.MissingPrerequisite(field, p.Flag)
			}
		}
		cycle, err := cycleFrom(ctx, f, env, find)
		if err != nil {
			return err
		}
		if cycle != nil {
			return storeerr.PrerequisiteCycle(env, cycle)
		}
	}
	return nil
}

// cycleFrom returns the names along a path of prerequisites in env from f
// back to f (f's name first and last), or nil when there is none.
func cycleFrom(ctx context.Context, f *ff.Flag, env string, find Finder) ([]string, error) {
	seen := map[string]bool{}
	path := []string{f.Name}
	var visit func(name string) ([]string, error)
	visit = func(name string) ([]string, error) {
		if name == f.Name {
			return append(slices.Clone(path), name), nil
		}
		if seen[name] {
			return nil, nil
		}
		seen[name] = true
		g, err := find(ctx, name)
		if err != nil || g == nil {
			return nil, err
		}
		path = append(path, name)
		for _, next := range g.PrerequisitesIn(env) {
			if cycle, err := visit(next); cycle != nil || err != nil {
				return cycle, err
			}
		}
		path = path[:len(path)-1]
		return nil, nil
	}
	for _, name := range f.PrerequisitesIn(env) {
		if cycle, err := visit(name); cycle != nil || err != nil {
			return cycle, err
		}
	}
	return nil, nil
}

// Users returns, in order, the names of the flags other than the one named
// name that require it.
func Users(flags []*ff.Flag, name string) []string {
	var users []string
	for _, f := range flags {
		if f.Name != name && f.Requires(name) {
			users = append(users, f.Name)
		}
	}
	slices.Sort(users)
	return users
}

// Gone reports whether writing next in place of prev (nil: deleting prev)
// takes prev's name away from the flags that may require it: a delete, a
// rename or an archive.
func Gone(prev, next *ff.Flag) bool {
	return next == nil || next.Name != prev.Name || (next.ArchivedAt != nil && prev.ArchivedAt == nil)
}

// CheckAll checks every flag of flags, as a whole dataset: what Import and
// Apply leave.
func CheckAll(ctx context.Context, flags []*ff.Flag) error {
	byName := make(map[string]*ff.Flag, len(flags))
	for _, f := range flags {
		byName[f.Name] = f
	}
	find := func(_ context.Context, name string) (*ff.Flag, error) { return byName[name], nil }
	for _, f := range flags {
		if err := Check(ctx, f, find); err != nil {
			return err
		}
	}
	return nil
}
