package usage

import (
	"context"
	"maps"
	"time"

	ff "github.com/featureflags/featureflags"
)

// noteLast records that the flushed buckets' flags were evaluated, as of
// the flush at.
func (c *Collector) noteLast(buckets []ff.UsageBucket, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range buckets {
		c.setLastLocked(b.FlagID, b.Environment, at)
	}
}

func (c *Collector) setLastLocked(id, env string, at time.Time) {
	m := c.last[id]
	if m == nil {
		m = map[string]time.Time{}
		c.last[id] = m
	}
	if at.After(m[env]) {
		m[env] = at
		c.lastGen++
	}
}

// Generation is a number that moves whenever a "last evaluated" time does,
// so that answers carrying them can be cached and tagged.
func (c *Collector) Generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastGen
}

// LastEvaluated returns when each flag was last evaluated, by flag id and
// environment: the time of the flush that carried its latest counts here,
// or the start of the latest hour with counts in the store (what other
// replicas and earlier runs flushed), whichever is later. The store is read
// once; nil map entries mean never.
func (c *Collector) LastEvaluated(ctx context.Context) (map[string]map[string]time.Time, error) {
	if err := c.load(ctx); err != nil {
		return nil, err
	}
	return c.Known(), nil
}

// Known is LastEvaluated without reading the store: what this process has
// flushed, and what the store had when it was last read.
func (c *Collector) Known() map[string]map[string]time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]map[string]time.Time, len(c.last))
	for id, m := range c.last {
		out[id] = maps.Clone(m)
	}
	return out
}

// load reads the latest hours of usage from the store, once.
func (c *Collector) load(ctx context.Context) error {
	c.mu.Lock()
	loaded := c.loaded
	c.mu.Unlock()
	us, ok := c.cfg.Store().(ff.UsageStore)
	if loaded || !ok {
		return nil
	}
	last, err := us.LastUsage(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range last {
		c.setLastLocked(b.FlagID, b.Environment, b.Hour)
	}
	c.loaded = true
	return nil
}
