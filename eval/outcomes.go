package eval

import (
	"encoding/binary"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/featureflags/featureflags"
)

// Outcomes shared across flags. The flags of a service test the same
// conditions again and again (the same country list, plan or segment-like
// rule on many flags), and a bulk evaluation decides each for the same
// context. So conditions that compile alike share an id, process-wide, and
// a bulk evaluation remembers each id's outcome (outcomeMemo): a shared
// condition is decided once per request and read back for every other
// flag that tests it.
//
// Only conditions whose outcome depends on the context alone get an id:
// "matches" spends the evaluation's work (each flag's own budget) and the
// segment operators run conditions of their own, which have ids where they
// qualify. Single evaluations carry no memo and decide every condition.

// outcomeMemo holds the outcomes one bulk evaluation has decided, by
// condition id - 1. An entry counts only when it carries the memo's gen,
// which each use advances, so reuse clears nothing.
type outcomeMemo struct {
	gen   uint32   // below 2^31
	marks []uint32 // gen<<1, plus 1 when the condition held
}

// begin starts a use of m for n condition ids, forgetting the previous
// use's outcomes.
func (m *outcomeMemo) begin(n int) {
	if n > len(m.marks) {
		m.marks, m.gen = make([]uint32, n), 0
	}
	m.gen++
	if m.gen == 1<<31 { // gen<<1 would drop its top bit: start over
		clear(m.marks)
		m.gen = 1
	}
}

// decide reports whether c, whose id is within m and not yet decided in
// this use, holds for ctx, and remembers it for the rest of the use (run
// reads it back).
func (m *outcomeMemo) decide(c *condition, ctx Context, w *int64) bool {
	hold := c.match(view{ctx: ctx}, w) // no memo: run decides c itself
	m.marks[c.id-1] = m.gen << 1
	if hold {
		m.marks[c.id-1] |= 1
	}
	return hold
}

// first is run for the rules of f, a flag decided from shared outcomes
// (flagEnv.sharedOnly), in a bulk evaluation, walking its steps: the
// index of the first rule whose conditions all hold for ctx, or -1, each
// outcome read from m or settled and remembered.
func (m *outcomeMemo) first(steps []step, f *flagEnv, ctx Context) int {
	for i := 0; ; i++ {
		s := &steps[i]
		var hold bool
		if s.k < uint32(len(m.marks)) && m.marks[s.k]>>1 == m.gen {
			hold = m.marks[s.k]&1 != 0
		} else if s.rule == lastStep {
			return -1
		} else {
			hold = m.settle(&(*f.conds)[i], ctx)
		}
		if !hold {
			i = int(s.next) - 1
			continue
		}
		if s.rule >= 0 {
			return int(s.rule)
		}
	}
}

// step is a condition as first walks it: a flag's steps are its
// conditions in run's flat layout (place), then one that ends them.
type step struct {
	k    uint32 // the condition's id - 1, its outcome's place in the memo
	next int32  // the index of the next rule's first condition
	rule int32  // its rule's index when it is the rule's last, else -1
}

// The step after a flag's last: k is past every memo, rule says so.
const noStep, lastStep = ^uint32(0), -2

// appendSteps appends the steps of conds, a flag's conditions, to dst.
func appendSteps(dst []step, conds []condition) []step {
	for i := range conds {
		c := &conds[i]
		s := step{k: c.id - 1, next: c.next, rule: -1}
		if c.last {
			s.rule = c.rule
		}
		dst = append(dst, s)
	}
	return dst
}

// settle decides c, whose outcome m does not hold in this use: an
// "always" or a condition interned after the memo began (id 0 wraps),
// decided apart, or one not yet decided.
func (m *outcomeMemo) settle(c *condition, ctx Context) bool {
	w := maxEvalWork.Load() // shared conditions and "always" spend none
	if c.id-1 >= uint32(len(m.marks)) {
		return c.match(view{ctx: ctx}, &w)
	}
	return m.decide(c, ctx, &w)
}

// outcome returns what m remembers of c in this use, if anything.
func (m *outcomeMemo) outcome(c *condition) (hold, known bool) {
	mark := m.marks[c.id-1]
	return mark&1 != 0, mark>>1 == m.gen
}

// beginBulk returns a memo for one bulk evaluation: attribute values and
// condition outcomes. endMemo gives it back.
func beginBulk() *attrMemo {
	m := beginMemo()
	m.conds.begin(int(conditionIDs.n.Load()))
	return m
}

// conditionIDs interns conditions by what they test (conditionID) to ids
// from 1; 0 is no id. Like names, it grows with the conditions flags and
// segments are written with, never with contexts, and is never emptied:
// past maxConditions a condition gets no id and is decided every time, as
// before. The bound also bounds every pooled memo (4 bytes an id).
var conditionIDs struct {
	mu  sync.Mutex
	ids map[string]uint32
	n   atomic.Uint32 // len(ids), read without the lock
}

const maxConditions = 4096

// internCondition returns the id of the condition whose key is key,
// giving it the next one on first use, or 0 past the bound.
func internCondition(key []byte) uint32 {
	conditionIDs.mu.Lock()
	defer conditionIDs.mu.Unlock()
	if id, ok := conditionIDs.ids[string(key)]; ok {
		return id
	}
	if len(conditionIDs.ids) >= maxConditions {
		return 0
	}
	if conditionIDs.ids == nil {
		conditionIDs.ids = map[string]uint32{}
	}
	id := uint32(len(conditionIDs.ids)) + 1
	conditionIDs.ids[string(key)] = id
	conditionIDs.n.Store(id)
	return id
}

// conditionID returns the id of in, compiled to a condition of op, or 0
// when its outcome may depend on more than the context (see above).
func (c *compiler) conditionID(op opcode, in *featureflags.Condition) uint32 {
	if op == opMatches || op >= opInSegment {
		return 0
	}
	key := append(c.key[:0], byte(op))
	key = appendOperand(key, in.Attribute)
	key, ok := appendOperandOf(key, in.Value)
	c.key = key
	if !ok {
		return 0
	}
	return internCondition(key)
}

// appendOperandOf appends a self-delimiting encoding of v, an operand as
// written: two operands encode alike only when they compile alike (a
// number's any numeric type encodes as its float64, which is what a
// condition compares). ok is false for a value it does not know.
func appendOperandOf(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, 'z'), true
	case string:
		return appendOperand(b, x), true
	case bool:
		if x {
			return append(b, 't'), true
		}
		return append(b, 'f'), true
	case time.Time:
		b = binary.LittleEndian.AppendUint64(append(b, 'T'), uint64(x.Unix()))
		return binary.LittleEndian.AppendUint32(b, uint32(x.Nanosecond())), true
	case []string:
		b = binary.AppendUvarint(append(b, 'l'), uint64(len(x)))
		for _, s := range x {
			b = appendOperand(b, s)
		}
		return b, true
	case []any:
		b = binary.AppendUvarint(append(b, 'l'), uint64(len(x)))
		for _, e := range x {
			var ok bool
			if b, ok = appendOperandOf(b, e); !ok {
				return b, false
			}
		}
		return b, true
	}
	n, ok := toNumber(v)
	return binary.LittleEndian.AppendUint64(append(b, 'n'), math.Float64bits(n)), ok
}

// appendOperand appends s, a string, self-delimited.
func appendOperand(b []byte, s string) []byte {
	return append(binary.AppendUvarint(append(b, 's'), uint64(len(s))), s...)
}
