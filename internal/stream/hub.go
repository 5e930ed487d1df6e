package stream

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/wire"
)

// Event is one committed change of one environment.
type Event struct {
	// Revision is the store revision the change committed at. Publish one
	// Event per environment and revision, in increasing revision order.
	Revision int64
	// Upsert holds created or changed flags, projected to the environment
	// (wire.Project); Delete the names of deleted ones. A rename is a delete
	// of the old name and an upsert.
	Upsert []*featureflags.Flag
	Delete []string
	// Reset asks for a full snapshot instead: a segment or the environment
	// itself changed, or the change cannot be described by flags.
	Reset bool
	// Time is when the change committed; it feeds the propagation lag.
	Time time.Time
	// From is the revision the change was made on, for the management
	// stream: a client at From can apply the change by reading only the
	// flags it names. Negative when unknown.
	From int64

	enc *encoding
}

// encoding caches an event's change JSON, so that a change reaching ten
// thousand streams is encoded once.
type encoding struct {
	once sync.Once
	data []byte
}

func (e *Event) changeJSON() []byte {
	build := func() []byte {
		c := wire.Change{Revision: e.Revision, Upsert: e.Upsert, Delete: e.Delete}
		if c.Upsert == nil {
			c.Upsert = []*featureflags.Flag{}
		}
		if c.Delete == nil {
			c.Delete = []string{}
		}
		b, err := json.Marshal(c)
		if err != nil { // flags held unencodable values: let the client resync
			b = nil
		}
		return b
	}
	if e.enc == nil {
		return build()
	}
	e.enc.once.Do(func() { e.enc.data = build() })
	return e.enc.data
}

// Metrics receives the hub's and the handlers' measurements; nil funcs are
// skipped. The server binds them to Prometheus. They are called on the
// publishing and streaming paths (some under a lock) and must not block.
type Metrics struct {
	Connected func(delta int)         // open streams (subscriptions), as a gauge
	EventSent func(env, event string) // an SSE event written to a stream
	Dropped   func(env string)        // a subscriber dropped for falling behind
	Lag       func(d time.Duration)   // from Event.Time to the event written to a stream
}

// HubOptions configures a Hub; zero values take the defaults.
type HubOptions struct {
	Buffer  int // events a subscriber may fall behind before it is dropped; default 64
	History int // events kept per environment for resuming streams; default 256
	Metrics Metrics
}

// Hub fans out events to the subscribers of each environment.
type Hub struct {
	opts   HubOptions
	mu     sync.Mutex
	topics map[string]*topic
	closed bool
}

// NewHub returns an empty hub.
func NewHub(opts HubOptions) *Hub {
	if opts.Buffer <= 0 {
		opts.Buffer = 64
	}
	if opts.History <= 0 {
		opts.History = 256
	}
	return &Hub{opts: opts, topics: map[string]*topic{}}
}

// topic is one environment: its subscribers and recent history. Every field
// is guarded by mu, which also orders deliveries.
type topic struct {
	env     string
	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	history ring
	seen    bool  // an event was published
	floor   int64 // every event with a revision above floor is in history
	latest  int64 // the last published revision
	closed  bool
}

func (h *Hub) topic(env string) *topic {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.topics[env]
	if t == nil {
		t = &topic{env: env, subs: map[*Subscription]struct{}{}, history: newRing(h.opts.History), closed: h.closed}
		h.topics[env] = t
	}
	return t
}

// Publish delivers ev to env's subscribers and keeps it for resuming. It
// never waits for a subscriber: one whose buffer is full is dropped. An
// event whose revision is not above the last one published for env cannot
// be ordered: subscribers get a full snapshot instead, and streams can only
// resume after the next event.
func (h *Hub) Publish(env string, ev Event) {
	t := h.topic(env)
	p := &ev
	p.enc = new(encoding)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	switch {
	case t.seen && p.Revision <= t.latest:
		p = &Event{Revision: t.latest, Reset: true, Time: ev.Time, enc: new(encoding)}
		t.history.reset()
		t.floor = t.latest + 1
	case !t.seen:
		t.seen, t.floor, t.latest = true, p.Revision-1, p.Revision
		t.history.push(p)
	default:
		t.latest = p.Revision
		if old := t.history.push(p); old != nil {
			t.floor = old.Revision
		}
	}
	for s := range t.subs {
		select {
		case s.ch <- p:
		default:
			s.dropped.Store(true)
			t.remove(s)
			if f := h.opts.Metrics.Dropped; f != nil {
				f(env)
			}
		}
	}
}

// remove ends s's stream; t.mu is held.
func (t *topic) remove(s *Subscription) {
	if _, ok := t.subs[s]; !ok {
		return
	}
	delete(t.subs, s)
	close(s.ch)
	if f := s.hub.opts.Metrics.Connected; f != nil {
		f(-1)
	}
}

// Close ends every subscription; later subscriptions start closed and
// publishing does nothing. Call it before shutting the HTTP server down, as
// open streams would otherwise hold the shutdown up.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	topics := make([]*topic, 0, len(h.topics))
	for _, t := range h.topics {
		topics = append(topics, t)
	}
	h.mu.Unlock()
	for _, t := range topics {
		t.mu.Lock()
		t.closed = true
		for s := range t.subs {
			t.remove(s)
		}
		t.mu.Unlock()
	}
}
