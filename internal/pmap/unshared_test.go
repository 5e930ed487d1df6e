package pmap

import (
	"fmt"
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
