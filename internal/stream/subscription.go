package stream

import "sync/atomic"

// Subscription is one stream's view of an environment.
type Subscription struct {
	hub     *Hub
	t       *topic
	ch      chan *Event
	replay  []*Event
	resumed bool
	dropped atomic.Bool
}

// Subscribe subscribes to env's events. lastEventID is the revision the
// client last saw (negative for none). When the hub still holds every event
// after it, Resumed reports true and Replay returns them; otherwise the
// caller must send a full snapshot first, taken after subscribing so that no
// event falls in between.
func (h *Hub) Subscribe(env string, lastEventID int64) *Subscription {
	t := h.topic(env)
	s := &Subscription{hub: h, t: t, ch: make(chan *Event, h.opts.Buffer)}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		close(s.ch)
		return s
	}
	if lastEventID >= 0 && t.seen && lastEventID >= t.floor && lastEventID <= t.latest {
		s.resumed = true
		s.replay = t.history.after(lastEventID)
	}
	t.subs[s] = struct{}{}
	if f := h.opts.Metrics.Connected; f != nil {
		f(1)
	}
	return s
}

// C delivers the events published after Subscribe, in revision order. It is
// closed when the subscription is closed, dropped or the hub closes.
func (s *Subscription) C() <-chan *Event { return s.ch }

// Resumed reports whether Replay holds every event after lastEventID.
func (s *Subscription) Resumed() bool { return s.resumed }

// Replay returns the held events after lastEventID when Resumed.
func (s *Subscription) Replay() []*Event { return s.replay }

// Dropped reports whether the hub dropped the subscription for falling
// behind.
func (s *Subscription) Dropped() bool { return s.dropped.Load() }

// Close unsubscribes. It may be called more than once.
func (s *Subscription) Close() {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	s.t.remove(s)
}
