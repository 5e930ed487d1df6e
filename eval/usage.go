package eval

import (
	"sync/atomic"

	"github.com/featureflags/featureflags/internal/pmap"
)

// Usage counting. Every result a snapshot can give is built at compile time;
// its evaluation count sits beside it, so counting an evaluation is one
// atomic add on memory the evaluation already reads: no lock, no map, no
// allocation. Bulk answers count in memory of their own instead (bulk.go),
// which Drain adds in. A collector
// drains the counts (Drain) in the background.

// tally is a compiled result and how many times it was served.
type tally struct {
	Result
	n atomic.Uint64
}

// count records one serving of t, unless s does not count.
func (s *Snapshot) count(t *tally) *Result {
	if !s.uncounted {
		t.n.Add(1)
	}
	return &t.Result
}

// WithoutCounting returns a snapshot that evaluates as s does but counts
// nothing: for evaluations that answer no application (previews, tests) and
// for measuring what counting costs.
func (s *Snapshot) WithoutCounting() *Snapshot {
	c := *s
	c.uncounted = true
	return &c
}

// Count is how many times one result was served since the last Drain.
type Count struct {
	Environment string
	Flag        string
	Variant     string // empty for errors
	Reason      string
	ErrorCode   string // set when Reason is ERROR
	N           uint64
}

// Drain calls fn with every non-zero count of s and resets it to zero, so
// that each evaluation is reported once however often, and from however many
// goroutines, Drain is called. Snapshots made by With share the compiled
// flags they did not change: draining both reports each evaluation once.
// Evaluations running meanwhile are never blocked; they land in this drain or
// the next.
func (s *Snapshot) Drain(fn func(Count)) {
	for _, t := range s.envList {
		for l := range t.flags.Leaves() {
			t.drain(l, fn)
		}
	}
}

// DrainReplaced is Drain for a snapshot that cur replaced: it drains only
// the compiled flags of s that cur does not share, which Drain on cur
// would miss. For a snapshot With made (or its ancestors), that is the few
// flags around the changed ones, whatever the number of flags; for one
// cur does not descend from, every flag.
func (s *Snapshot) DrainReplaced(cur *Snapshot, fn func(Count)) {
	for _, t := range s.envList {
		var shared pmap.Map[*flagEnv]
		if cur != nil {
			if ct := cur.envs[t.name]; ct != nil {
				shared = ct.flags
			}
		}
		for l := range t.flags.UnsharedLeaves(shared) {
			t.drain(l, fn)
		}
	}
}

// tallies calls fn with every result f can serve.
func (f *flagEnv) tallies(fn func(*tally)) {
	if f.fixed != nil {
		fn(f.fixed)
		return
	}
	if f.prereqs != nil {
		fn(f.prereqs.failed)
	}
	if f.overWork != nil {
		fn(f.overWork)
	}
	for i := range f.rules {
		f.rules[i].serve.tallies(fn)
	}
	f.def.tallies(fn)
}

func (s *serve) tallies(fn func(*tally)) {
	if s.rollout == nil {
		fn(s.result)
		return
	}
	for i := range s.rollout.results {
		fn(&s.rollout.results[i])
	}
	fn(&s.rollout.missing)
}
