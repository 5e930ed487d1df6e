package eval

// A Builder prepares a context attribute by attribute, for a decoder that
// reads a context straight into a Prepared instead of into a map first
// (the OFREP server's, per request): it keeps only the attributes some
// flag tests, which a map must hold all of, and is reused, so that
// decoding a context allocates no map and nothing per attribute a flag
// does not test.
//
// A Builder's context is for snapshots compiled before its Reset: it keeps
// the attributes whose names those snapshots' flags and segments test
// (every name they test is interned when they are compiled) and drops the
// rest, which Prepare keeps for snapshots to come. When the name table is
// full (maxNames), names past it have no slot and nothing tells them from
// names no flag tests: the builder then keeps every attribute without a
// slot, as Prepare does. Reused, it keeps 16 bytes for each name interned
// (at most maxNames, 64 KiB), as a Prepared does.
type Builder struct {
	p    Prepared
	ids  map[string]uint32 // the names interned at Reset
	set  []uint32          // the slots Set filled, which Reset empties
	full bool              // the table was full at Reset: keep every attribute
}

// NoSlot is the slot of an attribute no flag tests: its value need not
// even be decoded.
const NoSlot = -1

// maxKeptRest bounds the attributes without a slot a reused Builder's map
// keeps room for (the table is full only in a process whose flags test
// more than maxNames names).
const maxKeptRest = 64

// maxKeptSet bounds the record of filled slots a reused Builder keeps
// room for: one context of many repeated names would grow it.
const maxKeptSet = 1024

// Reset empties b for a new context, for the snapshots compiled before
// the call; a new Builder needs it too.
func (b *Builder) Reset() {
	for _, i := range b.set {
		b.p.memo.vals[i] = nil
	}
	b.set = b.set[:0]
	if cap(b.set) > maxKeptSet {
		b.set = nil
	}
	if len(b.p.rest) > maxKeptRest {
		b.p.rest = nil
	}
	clear(b.p.rest)
	b.ids = nil
	if m := names.published.Load(); m != nil {
		b.ids = *m
	}
	n := len(b.ids)
	if n > cap(b.p.memo.vals) {
		b.p.memo.vals = make([]any, n)
	}
	b.p.memo.vals, b.p.memo.stamps = b.p.memo.vals[:n], current[:n]
	b.full = n >= maxNames
}

// Slot returns where Set puts attribute name: NoSlot when no flag tests it.
func (b *Builder) Slot(name string) int {
	if id, ok := b.ids[name]; ok {
		return int(id)
	}
	if b.full {
		return len(b.p.memo.vals) // kept beside the memo, as Prepare does
	}
	return NoSlot
}

// Set gives attribute name the value v, at slot, Slot's for name (not
// NoSlot). Setting a name again replaces its value, as in a map.
func (b *Builder) Set(slot int, name string, v any) {
	if slot < len(b.p.memo.vals) {
		b.p.memo.vals[slot] = v
		b.set = append(b.set, uint32(slot))
		return
	}
	if b.p.rest == nil {
		b.p.rest = Context{}
	}
	b.p.rest[name] = v
}

// Prepared returns the context set so far, valid until the next Reset;
// b must not change while it is evaluated.
func (b *Builder) Prepared() *Prepared { return &b.p }
