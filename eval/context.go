package eval

import (
	"encoding/json"
	"maps"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Context holds the attributes a flag is evaluated for, as decoded from JSON
// (string, float64, bool, nil, []any, map[string]any). Go callers may also
// use any integer type, float32, json.Number and time.Time.
type Context map[string]any

// attribute is a compiled attribute path: its first name, looked up in the
// context, and the names that follow it through nested objects. Most
// attributes are a single name, and get then costs one map lookup.
type attribute struct {
	name string
	id   uint32   // name's in names, for bulk evaluations' memos
	rest []string // nil for a top-level attribute
}

// get returns a's value in v's context, following nested objects; nil when
// absent (a nil value counts as absent). It stays small enough to be
// inlined: a top-level attribute of a single evaluation costs one map
// lookup and no call.
func (a *attribute) get(v view) any {
	if v.memo == nil && a.rest == nil {
		return v.ctx[a.name]
	}
	return a.getMore(v)
}

// getMore is get through a memo or a nested path.
func (a *attribute) getMore(v view) any {
	var x any
	if v.memo != nil {
		x = v.memo.lookup(a, v.ctx)
	} else {
		x = v.ctx[a.name]
	}
	if a.rest != nil {
		return a.nested(x)
	}
	return x
}

// held returns a's value when v's memo holds it (a prepared context's, or
// one a bulk evaluation read before), without a call: the evaluation's
// loops read it where they would call getMore.
func (v view) held(a *attribute) (any, bool) {
	m := v.memo
	if m == nil || a.rest != nil || a.id >= uint32(len(m.stamps)) || m.stamps[a.id] != m.gen {
		return nil, false
	}
	return m.vals[a.id], true
}

// view is a context as evaluation reads it. A bulk evaluation reads the
// same few attributes for hundreds of flags: it brings a memo of their
// values, so that each name costs one map lookup per request, not one per
// condition. A prepared context (Prepare) is a memo filled once and never
// written. A single evaluation of a Context has none and reads the map
// directly.
type view struct {
	ctx  Context
	memo *attrMemo
}

// attrMemo holds the top-level attributes one bulk evaluation has read, by
// name id. An entry counts only when its stamp is the memo's gen, which
// each use advances, so reuse clears nothing. A prepared context's memo
// has gen 0, which a bulk one never has, and every stamp 0.
type attrMemo struct {
	gen    uint32
	stamps []uint32
	vals   []any
	conds  outcomeMemo // begun by beginBulk
}

// lookup returns ctx[a.name], from the memo after the first time.
func (m *attrMemo) lookup(a *attribute, ctx Context) any {
	id := a.id
	if id >= uint32(len(m.stamps)) { // a name interned after the memo began
		return ctx[a.name]
	}
	if m.stamps[id] == m.gen {
		return m.vals[id]
	}
	x := ctx[a.name]
	m.stamps[id], m.vals[id] = m.gen, x
	return x
}

var memos = sync.Pool{New: func() any { return new(attrMemo) }}

// beginMemo returns a memo for one bulk evaluation, sized for every name
// interned so far; endMemo gives it back.
func beginMemo() *attrMemo {
	m := memos.Get().(*attrMemo)
	m.begin(int(names.n.Load()))
	return m
}

// begin starts a use of m for n names, forgetting the previous use's.
func (m *attrMemo) begin(n int) {
	if n > len(m.stamps) {
		m.stamps, m.vals = make([]uint32, n), make([]any, n)
		m.gen = 0
	}
	m.gen++
	if m.gen == 0 { // wrapped: stamps of 2^32 uses ago would match
		clear(m.stamps)
		m.gen = 1
	}
}

func endMemo(m *attrMemo) { memos.Put(m) }

// names interns the top-level attribute names of compiled conditions and
// rollouts to small ids, process-wide. It grows with the names flags and
// segments are written with, never with contexts: a context's other
// attributes are never looked for.
var names struct {
	mu  sync.Mutex
	ids map[string]uint32
	n   atomic.Uint32 // len(ids), read without the lock
	// published is a copy of ids for Prepare to read without the lock,
	// replaced whenever a name is added: by compilation only, at most
	// maxNames times. Its ids are exactly 0 to its length - 1.
	published atomic.Pointer[map[string]uint32]
}

// maxNames bounds the table: names is never emptied, so a writer creating
// flags with ever-new attribute names would grow it, and every pooled memo
// with it, for the life of the process. Past the bound, a name gets
// unmemoized, which every memo reads from the context map, as before.
const maxNames = 4096

// unmemoized is the id of names past maxNames: beyond every memo.
const unmemoized = ^uint32(0)

// internName returns name's id, giving it the next one on first use.
func internName(name string) uint32 {
	names.mu.Lock()
	defer names.mu.Unlock()
	if id, ok := names.ids[name]; ok {
		return id
	}
	if len(names.ids) >= maxNames {
		return unmemoized
	}
	if names.ids == nil {
		names.ids = map[string]uint32{}
	}
	id := uint32(len(names.ids))
	names.ids[name] = id
	names.n.Store(id + 1)
	published := maps.Clone(names.ids)
	names.published.Store(&published)
	return id
}

// Prepared is a context prepared for evaluating many flags: Prepare
// resolves its attributes once to the ids of the names flags test, so
// that evaluation reads each from a slice instead of hashing the name in
// the map (six look-ups were some 45 % of evaluating a flag of five rules
// and a rollout). It is a view whose memo is complete from the start and
// never written again: immutable, and safe for concurrent use.
type Prepared struct {
	memo attrMemo
	// rest holds the attributes whose names had no id at preparation,
	// which lookup reads for the names interned since (a flag created
	// since), as it does for a bulk memo: nil when there are none.
	rest Context
}

// Prepare copies ctx into a Prepared. Only the top level is copied: nested
// objects and lists stay shared with ctx, and must not change afterwards.
// A Prepared holds 16 bytes for each attribute name the compiled flags and
// segments of the process test (at most maxNames, 4,096: 64 KiB), and a
// map of the attributes none tests, if any. Preparing costs about as many
// instructions as one evaluation with the map, and two allocations
// (BenchmarkPrepare); each evaluation with the result saves a map look-up
// per attribute it reads.
func Prepare(ctx Context) *Prepared {
	var ids map[string]uint32
	if m := names.published.Load(); m != nil {
		ids = *m
	}
	p := &Prepared{memo: attrMemo{stamps: current[:len(ids)], vals: make([]any, len(ids))}}
	for k, v := range ctx {
		if id, ok := ids[k]; ok {
			p.memo.vals[id] = v
			continue
		}
		if p.rest == nil {
			p.rest = Context{}
		}
		p.rest[k] = v
	}
	return p
}

// current are the stamps of every prepared memo: all 0, the gen of a memo
// no bulk evaluation began (begin never leaves gen 0), so that every name
// interned before preparation is found and lookup never writes.
var current [maxNames]uint32

// view returns p as evaluation reads it; a nil p is an empty context.
func (p *Prepared) view() view {
	if p == nil {
		return view{}
	}
	return view{ctx: p.rest, memo: &p.memo}
}

// nested follows the rest of a's path from v, the value of its first name;
// nil when a name on the way is missing or not an object.
func (a *attribute) nested(v any) any {
	for _, k := range a.rest {
		switch m := v.(type) {
		case map[string]any:
			v = m[k]
		case Context:
			v = m[k]
		default:
			return nil
		}
	}
	return v
}

// toNumber converts any numeric value to float64. NaN is not a number here:
// it equals nothing and would make every negated operator match.
func toNumber(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float32:
		f = float64(x)
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	return f, !math.IsNaN(f)
}

// toTime reads an RFC 3339 string or a time.Time.
func toTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		t, err := time.Parse(time.RFC3339, x)
		return t, err == nil
	case time.Time:
		return x, true
	}
	return time.Time{}, false
}
