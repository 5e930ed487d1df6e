package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/wire"
)

// Usage reports. Evaluation counts beside the compiled snapshot (package
// eval: one atomic add, no allocation); the reporter drains the counts of
// the current configuration and of those replaced since, and posts them to
// the service every Options.UsageInterval.

// reporter holds counts drained but not yet reported.
type reporter struct {
	mu      sync.Mutex
	retired []*eval.Snapshot
	pending map[wire.UsageCount]int64 // Count is zero in keys
}

// maxReportCounts is how many counts one POST carries (the server's
// default limit is 10,000).
const maxReportCounts = 1000

// install makes cmp the configuration evaluation reads, keeping the one it
// replaces for the next report; c.mu is held.
func (c *Client) install(cmp *compiled) {
	if c.opts.DisableUsage {
		cmp.snap = cmp.snap.WithoutCounting()
	}
	old := c.cur.Swap(cmp)
	if !c.opts.DisableUsage && old != nil && old.snap != cmp.snap {
		c.usage.mu.Lock()
		c.usage.retired = append(c.usage.retired, old.snap)
		c.usage.mu.Unlock()
	}
}

func (c *Client) startUsage() {
	c.usageDone = make(chan struct{})
	c.usage.pending = map[wire.UsageCount]int64{}
	if c.opts.DisableUsage {
		close(c.usageDone)
		return
	}
	go func() {
		defer close(c.usageDone)
		t := time.NewTicker(c.opts.UsageInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_ = c.FlushUsage(c.ctx)
			case <-c.ctx.Done():
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_ = c.FlushUsage(ctx)
				cancel()
				return
			}
		}
	}()
}

// FlushUsage reports the evaluations counted since the last report now.
// The client does so by itself every Options.UsageInterval and at Close.
// Counts a failed report carried are kept for the next (up to
// Options.MaxUsageCounts).
func (c *Client) FlushUsage(ctx context.Context) error {
	counts := c.drainUsage()
	for len(counts) > 0 {
		n := min(len(counts), maxReportCounts)
		if err := c.postUsage(ctx, counts[:n]); err != nil {
			c.keepUsage(counts)
			return err
		}
		counts = counts[n:]
	}
	return nil
}

// drainUsage moves every snapshot's counts into pending and takes them.
func (c *Client) drainUsage() []wire.UsageCount {
	u := &c.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	add := func(n eval.Count) {
		k := wire.UsageCount{Flag: n.Flag, Variant: n.Variant, Reason: n.Reason, ErrorCode: n.ErrorCode}
		if _, ok := u.pending[k]; ok || len(u.pending) < c.opts.MaxUsageCounts {
			u.pending[k] += int64(n.N)
		}
	}
	for _, s := range u.retired {
		s.Drain(add)
	}
	u.retired = nil
	if cur := c.cur.Load(); cur != nil {
		cur.snap.Drain(add)
	}
	out := make([]wire.UsageCount, 0, len(u.pending))
	for k, n := range u.pending {
		k.Count = n
		out = append(out, k)
	}
	clear(u.pending)
	return out
}

// keepUsage puts counts a failed report carried back, within the bound.
func (c *Client) keepUsage(counts []wire.UsageCount) {
	u := &c.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, k := range counts {
		n := k.Count
		k.Count = 0
		if _, ok := u.pending[k]; ok || len(u.pending) < c.opts.MaxUsageCounts {
			u.pending[k] += n
		}
	}
}

func (c *Client) postUsage(ctx context.Context, counts []wire.UsageCount) error {
	body, err := json.Marshal(wire.UsageReport{Counts: counts})
	if err != nil {
		return err
	}
	req, err := c.request(ctx, wire.UsagePath)
	if err != nil {
		return err
	}
	req.Method = http.MethodPost
	req.Body = readCloser{bytes.NewReader(body)}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return responseError(resp)
	}
	return nil
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
