package server

import (
	"strings"
	"testing"
)

// TestListCacheKeepsWithinItsBudget checks that answers are kept only
// while their bytes fit the budget, and that a new revision starts afresh.
func TestListCacheKeepsWithinItsBudget(t *testing.T) {
	c := &listCache{budget: 10}
	builds := 0
	get := func(tag, key string, size int) {
		b, err := c.body(tag, key, "", func() ([]byte, error) { builds++; return []byte(strings.Repeat("x", size)), nil })
		if err != nil || len(b) != size {
			t.Fatalf("body %s/%s: %d bytes, %v", tag, key, len(b), err)
		}
	}
	for _, step := range []struct {
		tag, key string
		size     int
		builds   int
	}{
		{"r1", "a", 8, 1}, {"r1", "a", 8, 1}, // kept
		{"r1", "b", 8, 2}, {"r1", "b", 8, 3}, // over the budget: built each time
		{"r1", "c", 2, 4}, {"r1", "c", 2, 4}, // fits beside a
		{"r2", "b", 8, 5}, {"r2", "b", 8, 5}, // a new revision frees the budget
	} {
		get(step.tag, step.key, step.size)
		if builds != step.builds {
			t.Fatalf("after %s/%s: %d builds, want %d", step.tag, step.key, builds, step.builds)
		}
	}
	if c.size != 8 {
		t.Fatalf("the cache counts %d bytes, want 8", c.size)
	}
}
