package pmap

import "slices"

// Set returns m with key set to v; m is unchanged.
func (m Map[V]) Set(key string, v V) Map[V] {
	if m.root == nil {
		return Map[V]{root: &node[V]{keys: []string{key}, vals: []V{v}}, n: 1}
	}
	left, right, added := m.root.set(key, v)
	if right != nil {
		left = &node[V]{keys: []string{left.keys[0], right.keys[0]}, kids: []*node[V]{left, right}}
	}
	if added {
		return Map[V]{root: left, n: m.n + 1}
	}
	return Map[V]{root: left, n: m.n}
}

// set returns a copy of n with key set, split in two (right not nil) when
// it grew too large, and whether the key is new.
func (n *node[V]) set(key string, v V) (left, right *node[V], added bool) {
	c := &node[V]{}
	if n.leaf() {
		i, found := search(n.keys, key)
		if found {
			c.keys, c.vals = n.keys, slices.Clone(n.vals)
			c.vals[i] = v
			return c, nil, false
		}
		c.keys = slices.Insert(slices.Clip(n.keys), i, key)
		c.vals = slices.Insert(slices.Clip(n.vals), i, v)
		added = true
	} else {
		i := child(n.keys, key)
		l, r, add := n.kids[i].set(key, v)
		c.keys, c.kids = slices.Clone(n.keys), slices.Clone(n.kids)
		c.keys[i], c.kids[i] = l.keys[0], l
		if r != nil {
			c.keys = slices.Insert(c.keys, i+1, r.keys[0])
			c.kids = slices.Insert(c.kids, i+1, r)
		}
		added = add
	}
	if len(c.keys) <= maxEntries {
		return c, nil, added
	}
	left, right = c.split()
	return left, right, added
}

// split halves a node that grew one past maxEntries.
func (n *node[V]) split() (left, right *node[V]) {
	h := len(n.keys) / 2
	left = &node[V]{keys: slices.Clip(n.keys[:h])}
	right = &node[V]{keys: n.keys[h:]}
	if n.leaf() {
		left.vals, right.vals = slices.Clip(n.vals[:h]), n.vals[h:]
	} else {
		left.kids, right.kids = slices.Clip(n.kids[:h]), n.kids[h:]
	}
	return left, right
}

// Delete returns m without key; m is unchanged. Deleting a missing key
// returns m itself.
func (m Map[V]) Delete(key string) Map[V] {
	if m.root == nil {
		return m
	}
	root, removed := m.root.del(key)
	if !removed {
		return m
	}
	for root != nil && !root.leaf() && len(root.kids) == 1 {
		root = root.kids[0]
	}
	return Map[V]{root: root, n: m.n - 1}
}

// del returns a copy of n without key (nil when nothing is left) and
// whether the key was there; n itself when it was not.
func (n *node[V]) del(key string) (*node[V], bool) {
	if n.leaf() {
		i, found := search(n.keys, key)
		if !found {
			return n, false
		}
		if len(n.keys) == 1 {
			return nil, true
		}
		return &node[V]{keys: slices.Delete(slices.Clone(n.keys), i, i+1), vals: slices.Delete(slices.Clone(n.vals), i, i+1)}, true
	}
	i := child(n.keys, key)
	k, removed := n.kids[i].del(key)
	if !removed {
		return n, false
	}
	c := &node[V]{keys: slices.Clone(n.keys), kids: slices.Clone(n.kids)}
	if k == nil {
		c.keys, c.kids = slices.Delete(c.keys, i, i+1), slices.Delete(c.kids, i, i+1)
		if len(c.kids) == 0 {
			return nil, true
		}
		return c, true
	}
	c.keys[i], c.kids[i] = k.keys[0], k
	c.mergeSmall(i)
	return c, true
}

// mergeSmall joins the child at i with a neighbour when it has shrunk to a
// quarter of a node and both fit in one, so that deletions do not leave a
// tree of nearly empty nodes. c is a fresh copy: it may be changed.
func (c *node[V]) mergeSmall(i int) {
	if len(c.kids[i].keys) > maxEntries/4 || len(c.kids) < 2 {
		return
	}
	if i == len(c.kids)-1 {
		i--
	}
	a, b := c.kids[i], c.kids[i+1]
	if len(a.keys)+len(b.keys) > maxEntries {
		return
	}
	m := &node[V]{keys: append(slices.Clone(a.keys), b.keys...)}
	if a.leaf() {
		m.vals = append(slices.Clone(a.vals), b.vals...)
	} else {
		m.kids = append(slices.Clone(a.kids), b.kids...)
	}
	c.kids[i] = m
	c.keys = slices.Delete(c.keys, i+1, i+2)
	c.kids = slices.Delete(c.kids, i+1, i+2)
}

// Builder builds a map from keys given in ascending order in O(n), faster
// than n Sets. The zero value is ready to use.
type Builder[V any] struct {
	keys []string
	vals []V
}

// Add appends key, which must be greater than every key added before.
func (b *Builder[V]) Add(key string, v V) {
	b.keys = append(b.keys, key)
	b.vals = append(b.vals, v)
}

// Map returns the map of everything added; the builder must not be used
// after.
func (b *Builder[V]) Map() Map[V] {
	n := len(b.keys)
	if n == 0 {
		return Map[V]{}
	}
	var level []*node[V]
	for lo := 0; lo < n; lo += maxEntries {
		hi := min(lo+maxEntries, n)
		level = append(level, &node[V]{keys: b.keys[lo:hi:hi], vals: b.vals[lo:hi:hi]})
	}
	for len(level) > 1 {
		var up []*node[V]
		for lo := 0; lo < len(level); lo += maxEntries {
			hi := min(lo+maxEntries, len(level))
			p := &node[V]{kids: level[lo:hi:hi]}
			for _, k := range p.kids {
				p.keys = append(p.keys, k.keys[0])
			}
			up = append(up, p)
		}
		level = up
	}
	return Map[V]{root: level[0], n: n}
}
