package pmap

import (
	"iter"
	"sync/atomic"
)

// Leaf is one leaf of a map: up to maxEntries consecutive entries, in key
// order. Maps made from one another by Set and Delete share the leaves
// whose entries they did not change.
type Leaf[V any] struct{ n *node[V] }

// Keys returns the leaf's keys in ascending order; they must not be changed.
func (l Leaf[V]) Keys() []string { return l.n.keys }

// Values returns the values of Keys, in the same order; the slice must not
// be changed.
func (l Leaf[V]) Values() []V { return l.n.vals }

// Memo is a slot kept with the leaf for what its users derive from its
// entries: every map that shares the leaf shares its memo, and a change to
// an entry makes a new leaf whose memo is empty, so that what a memo holds
// is never stale.
func (l Leaf[V]) Memo() *atomic.Value { return &l.n.memo }

// Leaves yields the leaves of m in key order: all its entries, a leaf at a
// time.
func (m Map[V]) Leaves() iter.Seq[Leaf[V]] {
	return m.UnsharedLeaves(Map[V]{})
}

// Unshared yields the entries of m held in nodes that other does not share:
// for a map made from other by a few Set and Delete calls (or the other
// way round), the entries of the few nodes on the changed paths, whatever
// the size of the maps. Every entry of m that other lacks, or holds with
// another value, is among them; so may be entries both hold alike.
func (m Map[V]) Unshared(other Map[V]) iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		for l := range m.UnsharedLeaves(other) {
			for i, k := range l.n.keys {
				if !yield(k, l.n.vals[i]) {
					return
				}
			}
		}
	}
}

// UnsharedLeaves yields, in key order, the leaves of m that other does not
// share: those holding Unshared's entries.
func (m Map[V]) UnsharedLeaves(other Map[V]) iter.Seq[Leaf[V]] {
	return func(yield func(Leaf[V]) bool) {
		if m.root != nil && !other.holds(m.root) {
			m.root.eachUnshared(other, yield)
		}
	}
}

func (n *node[V]) eachUnshared(other Map[V], yield func(Leaf[V]) bool) bool {
	if n.leaf() {
		return yield(Leaf[V]{n})
	}
	for _, c := range n.kids {
		if !other.holds(c) && !c.eachUnshared(other, yield) {
			return false
		}
	}
	return true
}

// holds reports whether x is one of m's nodes: a shared node holds the same
// keys, so it lies on the path from m's root to its least key.
func (m Map[V]) holds(x *node[V]) bool {
	if len(x.keys) == 0 {
		return false
	}
	key := x.keys[0]
	for n := m.root; n != nil; {
		if n == x {
			return true
		}
		if n.leaf() {
			return false
		}
		n = n.kids[child(n.keys, key)]
	}
	return false
}
