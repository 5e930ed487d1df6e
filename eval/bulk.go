package eval

import (
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/featureflags/featureflags/internal/pmap"
)

// Bulk answers. An environment's flags sit in the leaves of a persistent
// map (pmap) that snapshots made by With share until one of a leaf's flags
// changes. A bulk answer keeps with each leaf (pmap.Leaf.Memo) what it
// needs that does not depend on the context (leafRuns): every result the
// leaf's flags can give, encoded, in one slab that starts with the leaf's
// likely answer (the fixed flags, whose result is the same for every
// context, and each targeted flag's default result in its place); and its
// own counts. An answer copies the pieces it gives that follow one another
// in the slab at once, so a leaf whose targeted flags all give their
// likely result is one copy; it touches neither the fixed flags nor the
// compiled results.
//
// What an answer reads per targeted flag is kept small and side by side,
// as a thousand compiled flags are spread over the heap and each read of
// one missed the cache under load. The answer's memo (beginBulk) remembers
// the outcome of each condition that flags share (outcomes.go): a
// condition many flags test is decided once per answer, not once per
// flag. A flag whose rules test only such conditions and that has no
// prerequisites (most targeted flags) is not even evaluated: the leaf
// keeps its conditions' ids and its serves next to its neighbours'
// (leafRuns.steps and serves), and the answer walks their outcomes in the
// memo (outcomeMemo.first) and takes the encoding of the serve that won,
// plus its rollout's variant, without reading the compiled flag. Other
// flags are evaluated, and their result's encoding is found by comparing
// its address with the flag's few results in encs, from the last (the
// default's, which most contexts get), not by reading the result. What is
// left per targeted flag is the walk, its rollout's hash (murmur3 over the
// targeting key, after the salt's state kept at compile time), and the
// copy of its encoding unless it follows its neighbours'.
//
// Counting stays exact: every answer counts each leaf it gave once
// (countShard.served), which Drain attributes to each of the leaf's fixed
// flags, and each targeted flag's result in a counter of the leaf's, next
// to its neighbours' instead of in its tally; Drain adds both to the
// tallies' counts, so each flag an answer gives is counted once, as if
// evaluated one by one. An answer adds a leaf's counts at once, under the
// lock of one of the leaf's shards (countShard), not with an atomic add
// per flag.

// AppendEncoded appends to b the results of every flag of env for ctx, in
// key order, as encode writes them, separated by sep (nothing for an
// unknown environment), and returns b. After each leaf of flags (up to 64
// of them) it calls flush with b, which returns the buffer to go on with
// (b itself, or b[:0] once written out) and whether to go on: an answer
// stopped (a client gone) counts the flags it appended, no more. Every
// result is encoded once per leaf of flags and copied from then on, so
// encode must depend on the result alone; the encodings are kept for one
// encode function.
func (s *Snapshot) AppendEncoded(b []byte, env string, ctx Context, encode func([]byte, *Result) []byte, sep byte, flush func([]byte) ([]byte, bool)) []byte {
	t := s.env(env)
	if t == nil {
		return b
	}
	code := reflect.ValueOf(encode).Pointer()
	v := view{ctx: ctx, memo: beginBulk()}
	defer endMemo(v.memo)
	gave := answerCounts.Get().(*answerCount)
	defer answerCounts.Put(gave)
	lead := uint32(1) // every part starts with sep, but the answer does not
	for l := range t.flags.Leaves() {
		m := memoOf(l)
		r := m.runsFor(l.Values(), code, encode, sep)
		gave.slots = gave.slots[:0]
		// out and skip are b and lead within the leaf: the loop's body is
		// a closure, and the captured b would be stored through a pointer,
		// with a write barrier check, at every append.
		out, skip := b, lead
		// from, to is the span of r.buf given but not yet copied: pieces
		// that follow one another in r.buf are copied at once (leafRuns).
		from, to := uint32(0), uint32(0)
		for i := range r.parts {
			p := &r.parts[i]
			start, end := p.start, p.end // a run's bytes, or
			if p.f != nil {              // the encoding of the flag's result
				var k uint32
				if p.serves != noServes {
					k = r.decide(p, v)
				} else {
					res := p.f.evaluate(t, v)
					var ok bool
					if k, ok = r.find(p, res); !ok { // its place among the flag's encodings
						out, skip = r.appendSpan(out, from, to, skip)
						out, skip = s.appendUnlisted(out, res, encode, sep, skip), 0
						from, to = 0, 0
						continue
					}
				}
				gave.slots = append(gave.slots, k)
				start, end = r.encs[k].start, r.encs[k].end
			}
			if start != to {
				out, skip = r.appendSpan(out, from, to, skip)
				from = start
			}
			to = end
		}
		b, lead = r.appendSpan(out, from, to, skip)
		if !s.uncounted {
			m.count(gave)
		}
		var more bool
		if b, more = flush(b); !more {
			return b
		}
	}
	return b
}

