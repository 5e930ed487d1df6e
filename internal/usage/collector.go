// Package usage gathers how often flags are evaluated: it drains the counts
// that evaluation keeps beside the compiled snapshot (eval.Snapshot.Drain),
// adds the counts SDKs report, and flushes them in the background to the
// store's hourly buckets (featureflags.UsageStore), so that counts survive
// restarts and add up across replicas. Evaluation never waits for it.
package usage

import (
	"context"
	"sync"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// Config configures a Collector.
type Config struct {
	// Snapshot returns the snapshot evaluation answers from now.
	Snapshot func() *eval.Snapshot
	// FlagID returns the id of the current flag named name, to turn the
	// names evaluation counts by into the ids the store keeps counts by: a
	// look-up, so that counting costs the same whatever the number of
	// flags.
	FlagID func(name string) (id string, ok bool)
	// Store returns the store, or one that is not a UsageStore while there
	// is none (a degraded start): counts then wait for the next flush.
	Store func() ff.Store
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxPending bounds the distinct buckets kept while the store cannot be
	// written; counts for new buckets beyond it are dropped (and counted by
	// featureflags_usage_dropped_total). 100,000 when zero.
	MaxPending int
	// LabelFlags are the flags whose evaluations the metrics count by flag
	// key; others are counted by environment, reason and error code only.
	LabelFlags []string
	// Retention is how long usage buckets are kept (Prune); zero keeps
	// them all.
	Retention time.Duration
}

// key identifies one bucket of counts not yet flushed.
type key struct {
	flagID, env, variant, reason, code string
	hour                               time.Time
}

// Collector drains, holds and flushes evaluation counts. Its methods are
// safe for concurrent use.
type Collector struct {
	cfg     Config
	metrics *Metrics

	mu      sync.Mutex
	seen    *eval.Snapshot   // the snapshot drained last
	retired []*eval.Snapshot // replaced since the last flush, not yet drained
	pending map[key]int64
	last    map[string]map[string]time.Time // flag id -> environment -> last evaluated
	lastGen uint64                          // moves whenever last does
	loaded  bool                            // last holds what the store has
}

// maxRetired bounds the replaced snapshots kept for the next flush; beyond
// it they are drained at once.
const maxRetired = 16

// New returns a Collector for cfg.
func New(cfg Config) *Collector {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 100_000
	}
	return &Collector{cfg: cfg, metrics: newMetrics(cfg.LabelFlags), pending: map[key]int64{},
		last: map[string]map[string]time.Time{}}
}

// Metrics returns the collector's Prometheus metrics.
func (c *Collector) Metrics() *Metrics { return c.metrics }

// Retire notes that the snapshot evaluation answers from may have been
// replaced, so that the counts of the one before are drained too. Call it
// on every change of the view (it suits view.Publisher); it does not block.
func (c *Collector) Retire() {
	cur := c.cfg.Snapshot()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retireLocked(cur)
}

func (c *Collector) retireLocked(cur *eval.Snapshot) {
	if c.seen == cur {
		return
	}
	if c.seen != nil {
		c.retired = append(c.retired, c.seen)
	}
	c.seen = cur
	if len(c.retired) > maxRetired {
		c.drainLocked(c.retired[0], c.retired[1], c.cfg.Now())
		c.retired = c.retired[1:]
	}
}

// Report adds counts an SDK evaluated in-process in env; counts of flags
// that do not exist (any more) are ignored.
func (c *Collector) Report(env string, counts []eval.Count) {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range counts {
		n.Environment = env
		c.addLocked(n, ff.UsageHour(now))
	}
}

// drainLocked moves into pending, at hour, the counts of s, which next
// replaced (s == next: all of them). Of a replaced snapshot only the flags
// next does not share are drained: next, itself drained later as retired or
// current, reaches the rest, so that retiring a snapshot costs what the
// change changed.
func (c *Collector) drainLocked(s, next *eval.Snapshot, at time.Time) {
	if s == nil {
		return
	}
	hour := ff.UsageHour(at)
	add := func(n eval.Count) { c.addLocked(n, hour) }
	if s == next {
		s.Drain(add)
		return
	}
	s.DrainReplaced(next, add)
}

func (c *Collector) addLocked(n eval.Count, hour time.Time) {
	id, ok := c.cfg.FlagID(n.Flag)
	if !ok {
		return
	}
	c.metrics.add(n)
	c.pendLocked(key{flagID: id, env: n.Environment, variant: n.Variant, reason: n.Reason, code: n.ErrorCode, hour: hour}, int64(n.N))
}

// pendLocked adds n to the pending bucket k, unless that would make more
// than MaxPending buckets.
func (c *Collector) pendLocked(k key, n int64) {
	if _, ok := c.pending[k]; !ok && len(c.pending) >= c.cfg.MaxPending {
		c.metrics.dropped.Add(float64(n))
		return
	}
	c.pending[k] += n
}

// Flush drains every snapshot's counts and adds them to the store. When the
// store cannot take them they stay for the next flush (up to MaxPending
// buckets). Flags deleted meanwhile lose their counts.
func (c *Collector) Flush(ctx context.Context) error {
	us, ok := c.cfg.Store().(ff.UsageStore)
	if ok {
		if err := c.load(ctx); err != nil {
			ok = false // keep the counts for the next flush
		}
	}
	buckets, at := c.take(ok)
	if !ok || len(buckets) == 0 {
		return nil
	}
	if err := us.AddUsage(ctx, buckets); err != nil {
		c.restore(buckets)
		return err
	}
	c.noteLast(buckets, at)
	return nil
}

// take drains the snapshots and, when take is true, empties pending into
// buckets.
func (c *Collector) take(take bool) ([]ff.UsageBucket, time.Time) {
	now := c.cfg.Now()
	cur := c.cfg.Snapshot()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retireLocked(cur)
	for i, s := range c.retired {
		next := cur
		if i+1 < len(c.retired) {
			next = c.retired[i+1]
		}
		c.drainLocked(s, next, now)
	}
	c.retired = nil
	c.drainLocked(cur, cur, now)
	if !take || len(c.pending) == 0 {
		return nil, now
	}
	buckets := make([]ff.UsageBucket, 0, len(c.pending))
	for k, n := range c.pending {
		buckets = append(buckets, ff.UsageBucket{FlagID: k.flagID, Environment: k.env, Hour: k.hour,
			Variant: k.variant, Reason: k.reason, ErrorCode: k.code, Count: n})
	}
	clear(c.pending)
	return buckets, now
}

// restore puts buckets a failed flush took back into pending.
func (c *Collector) restore(buckets []ff.UsageBucket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range buckets {
		c.pendLocked(key{flagID: b.FlagID, env: b.Environment, variant: b.Variant, reason: b.Reason, code: b.ErrorCode, hour: b.Hour}, b.Count)
	}
}
