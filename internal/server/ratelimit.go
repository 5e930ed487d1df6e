package server

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	ff "github.com/featureflags/featureflags"
)

// limiter is a token bucket per key (a token id or a client address): each
// holds up to burst, refills at rate per second, and a request takes one.
// name is the limit's command-line name, which its 429 gives.
type limiter struct {
	name        string // the setting, as the command line names it
	what        string // what it counts: "changes", "evaluations"
	rate, burst float64
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the buckets kept; beyond it, full (idle) ones go.
const maxBuckets = 10000

func newLimiter(name, what string, rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{name: name, what: what, rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes one from key's bucket or, when it is empty, returns an
// ETOOMANY error that says how long until it holds one again.
func (l *limiter) allow(key string) error {
	var buf [64]byte
	return l.allowBytes(append(buf[:0], key...))
}

// allowBytes is allow for a key in bytes.
func (l *limiter) allowBytes(key []byte) error {
	if l == nil {
		return nil
	}
	ok, wait := l.take(key)
	if ok {
		return nil
	}
	return &ff.Error{Code: ff.ETOOMANY, Limit: l.name, RetryAfter: wait,
		Message: "too many " + l.what + ": at most " + strconv.FormatFloat(l.rate, 'g', -1, 64) +
			" per second (in bursts of " + strconv.Itoa(int(l.burst)) +
			") are allowed per token and per client address; retry after the time Retry-After gives (limit " + l.name + ")"}
}

// take takes one from key's bucket, or reports how long until it can. The
// key is bytes so that a caller can build it without allocating; looking
// it up copies nothing, and only a new bucket's key is copied.
func (l *limiter) take(key []byte) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[string(key)]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[string(key)] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed*l.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// sweep drops the buckets that have refilled: forgetting them changes
// nothing. A flood from more addresses than maxBuckets, faster than
// buckets refill, leaves few full ones; then the fullest go until half
// remain (evict), so memory stays bounded and sweeping stays rare.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if l.level(b, now) >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets*3/4 {
		l.evict(now, maxBuckets/2)
	}
}

// level is what b would hold at now.
func (l *limiter) level(b *bucket, now time.Time) float64 {
	return b.tokens + now.Sub(b.last).Seconds()*l.rate
}

// evict forgets the fullest buckets until keep remain: forgetting a bucket
// refills it, and the fullest lose least; the emptiest, those of the
// clients being limited, stay.
func (l *limiter) evict(now time.Time, keep int) {
	type entry struct {
		key   string
		level float64
	}
	all := make([]entry, 0, len(l.buckets))
	for k, b := range l.buckets {
		all = append(all, entry{k, l.level(b, now)})
	}
	slices.SortFunc(all, func(a, b entry) int { return cmp.Compare(b.level, a.level) })
	for _, e := range all[:max(len(all)-keep, 0)] {
		delete(l.buckets, e.key)
	}
}

// limitKey is the bucket of a request: its token's id, or without one its
// client address. The two never collide: token ids hold no colon.
func (s *Server) limitKey(r *http.Request, tokenID string) string {
	if tokenID != "" {
		return tokenID
	}
	return "addr:" + s.proxies.client(r)
}

// Names of the evaluation limits, as the command line and answers give them.
const (
	LimitEvalRate     = "eval-rate"
	LimitContextBytes = "max-context-bytes"
)

// setEvalLimits applies cfg's evaluation bounds, with their defaults.
func (s *Server) setEvalLimits(cfg Config) {
	if cfg.EvalRate > 0 {
		s.evalLimit = newLimiter(LimitEvalRate, "evaluations", cfg.EvalRate, max(cfg.EvalBurst, 1), time.Now)
	}
	s.maxContext = cfg.MaxContextBytes
	if s.maxContext <= 0 {
		s.maxContext = 64 << 10
	}
	s.maxContext = min(s.maxContext, s.maxBody)
	s.maxDepth = cfg.MaxDepth
	if s.maxDepth <= 0 {
		s.maxDepth = ff.DefaultMaxDepth
	}
}

// allowEval takes one evaluation from the bucket of the request's token, if
// any, and from that of its client address: a shared browser key cannot
// be drained by one address, nor one address get round the limit with
// many keys.
func (s *Server) allowEval(r *http.Request, tokenID string) error {
	if s.evalLimit == nil {
		return nil
	}
	if tokenID != "" {
		if err := s.evalLimit.allow(tokenID); err != nil {
			return err
		}
	}
	var key [64]byte // the address's key, built without an allocation
	return s.evalLimit.allowBytes(append(append(key[:0], "addr:"...), s.proxies.client(r)...))
}