// appendSpan appends r.buf[from:to] to b, without its first byte (the
// separator) when skip is 1, and returns b and what skip becomes.
func (r *leafRuns) appendSpan(b []byte, from, to, skip uint32) ([]byte, uint32) {
	if from == to {
		return b, skip
	}
	return append(b, r.buf[from+skip:to]...), 0
}

// appendUnlisted appends res, a result not among its flag's encodings
// (tallies and evaluation disagree), counted and encoded as Evaluate
// would, after sep unless lead.
func (s *Snapshot) appendUnlisted(b []byte, res *tally, encode func([]byte, *Result) []byte, sep byte, lead uint32) []byte {
	if lead == 0 {
		b = append(b, sep)
	}
	return encode(b, s.count(res))
}

// leafMemo is what bulk answers keep with a leaf of an environment's flags.
type leafMemo struct {
	// shards hold the leaf's counts since the last drain, split so that
	// answers on different cores count in different ones.
	shards []countShard
	n      int   // the slots: the leaf's targeted flags' results
	slots  []int // the first slot of each flag of the leaf (fixed ones too)
	runs   atomic.Pointer[leafRuns]
	// building is held while runs is made, so that concurrent first
	// answers make it once between them rather than once each.
	building sync.Mutex
}

// countShard is a share of a leaf's counts, taken by one answer at a time.
// An answer adds a leaf's counts to a shard under its lock, one lock per
// leaf of up to 64 flags, rather than one atomic add per flag: a locked
// add stalls the core until it completes, and one per targeted flag was
// a tenth of a bulk answer's time.
type countShard struct {
	mu sync.Mutex
	// served is how many answers gave the leaf's fixed flags, each once.
	served uint64
	// counts are the servings of the other flags' results, by slot: the
	// leaf's targeted flags in order, each flag's results in the order
	// tallies gives them. Made on the shard's first use.
	counts []uint64
	_      [64 - 40]byte // a cache line of its own: shards change on different cores
}

// maxShards bounds a leaf's shards: more cores than that share them.
const maxShards = 8

// answerCount is what one bulk answer keeps while it gives a leaf: the
// slots of the results it gave, counted once the leaf is done.
type answerCount struct {
	shard uint32   // the shard of each leaf it tries first
	slots []uint32 // in the leaf being given
}

// answerCounts are pooled, and each takes the next shard when made: the pool
// keeps an answer on the core that put it back, so answers running on
// different cores mostly try different shards first.
var (
	answerCounts = sync.Pool{New: func() any { return &answerCount{shard: nextShard.Add(1)} }}
	nextShard    atomic.Uint32
)

// count adds what a gave of the leaf to one of its shards: the shard a
// tries first, or the next free one, or, when every shard is taken,
// a's own once it is free. It holds the lock only to add.
func (m *leafMemo) count(a *answerCount) {
	sh := m.hold(a.shard)
	if sh.counts == nil {
		sh.counts = make([]uint64, m.n)
	}
	for _, k := range a.slots {
		sh.counts[k]++
	}
	sh.served++
	sh.mu.Unlock()
}

// hold locks and returns a shard of m, trying first the one at hint.
func (m *leafMemo) hold(hint uint32) *countShard {
	n := uint32(len(m.shards))
	for i := range n {
		if sh := &m.shards[(hint+i)%n]; sh.mu.TryLock() {
			return sh
		}
	}
	sh := &m.shards[hint%n]
	sh.mu.Lock()
	return sh
}

// take returns and resets the counts of every shard of m: how many
// answers gave the fixed flags, and the servings by slot (nil when none).
func (m *leafMemo) take() (served uint64, counts []uint64) {
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		served += sh.served
		sh.served = 0
		for k, n := range sh.counts {
			if n == 0 {
				continue
			}
			if counts == nil {
				counts = make([]uint64, m.n)
			}
			counts[k] += n
			sh.counts[k] = 0
		}
		sh.mu.Unlock()
	}
	return served, counts
}

