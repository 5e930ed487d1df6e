package pmap

import "iter"

// Unshared yields the entries of m held in nodes that other does not share:
// for a map made from other by a few Set and Delete calls (or the other
// way round), the entries of the few nodes on the changed paths, whatever
// the size of the maps. Every entry of m that other lacks, or holds with
// another value, is among them; so may be entries both hold alike.
func (m Map[V]) Unshared(other Map[V]) iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		if m.root != nil && !other.holds(m.root) {
			m.root.eachUnshared(other, yield)
		}
	}
}

func (n *node[V]) eachUnshared(other Map[V], yield func(string, V) bool) bool {
	if n.leaf() {
		for i, k := range n.keys {
			if !yield(k, n.vals[i]) {
				return false
			}
		}
		return true
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
