package stream

import (
	"strconv"
	"sync"
	"time"

	ff "github.com/featureflags/featureflags"
)

// The stream limits' names, as the command line and 429 answers give them.
const (
	LimitStreams        = "max-streams"
	LimitStreamsPerKey  = "max-streams-per-key"
	LimitStreamsPerAddr = "max-streams-per-address"
)

// Limits bound open streams, each holding a connection (a file descriptor)
// and a subscriber: in total, per token and per client address. Zero
// leaves that one unbounded.
type Limits struct {
	Total, PerKey, PerAddr int
}

// Slots counts open streams against Limits.
type Slots struct {
	lim    Limits
	mu     sync.Mutex
	total  int
	byKey  map[string]int
	byAddr map[string]int
}

// NewSlots returns Slots for lim.
func NewSlots(lim Limits) *Slots {
	return &Slots{lim: lim, byKey: map[string]int{}, byAddr: map[string]int{}}
}

// streamRetry is the Retry-After of a refused stream: long enough that a
// flood of reconnections does not spin, short enough for a real client.
const streamRetry = 5 * time.Second

// Acquire takes a slot for a stream of token key ("" for none) from addr,
// or returns an ETOOMANY error naming the limit that refused it. release
// gives the slot back; call it once.
func (s *Slots) Acquire(key, addr string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.lim.Total > 0 && s.total >= s.lim.Total:
		return nil, tooMany(LimitStreams, s.lim.Total, "on this server")
	case key != "" && s.lim.PerKey > 0 && s.byKey[key] >= s.lim.PerKey:
		return nil, tooMany(LimitStreamsPerKey, s.lim.PerKey, "per token")
	case s.lim.PerAddr > 0 && s.byAddr[addr] >= s.lim.PerAddr:
		return nil, tooMany(LimitStreamsPerAddr, s.lim.PerAddr, "per client address")
	}
	s.total++
	s.byAddr[addr]++
	if key != "" {
		s.byKey[key]++
	}
	var once sync.Once
	return func() { once.Do(func() { s.release(key, addr) }) }, nil
}

func (s *Slots) release(key, addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	decrement(s.byAddr, addr)
	if key != "" {
		decrement(s.byKey, key)
	}
}

// decrement counts one less for k, forgetting it at zero so that the maps
// only hold what is open.
func decrement(m map[string]int, k string) {
	if m[k] <= 1 {
		delete(m, k)
		return
	}
	m[k]--
}

func tooMany(limit string, n int, where string) error {
	return &ff.Error{Code: ff.ETOOMANY, Limit: limit, RetryAfter: streamRetry,
		Message: "too many open event streams: at most " + strconv.Itoa(n) + " are allowed " + where +
			"; close some, or retry after the time Retry-After gives (limit " + limit + ")"}
}
