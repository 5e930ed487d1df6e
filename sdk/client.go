package sdk

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// Client evaluates one environment's flags in process and keeps them up to
// date. It is safe for concurrent use.
type Client struct {
	opts Options
	cur  atomic.Pointer[compiled] // what evaluation reads; never nil after New
	st   atomic.Int32             // State

	ctx    context.Context // ends with Close
	cancel context.CancelFunc
	done   chan struct{} // the connection loop has returned

	mu       sync.Mutex // guards the configuration, err and subs
	rev      int64
	env      string
	flags    map[string]*featureflags.Flag
	segments []*featureflags.Segment
	err      error
	subs     map[chan Event]struct{}
	closed   bool

	// Start-up: the loop reports the first configuration or a fatal error.
	initOnce sync.Once
	initDone chan struct{}
	initErr  chan error

	// The cache writer persists the configuration after changes.
	dirty      chan struct{}
	stopWriter chan struct{}
	writerDone chan struct{}

	forceSnapshot bool // loop only: do not resume (a change could not be applied)

	usage     reporter      // usage.go
	usageDone chan struct{} // the usage reporter has returned
}

// compiled is one immutable configuration, swapped in whole.
type compiled struct {
	snap *eval.Snapshot
	env  string
}

// New connects to the service and returns once the client has a
// configuration: from the service, or, when the service cannot be reached
// and Options.CachePath holds one, from disk (State is then StateStale until
// the service answers). It fails when ctx ends first or the service refuses
// the key. ctx bounds only the start; the client runs until Close.
func New(ctx context.Context, opts Options) (*Client, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{
		opts:       o,
		done:       make(chan struct{}),
		flags:      map[string]*featureflags.Flag{},
		subs:       map[chan Event]struct{}{},
		initDone:   make(chan struct{}),
		initErr:    make(chan error, 1),
		dirty:      make(chan struct{}, 1),
		stopWriter: make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	c.st.Store(int32(StateStale))
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.run()
	c.startUsage()
	if o.CachePath != "" {
		go c.writer()
	} else {
		close(c.writerDone)
	}
	select {
	case <-c.initDone:
		return c, nil
	case err := <-c.initErr:
		c.Close()
		return nil, err
	case <-ctx.Done():
		if o.CachePath != "" && c.loadCache() { // the service is slow to answer
			c.started()
			return c, nil
		}
		last := c.Err()
		c.Close()
		return nil, fmt.Errorf("featureflags: no configuration before the context ended: %w (last error: %v)", ctx.Err(), last)
	}
}

// Close stops the client: it disconnects, writes the cache one last time
// and closes the event channels. Evaluation keeps answering from the last
// configuration.
func (c *Client) Close() error {
	c.cancel()
	<-c.done
	<-c.usageDone
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		<-c.writerDone
		return nil
	}
	c.closed = true
	for ch := range c.subs {
		close(ch)
	}
	c.subs = nil
	c.mu.Unlock()
	if c.opts.CachePath != "" {
		close(c.stopWriter)
	}
	<-c.writerDone
	return nil
}

// State reports whether the configuration is current.
func (c *Client) State() State { return State(c.st.Load()) }

// Err returns the last connection error, nil while StateReady.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Revision returns the store revision of the configuration in use.
func (c *Client) Revision() int64 {
	if cur := c.cur.Load(); cur != nil {
		return cur.snap.Revision()
	}
	return 0
}

// Environment returns the environment the client evaluates in.
func (c *Client) Environment() string {
	if cur := c.cur.Load(); cur != nil {
		return cur.env
	}
	return ""
}

// started reports the first configuration to New.
func (c *Client) started() { c.initOnce.Do(func() { close(c.initDone) }) }

// fatal reports a start-up failure to New.
func (c *Client) fatal(err error) {
	c.initOnce.Do(func() { c.initErr <- err })
}
