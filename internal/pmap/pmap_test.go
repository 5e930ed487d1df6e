package pmap

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// check compares m with want in length, lookups and order.
func check(t *testing.T, m Map[int], want map[string]int) {
	t.Helper()
	if m.Len() != len(want) {
		t.Fatalf("Len %d, want %d", m.Len(), len(want))
	}
	var keys []string
	for k, v := range m.All() {
		if want[k] != v {
			t.Fatalf("All yields %s=%d, want %d", k, v, want[k])
		}
		keys = append(keys, k)
	}
	if !slices.Equal(keys, slices.Sorted(maps.Keys(want))) {
		t.Fatalf("All yields %d keys out of order or wrong", len(keys))
	}
	for k, v := range want {
		if got, ok := m.Get(k); !ok || got != v {
			t.Fatalf("Get(%s) = %d, %t; want %d", k, got, ok, v)
		}
	}
	if _, ok := m.Get("absent"); ok {
		t.Fatal("Get finds a key never set")
	}
}

// TestRandomAgainstMap applies random sets and deletes to a Map and a Go
// map side by side, and checks that every earlier version is unchanged.
func TestRandomAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var m Map[int]
	want := map[string]int{}
	type version struct {
		m    Map[int]
		want map[string]int
	}
	var versions []version
	for i := range 20000 {
		k := fmt.Sprintf("k%05d", r.IntN(3000))
		if r.IntN(3) == 0 {
			m = m.Delete(k)
			delete(want, k)
		} else {
			m = m.Set(k, i)
			want[k] = i
		}
		if i%2000 == 0 {
			versions = append(versions, version{m, maps.Clone(want)})
		}
	}
	check(t, m, want)
	for _, v := range versions {
		check(t, v.m, v.want)
	}
	for k := range want {
		m = m.Delete(k)
	}
	check(t, m, map[string]int{})
}

func TestBuilderMatchesSets(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 4097, 20000} {
		var b Builder[int]
		want := map[string]int{}
		for i := range n {
			k := fmt.Sprintf("k%06d", i)
			b.Add(k, i)
			want[k] = i
		}
		m := b.Map()
		check(t, m, want)
		m = m.Set("k000000x", -1).Delete("k000001")
		want["k000000x"] = -1
		delete(want, "k000001")
		check(t, m, want)
	}
}

func TestDeleteMissingReturnsSameMap(t *testing.T) {
	m := Map[int]{}.Set("a", 1)
	if got := m.Delete("b"); got.root != m.root || got.Len() != 1 {
		t.Fatal("deleting a missing key changed the map")
	}
}

func benchMap(n int) Map[int] {
	var b Builder[int]
	for i := range n {
		b.Add(fmt.Sprintf("flag-%07d", i), i)
	}
	return b.Map()
}

// BenchmarkSet measures one change at several sizes: the cost should grow
// with the tree's depth only.
func BenchmarkSet(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		m := benchMap(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				_ = m.Set(fmt.Sprintf("flag-%07d", i%n), i)
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		m := benchMap(n)
		key := fmt.Sprintf("flag-%07d", n/3)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, ok := m.Get(key); !ok {
					b.Fatal("missing")
				}
			}
		})
	}
}
