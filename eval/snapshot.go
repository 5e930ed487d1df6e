package eval

import (
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/pmap"
)

// Snapshot is an immutable, compiled set of flags for a list of
// environments. It is never changed after Compile and is safe for concurrent
// use; to apply changes, compile a new one and swap it in (an atomic.Pointer
// suits).
type Snapshot struct {
	revision  int64
	envNames  []string
	envList   []*envFlags // in envNames order
	envs      map[string]*envFlags
	segments  map[string]*featureflags.Segment // as given to Compile, for With
	uncounted bool                             // see WithoutCounting
}

// envFlags are one environment's flags by key, in a persistent map so that
// With shares every flag it does not change with the snapshot before.
type envFlags struct {
	name  string
	flags pmap.Map[*flagEnv]
}

// Compile compiles flags for environments. A flag that does not compile (a
// segment it uses was deleted, say) evaluates to a PARSE_ERROR result for
// that flag and environment only; the rest of the snapshot is unaffected.
// When two flags or two segments share a name the first one wins.
func Compile(flags []*featureflags.Flag, segments []*featureflags.Segment, environments []string, revision int64) *Snapshot {
	sources := make(map[string]*featureflags.Segment, len(segments))
	for _, s := range segments {
		if s == nil {
			continue
		}
		if _, dup := sources[s.Name]; !dup {
			sources[s.Name] = s
		}
	}
	snap := &Snapshot{revision: revision, envs: make(map[string]*envFlags, len(environments)), segments: sources}
	builders := make([]pmap.Builder[*flagEnv], 0, len(environments))
	for _, env := range environments {
		if _, dup := snap.envs[env]; !dup {
			t := &envFlags{name: env}
			snap.envNames = append(snap.envNames, env)
			snap.envList = append(snap.envList, t)
			snap.envs[env] = t
			builders = append(builders, pmap.Builder[*flagEnv]{})
		}
	}
	live := slices.DeleteFunc(firstByName(flags), func(f *featureflags.Flag) bool {
		return f.ArchivedAt != nil // archived flags evaluate as not found
	})
	compiled := compileAll(live, sources, snap.envNames)
	for j, f := range live {
		for i := range snap.envNames {
			builders[i].Add(f.Name, compiled[j*len(snap.envNames)+i])
		}
	}
	for i, t := range snap.envList {
		t.flags = builders[i].Map()
	}
	return snap
}

// parallelFlags is the fewest flags worth compiling on several goroutines.
const parallelFlags = 4096

// compileAll compiles flags for envs, flag by flag and environment by
// environment in one slice, on up to GOMAXPROCS goroutines (each with a
// compiler of its own) when there are many: a start at 100,000 flags waits
// for a share of the compilation.
func compileAll(flags []*featureflags.Flag, sources map[string]*featureflags.Segment, envs []string) []*flagEnv {
	out := make([]*flagEnv, len(flags)*len(envs))
	workers := 1
	if len(flags) >= parallelFlags {
		workers = runtime.GOMAXPROCS(0)
	}
	per := (len(flags) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(flags); lo += per {
		hi := min(lo+per, len(flags))
		wg.Go(func() {
			c := newCompiler(sources)
			for j := lo; j < hi; j++ {
				f := flags[j]
				d, err := c.flag(f)
				for i, env := range envs {
					out[j*len(envs)+i] = c.flagIn(f, d, err, env)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// firstByName returns flags without nils, ordered by name, and of flags
// sharing a name the first.
func firstByName(flags []*featureflags.Flag) []*featureflags.Flag {
	out := make([]*featureflags.Flag, 0, len(flags))
	for _, f := range flags {
		if f != nil {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b *featureflags.Flag) int { return strings.Compare(a.Name, b.Name) })
	return slices.CompactFunc(out, func(a, b *featureflags.Flag) bool { return a.Name == b.Name })
}

// flagIn compiles f for env, given c.flag's result for it (d and defErr).
// A flag that does not compile, as a whole or in env, becomes a stand-in that
// evaluates to PARSE_ERROR.
func (c *compiler) flagIn(f *featureflags.Flag, d *flagDef, defErr error, env string) *flagEnv {
	fe, err := (*flagEnv)(nil), defErr
	if err == nil {
		fe, err = c.env(d, env, f.Targeting[env], f.Environments[env])
	}
	if err != nil {
		fe = brokenFlag(f.Name, f.Type, env, err)
	}
	fe.setMetadata(c.metadataFor(f))
	return fe
}

func brokenFlag(key string, typ featureflags.FlagType, env string, err error) *flagEnv {
	if typ == "" {
		typ = featureflags.TypeBoolean
	}
	return &flagEnv{key: key, typ: typ, problem: problemOf(key, env, err), fixed: &tally{Result: Result{Key: key, Type: typ, Reason: ReasonError,
		ErrorCode: ErrorParse, ErrorDetails: "the flag does not compile: " + err.Error()}}}
}

// Revision returns the revision Compile was given.
func (s *Snapshot) Revision() int64 { return s.revision }

// Environments returns the snapshot's environments in the order Compile was
// given them, without duplicates.
func (s *Snapshot) Environments() []string { return slices.Clone(s.envNames) }

// Keys returns the keys (names) of env's flags in ascending order, or nil for
// an unknown environment.
func (s *Snapshot) Keys(env string) []string {
	t := s.env(env)
	if t == nil {
		return nil
	}
	keys := make([]string, 0, t.flags.Len())
	for k := range t.flags.All() {
		keys = append(keys, k)
	}
	return keys
}

// Lookup reports whether env has a flag named key, and its type.
func (s *Snapshot) Lookup(env, key string) (featureflags.FlagType, bool) {
	if t := s.env(env); t != nil {
		if f, ok := t.flags.Get(key); ok {
			return f.typ, true
		}
	}
	return "", false
}

// env returns the named environment's flags, or nil. Services have a few
// environments, and comparing a few strings is cheaper than hashing one.
func (s *Snapshot) env(name string) *envFlags {
	if len(s.envList) > smallSet {
		return s.envs[name]
	}
	for _, t := range s.envList {
		if t.name == name {
			return t
		}
	}
	return nil
}
