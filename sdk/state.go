package sdk

// State says whether a Client's configuration is current.
type State int32

const (
	// StateReady: connected, or the last poll succeeded; changes arrive as
	// they are committed.
	StateReady State = iota + 1
	// StateStale: the configuration may be out of date: it came from the
	// on-disk cache, or the connection was lost and the client is
	// reconnecting.
	StateStale
	// StateError: the service refuses the client (a revoked key, an
	// unknown environment). The last configuration is still served and the
	// client keeps retrying.
	StateError
)

func (s State) String() string {
	switch s {
	case StateReady:
		return "ready"
	case StateStale:
		return "stale"
	case StateError:
		return "error"
	}
	return "unknown"
}

// EventType is the kind of an Event.
type EventType int

const (
	// EventStateChanged: State changed; Event.Err says why for stale and error.
	EventStateChanged EventType = iota + 1
	// EventConfigChanged: a new configuration is in use.
	EventConfigChanged
)

// Event tells a subscriber about a change of state or configuration.
type Event struct {
	Type     EventType
	State    State // the state after the event
	Revision int64 // the configuration's revision after the event
	// Flags names the flags a configuration change touched; nil when it may
	// have touched any (a segment changed).
	Flags []string
	Err   error
}

// Subscribe returns a channel of the client's events and a func that ends
// the subscription. Events are never waited for: when the channel's buffer
// is full the event is dropped (State and Revision are always current). The
// channel is closed by cancel or Close.
func (c *Client) Subscribe(buffer int) (events <-chan Event, cancel func()) {
	ch := make(chan Event, max(buffer, 1))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		close(ch)
		return ch, func() {}
	}
	c.subs[ch] = struct{}{}
	return ch, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.subs[ch]; ok {
			delete(c.subs, ch)
			close(ch)
		}
	}
}

// emitLocked sends ev to every subscriber; c.mu is held.
func (c *Client) emitLocked(ev Event) {
	for ch := range c.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

// setState moves to s, with err as the reason, and tells subscribers.
func (c *Client) setState(s State, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setStateLocked(s, err)
}

func (c *Client) setStateLocked(s State, err error) {
	c.err = err
	if State(c.st.Swap(int32(s))) == s {
		return
	}
	if err != nil {
		c.opts.Logger.Warn("featureflags: state changed", "state", s.String(), "error", err)
	} else {
		c.opts.Logger.Info("featureflags: state changed", "state", s.String())
	}
	c.emitLocked(Event{Type: EventStateChanged, State: s, Revision: c.rev, Err: err})
}