// leafRuns are a leaf's flags as one encode function writes them, every
// encoding in one slab (buf) that parts and encs point into by offset: an
// answer reads the leaf's encodings from a few neighbouring cache lines
// rather than from an allocation per flag. The slab starts with the
// leaf's likely answer: the fixed flags, and each targeted flag's likely
// result (flagEnv.likely) in its place; the other results follow. An
// answer copies the pieces that follow one another in the slab at once:
// a leaf whose targeted flags all give their likely result is one copy.
type leafRuns struct {
	code  uintptr
	buf   []byte     // every encoding of the leaf, each after sep
	parts []part     // in key order
	encs  []encoding // the targeted flags' results, flag after flag
	// serves and steps are what an answer reads of the flags it decides
	// from shared outcomes (decide) instead of the compiled flags, which
	// are spread over the heap: each such flag's default serve then its
	// rules' (part.serves), and its conditions (part.steps).
	serves []serveAt
	steps  []step
}

// serveAt is a serve of a flag decided from shared outcomes: the place in
// encs of its first result, and its rollout (nil for a fixed variant),
// whose results follow the first in encs, then its missing result.
type serveAt struct {
	first   uint32
	rollout *rollout
}

// part is a run of fixed flags (f nil), buf[start:end], or one flag to
// evaluate, whose results are encs[start:end] in the order tallies gives
// them. encs and countShard.counts list the same results in the same order:
// encs[k] is counted in countShard.counts[k].
type part struct {
	f          *flagEnv
	start, end uint32
	// serves and steps are where the flag's serves and steps start in
	// leafRuns when an answer decides it from shared outcomes (decide);
	// serves is noServes otherwise.
	serves, steps uint32
}

const noServes = ^uint32(0)

// decide returns the place in encs of the result of p's flag for v, a
// bulk answer's view: the flag has no prerequisites and tests only shared
// conditions (sharedOnly), so its rules are decided from the memo's
// outcomes (outcomeMemo.first) and its serve's result is found by index,
// reading the leaf's steps and serves rather than the compiled flag.
func (r *leafRuns) decide(p *part, v view) uint32 {
	at := p.serves // the default's serve, or
	if i := v.memo.conds.first(r.steps[p.steps:], p.f, v.ctx); i >= 0 {
		at += 1 + uint32(i) // the rule's
	}
	sv := &r.serves[at]
	k := sv.first
	if ro := sv.rollout; ro != nil {
		b, ok := ro.bucket(v)
		if !ok {
			return k + uint32(len(ro.results))
		}
		k += uint32(ro.variant(b))
	}
	return k
}

// likely returns the result most contexts get from f, a targeted flag,
// as far as compiling tells: its default's, and of a rollout the variant
// of the largest share (most contexts match no rule).
func (f *flagEnv) likely() *tally {
	r := f.def.rollout
	if r == nil {
		return f.def.result
	}
	best, share, prev := 0, uint32(0), uint32(0)
	for i, u := range r.upper {
		if u-prev > share {
			best, share = i, u-prev
		}
		prev = u
	}
	return &r.results[best]
}

// sharedOnly reports whether f is decided from shared outcomes alone: no
// prerequisites, and every condition shared (an id) or a rule's lone
// "always".
func (f *flagEnv) sharedOnly() bool {
	if f.prereqs != nil || f.fixed != nil {
		return false
	}
	if f.conds != nil {
		for i := range *f.conds {
			if c := &(*f.conds)[i]; c.id == 0 && c.op != opAlways {
				return false
			}
		}
	}
	return true
}

// find returns the place of res among p's encodings. It looks from the
// last: a flag's default results come after its rules', and most contexts
// match no rule.
func (r *leafRuns) find(p *part, res *tally) (uint32, bool) {
	for k := p.end; k > p.start; {
		k--
		if r.encs[k].t == res {
			return k, true
		}
	}
	return 0, false
}

// placeOf returns the place of t among p's encodings, which hold it.
func (r *leafRuns) placeOf(p *part, t *tally) uint32 {
	k, ok := r.find(p, t)
	if !ok {
		panic("eval: a serve's result is not among its flag's tallies")
	}
	return k
}

// encoding is one result of a targeted flag, buf[start:end].
type encoding struct {
	t          *tally
	start, end uint32
}

