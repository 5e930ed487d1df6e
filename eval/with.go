package eval

import (
	"slices"
	"strings"

	"github.com/featureflags/featureflags"
)

// With returns a new snapshot at revision that differs from s in one flag:
// the flag named oldKey (if any) is removed and f (if not nil) is compiled
// in. It costs one flag's compilation and a copy of each environment's index,
// instead of compiling every flag again; s itself is unchanged.
func (s *Snapshot) With(oldKey string, f *featureflags.Flag, revision int64) *Snapshot {
	if f != nil && f.ArchivedAt != nil { // archived flags evaluate as not found
		f = nil
	}
	next := &Snapshot{revision: revision, envNames: s.envNames, envs: make(map[string]*envFlags, len(s.envs)), segments: s.segments, uncounted: s.uncounted}
	c := newCompiler(s.segments)
	var d *flagDef
	var err error
	if f != nil {
		d, err = c.flag(f)
	}
	for _, t := range s.envList {
		nt := &envFlags{name: t.name, byKey: make(map[string]*flagEnv, len(t.byKey)+1), sorted: make([]*flagEnv, 0, len(t.sorted)+1)}
		for k, v := range t.byKey {
			if k != oldKey {
				nt.byKey[k] = v
			}
		}
		for _, fe := range t.sorted {
			if fe.key != oldKey {
				nt.sorted = append(nt.sorted, fe)
			}
		}
		if f != nil {
			fe := c.flagIn(f, d, err, t.name)
			if old, dup := nt.byKey[f.Name]; dup {
				nt.sorted = slices.DeleteFunc(nt.sorted, func(x *flagEnv) bool { return x == old })
			}
			nt.byKey[f.Name] = fe
			i, _ := slices.BinarySearchFunc(nt.sorted, f.Name, func(x *flagEnv, key string) int { return strings.Compare(x.key, key) })
			nt.sorted = slices.Insert(nt.sorted, i, fe)
		}
		next.envList = append(next.envList, nt)
		next.envs[t.name] = nt
	}
	return next
}
