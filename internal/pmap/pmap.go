// Package pmap is a persistent ordered map from strings to values: a B+tree
// whose Set and Delete return a new map that shares every node but the few
// on the path to the key with the old one. A change therefore costs
// O(log n) time and memory whatever the map's size, and every older map
// stays valid and unchanged, so readers need no lock.
package pmap

import (
	"iter"
	"sync/atomic"
)

// maxEntries is the most keys a node holds; a node that would hold more is
// split in two. Wide nodes keep the tree shallow (three levels hold 262,144
// keys) and binary search within a node cache-friendly.
const maxEntries = 64

// Map is an immutable map. Its zero value is the empty map.
type Map[V any] struct {
	root *node[V]
	n    int
}

// node is a leaf (kids nil: keys and vals side by side) or an inner node
// (vals nil: keys[i] is the least key under kids[i]).
type node[V any] struct {
	keys []string
	vals []V
	kids []*node[V]
	memo atomic.Value // a leaf's, for its users (Leaf.Memo)
}

func (n *node[V]) leaf() bool { return n.kids == nil }

// Len returns the number of keys.
func (m Map[V]) Len() int { return m.n }

// Get returns the value of key and whether it is there.
func (m Map[V]) Get(key string) (V, bool) {
	n := m.root
	if n == nil {
		var zero V
		return zero, false
	}
	for !n.leaf() {
		n = n.kids[child(n.keys, key)]
	}
	if i, ok := search(n.keys, key); ok {
		return n.vals[i], true
	}
	var zero V
	return zero, false
}

// search returns the index of the first key ≥ key and whether it equals key.
func search(keys []string, key string) (int, bool) {
	lo, hi := 0, len(keys)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if keys[mid] < key {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(keys) && keys[lo] == key
}

// child returns the index of the child of an inner node whose range holds
// key: the last whose least key is ≤ key, or the first.
func child(keys []string, key string) int {
	i, found := search(keys, key)
	if !found && i > 0 {
		i--
	}
	return i
}

// All yields the keys and values in ascending key order: the entries an
// empty map does not share, which are all of them.
func (m Map[V]) All() iter.Seq2[string, V] {
	return m.Unshared(Map[V]{})
}

// Values appends the values in ascending key order to dst.
func (m Map[V]) Values(dst []V) []V {
	for _, v := range m.All() {
		dst = append(dst, v)
	}
	return dst
}