// memoOf returns l's memo, making it on first use; concurrent first uses
// agree on one.
func memoOf(l pmap.Leaf[*flagEnv]) *leafMemo {
	v := l.Memo()
	if m, ok := v.Load().(*leafMemo); ok {
		return m
	}
	flags := l.Values()
	m := &leafMemo{slots: make([]int, len(flags))}
	n := 0
	for i, f := range flags {
		m.slots[i] = n
		if f.fixed == nil {
			f.tallies(func(*tally) { n++ })
		}
	}
	m.n, m.shards = n, make([]countShard, min(runtime.GOMAXPROCS(0), maxShards))
	v.CompareAndSwap(nil, m)
	return v.Load().(*leafMemo)
}

// runsFor returns the leaf's flags encoded by the encode function at code,
// encoding them on first use. Concurrent first uses encode once between
// them (building).
func (m *leafMemo) runsFor(flags []*flagEnv, code uintptr, encode func([]byte, *Result) []byte, sep byte) *leafRuns {
	if r := m.runs.Load(); r != nil && r.code == code {
		return r
	}
	m.building.Lock()
	defer m.building.Unlock()
	if r := m.runs.Load(); r != nil && r.code == code { // made while waiting
		return r
	}
	r := &leafRuns{code: code}
	// The decided flags' serves and steps, counted first: they are kept
	// as made, without slack.
	serves, steps := 0, 0
	for _, f := range flags {
		if f.fixed == nil && f.sharedOnly() {
			serves, steps = serves+1+len(f.rules), steps+1
			if f.conds != nil {
				steps += len(*f.conds)
			}
		}
	}
	r.serves, r.steps = make([]serveAt, 0, serves), make([]step, 0, steps)
	var buf []byte
	for i, f := range flags { // the likely answer
		if f.fixed == nil {
			p := part{f: f, start: uint32(len(r.encs)), serves: noServes}
			likely := f.likely()
			f.tallies(func(t *tally) {
				e := encoding{t: t} // encoded after the likely answer, unless it is the likely one
				if t == likely {
					e.start = uint32(len(buf))
					buf = encode(append(buf, sep), &t.Result)
					e.end = uint32(len(buf))
				}
				r.encs = append(r.encs, e)
			})
			p.end = uint32(len(r.encs))
			if f.sharedOnly() {
				p.serves, p.steps = uint32(len(r.serves)), uint32(len(r.steps))
				r.serves = append(r.serves, serveAt{r.placeOf(&p, f.def.first()), f.def.rollout})
				for i := range f.rules {
					s := &f.rules[i].serve
					r.serves = append(r.serves, serveAt{r.placeOf(&p, s.first()), s.rollout})
				}
				if f.conds != nil {
					r.steps = appendSteps(r.steps, *f.conds)
				}
				r.steps = append(r.steps, step{k: noStep, rule: lastStep})
			}
			r.parts = append(r.parts, p)
			continue
		}
		if i == 0 || flags[i-1].fixed == nil { // a run starts
			r.parts = append(r.parts, part{start: uint32(len(buf))})
		}
		buf = encode(append(buf, sep), &f.fixed.Result)
		r.parts[len(r.parts)-1].end = uint32(len(buf))
	}
	for k := range r.encs { // the other results, after it
		if e := &r.encs[k]; e.end == 0 {
			e.start = uint32(len(buf))
			buf = encode(append(buf, sep), &e.t.Result)
			e.end = uint32(len(buf))
		}
	}
	// Kept for the snapshot's life: without the slack appending left.
	r.buf, r.parts, r.encs = slices.Clone(buf), slices.Clone(r.parts), slices.Clone(r.encs)
	m.runs.Store(r)
	return r
}

// drain reports and resets the counts of l, a leaf of t's flags: each
// result's tally count plus what bulk answers counted in the leaf's memo.
func (t *envFlags) drain(l pmap.Leaf[*flagEnv], fn func(Count)) {
	m, _ := l.Memo().Load().(*leafMemo)
	var served uint64
	var counts []uint64
	if m != nil {
		served, counts = m.take()
	}
	for i, f := range l.Values() {
		k := 0
		f.tallies(func(r *tally) {
			n := r.n.Swap(0)
			switch {
			case r == f.fixed:
				n += served
			case counts != nil:
				n += counts[m.slots[i]+k]
			}
			k++
			if n > 0 {
				fn(Count{Environment: t.name, Flag: r.Key, Variant: r.Variant, Reason: r.Reason, ErrorCode: r.ErrorCode, N: n})
			}
		})
	}
}
