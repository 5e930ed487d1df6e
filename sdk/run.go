package sdk

import (
	"errors"
	"math/rand/v2"
	"time"
)

// run keeps the configuration current until Close: it streams, and polls
// while streaming is impossible, reconnecting with jittered exponential
// back-off.
func (c *Client) run() {
	defer close(c.done)
	attempt := 0
	for c.ctx.Err() == nil {
		if c.opts.PollOnly {
			c.pollFor(0)
			continue
		}
		synced, err := c.stream()
		if c.ctx.Err() != nil {
			return
		}
		if errors.Is(err, errNoStream) {
			c.opts.Logger.Info("featureflags: polling instead of streaming", "error", err, "retry_stream_in", c.opts.StreamRetry)
			c.pollFor(c.opts.StreamRetry)
			attempt = 0
			continue
		}
		if synced {
			attempt = 0
		}
		c.failed(err)
		if !c.sleep(backoff(attempt, c.opts.MinBackoff, c.opts.MaxBackoff)) {
			return
		}
		attempt++
	}
}

// pollFor polls for d (forever when d is 0) or until Close.
func (c *Client) pollFor(d time.Duration) {
	var until time.Time
	if d > 0 {
		until = time.Now().Add(d)
	}
	attempt := 0
	for c.ctx.Err() == nil && (until.IsZero() || time.Now().Before(until)) {
		wait := c.opts.PollInterval
		if err := c.poll(); err != nil {
			if c.ctx.Err() != nil {
				return
			}
			c.failed(err)
			wait = max(wait, backoff(attempt, c.opts.MinBackoff, c.opts.MaxBackoff))
			attempt++
		} else {
			attempt = 0
		}
		if !c.sleep(wait) {
			return
		}
	}
}

// failed records a failed connection or poll.
func (c *Client) failed(err error) {
	if c.cur.Load() == nil { // still starting
		if refused(err) {
			c.fatal(err)
			c.cancel()
			return
		}
		c.setErr(err)
		if c.opts.CachePath != "" && c.loadCache() {
			c.started()
		}
		return
	}
	if refused(err) {
		c.setState(StateError, err)
	} else {
		c.setState(StateStale, err)
	}
}

func (c *Client) setErr(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
}

// sleep waits for d or Close; false means closed.
func (c *Client) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// backoff returns the delay before retry number attempt: doubling from lo
// up to hi, then a uniformly random point in its upper half, so that many
// clients cut off together do not reconnect together.
func backoff(attempt int, lo, hi time.Duration) time.Duration {
	d := hi
	if attempt < 30 {
		d = min(hi, lo<<attempt)
	}
	return d/2 + rand.N(d/2+1)
}
