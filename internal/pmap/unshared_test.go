package pmap

import (
	"fmt"
	"slices"
	"testing"
)

// TestUnshared: after one Set or Delete in a map of 100,000 keys, the
// entries not shared are few, and they hold every difference.
func TestUnshared(t *testing.T) {
	var b Builder[int]
	for i := range 100000 {
		b.Add(fmt.Sprintf("k%06d", i), i)
	}
	m := b.Map()
	for _, c := range []struct {
		name    string
		next    Map[int]
		changed string
	}{
		{"set", m.Set("k050000", -1), "k050000"},
		{"insert", m.Set("k050000x", -1), "k050000x"},
		{"delete", m.Delete("k050000"), ""},
	} {
		got := map[string]int{}
		for k, v := range c.next.Unshared(m) {
			got[k] = v
		}
		if len(got) == 0 || len(got) > 2*maxEntries {
			t.Errorf("%s: %d unshared entries, want a node's worth", c.name, len(got))
		}
		if v, ok := got[c.changed]; c.changed != "" && (!ok || v != -1) {
			t.Errorf("%s: the changed entry is not among the unshared ones", c.name)
		}
		old := 0
		for k := range m.Unshared(c.next) {
			old++
			if k == "k050000" {
				old = -1 << 30
			}
		}
		if c.name != "insert" && old >= 0 {
			t.Errorf("%s: the old map's unshared entries miss the replaced one", c.name)
		}
	}
	if n := count(m.Unshared(m)); n != 0 {
		t.Errorf("a map shares all with itself, yet %d entries unshared", n)
	}
	if n := count(m.Unshared(Map[int]{})); n != m.Len() {
		t.Errorf("with the empty map %d entries unshared, want all %d", n, m.Len())
	}
}

func count(seq func(func(string, int) bool)) int {
	n := 0
	for range seq {
		n++
	}
	return n
}

// TestLeafMemo: the leaves hold every entry in order; a map made by Set
// shares the memos of the leaves it did not change and starts the changed
// one's empty, and the old map keeps its own.
func TestLeafMemo(t *testing.T) {
	var b Builder[int]
	for i := range 1000 {
		b.Add(fmt.Sprintf("k%04d", i), i)
	}
	m := b.Map()
	var keys []string
	for l := range m.Leaves() {
		keys = append(keys, l.Keys()...)
		if len(l.Keys()) != len(l.Values()) {
			t.Fatalf("a leaf has %d keys and %d values", len(l.Keys()), len(l.Values()))
		}
		l.Memo().Store(l.Keys()[0])
	}
	var all []string
	for k := range m.All() {
		all = append(all, k)
	}
	if !slices.Equal(keys, all) {
		t.Fatalf("the leaves hold %d keys, All %d, or in another order", len(keys), len(all))
	}
	next := m.Set("k0500", -1)
	fresh := 0
	for l := range next.Leaves() {
		switch memo := l.Memo().Load(); {
		case memo == nil:
			fresh++
			if !slices.Contains(l.Keys(), "k0500") {
				t.Errorf("leaf from %s has no memo but did not change", l.Keys()[0])
			}
		case memo != l.Keys()[0]:
			t.Errorf("leaf from %s has the memo %v", l.Keys()[0], memo)
		}
	}
	if fresh != 1 {
		t.Errorf("%d leaves with an empty memo after one Set, want 1", fresh)
	}
	for l := range m.Leaves() {
		if l.Memo().Load() == nil {
			t.Fatal("Set emptied a memo of the map it was made from")
		}
	}
}
