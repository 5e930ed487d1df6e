package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/featureflags/featureflags/wire"
)

var errStreamEnded = errors.New("featureflags: the stream ended")

// stream reads the snapshot stream until it ends. synced reports whether
// the connection brought the client up to date, which resets the back-off.
func (c *Client) stream() (synced bool, err error) {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	var silent atomic.Bool
	watchdog := time.AfterFunc(c.opts.ReadTimeout, func() { silent.Store(true); cancel() })
	defer watchdog.Stop()
	req, err := c.request(ctx, wire.StreamPath)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", wire.ContentTypeSSE)
	if c.cur.Load() != nil && !c.forceSnapshot {
		req.Header.Set(wire.HeaderLastEventID, strconv.FormatInt(c.Revision(), 10))
	}
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		if silent.Load() { // an unreachable service more likely than a proxy: retry the stream
			return false, fmt.Errorf("featureflags: no response within %v", c.opts.ReadTimeout)
		}
		return false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotAcceptable, http.StatusNotImplemented:
		return false, fmt.Errorf("%w: %w", errNoStream, responseError(resp))
	default:
		return false, responseError(resp)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != wire.ContentTypeSSE {
		return false, fmt.Errorf("%w: the stream answered with %q", errNoStream, resp.Header.Get("Content-Type"))
	}
	live := &liveReader{r: resp.Body, timer: watchdog, d: c.opts.ReadTimeout}
	watchdog.Reset(c.opts.ReadTimeout)
	if resp.Header.Get(wire.HeaderResumed) == "true" && c.cur.Load() != nil {
		synced = true // only the changes since our revision follow
		c.connected()
	}
	r := newSSEReader(live)
	for {
		ev, err := r.next()
		if err != nil {
			switch {
			case silent.Load() && !live.got:
				return synced, fmt.Errorf("%w: nothing arrived within %v; a proxy may buffer the stream", errNoStream, c.opts.ReadTimeout)
			case silent.Load():
				return synced, fmt.Errorf("featureflags: the stream was silent for %v", c.opts.ReadTimeout)
			case errors.Is(err, io.EOF):
				return synced, errStreamEnded
			case c.ctx.Err() == nil:
				return synced, fmt.Errorf("%w: %v", errStreamEnded, err)
			}
			return synced, err
		}
		if err := c.handle(ev); err != nil {
			c.forceSnapshot = true // start over from a snapshot
			return synced, err
		}
		if ev.event == wire.EventSnapshot {
			synced = true
			c.forceSnapshot = false
			c.connected()
		}
	}
}

// handle applies one event of the snapshot stream.
func (c *Client) handle(ev sseEvent) error {
	switch ev.event {
	case wire.EventSnapshot:
		var cfg wire.Config
		if err := json.Unmarshal(ev.data, &cfg); err != nil {
			return fmt.Errorf("featureflags: a snapshot does not decode: %w", err)
		}
		if err := c.applySnapshot(&cfg, true); err != nil {
			return err
		}
		c.dirtyCache()
	case wire.EventChange:
		if c.cur.Load() == nil {
			return errors.New("featureflags: a change arrived before any snapshot")
		}
		var ch wire.Change
		if err := json.Unmarshal(ev.data, &ch); err != nil {
			return fmt.Errorf("featureflags: a change does not decode: %w", err)
		}
		c.applyChange(&ch)
		c.dirtyCache()
	}
	return nil // unknown events are for newer clients
}

// connected marks the client up to date with the service.
func (c *Client) connected() {
	c.started()
	c.setState(StateReady, nil)
}
