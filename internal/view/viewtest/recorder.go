// Package viewtest has helpers for tests of what the view publishes.
package viewtest

import (
	"sync"

	"github.com/featureflags/featureflags/internal/view"
)

// Recorder is a view publisher that keeps every change it hears of.
type Recorder struct {
	mu      sync.Mutex
	changes []*view.Change
}

// Publish keeps c.
func (r *Recorder) Publish(c *view.Change) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, c)
}

// Take returns the changes heard of since the last Take.
func (r *Recorder) Take() []*view.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.changes
	r.changes = nil
	return c
}
