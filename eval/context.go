package eval

import (
	"encoding/json"
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

// view is a context as evaluation reads it. A bulk evaluation reads the
// same few attributes for hundreds of flags: it brings a memo of their
// values, so that each name costs one map lookup per request, not one per
// condition. A single evaluation has none and reads the map directly.
type view struct {
	ctx  Context
	memo *attrMemo
}

// attrMemo holds the top-level attributes one bulk evaluation has read, by
// name id. An entry counts only when its stamp is the memo's gen, which
// each use advances, so reuse clears nothing.
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
	return id
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
