package eval

import (
	"github.com/featureflags/featureflags"
)

// With returns a new snapshot at revision that differs from s in one flag:
// the flag named oldKey (if any) is removed and f (if not nil) is compiled
// in. It costs one flag's compilation and, per environment, a change to a
// persistent map that shares everything else with s: the cost does not grow
// with the number of flags. s itself is unchanged.
func (s *Snapshot) With(oldKey string, f *featureflags.Flag, revision int64) *Snapshot {
	archived := ""
	if f != nil && f.ArchivedAt != nil { // archived flags evaluate as not found
		archived, f = f.Name, nil
	}
	next := &Snapshot{revision: revision, envNames: s.envNames, envs: make(map[string]*envFlags, len(s.envs)), segments: s.segments, uncounted: s.uncounted}
	c := newCompiler(s.segments)
	var d *flagDef
	var err error
	if f != nil {
		d, err = c.flag(f)
	}
	for _, t := range s.envList {
		nt := &envFlags{name: t.name, flags: t.flags}
		for _, key := range [...]string{oldKey, archived} {
			if key != "" {
				nt.flags = nt.flags.Delete(key)
			}
		}
		if f != nil {
			nt.flags = nt.flags.Set(f.Name, c.flagIn(f, d, err, t.name))
		}
		next.envList = append(next.envList, nt)
		next.envs[t.name] = nt
	}
	return next
}
