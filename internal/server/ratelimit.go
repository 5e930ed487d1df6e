package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	ff "github.com/featureflags/featureflags"
)

// limiter is a token bucket per key (a token id or a client address): each
// holds up to burst, refills at rate per second, and a request takes one.
// name is the limit's command-line name, which its 429 gives.
type limiter struct {
	name        string
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

func newLimiter(name string, rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{name: name, rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes one from key's bucket or, when it is empty, returns an
// ETOOMANY error that says how long until it holds one again.
func (l *limiter) allow(key string) error {
	if l == nil {
		return nil
	}
	ok, wait := l.take(key)
	if ok {
		return nil
	}
	return &ff.Error{Code: ff.ETOOMANY, Limit: l.name, RetryAfter: wait,
		Message: "too many requests: at most " + strconv.FormatFloat(l.rate, 'g', -1, 64) +
			" per second (in bursts of " + strconv.Itoa(int(l.burst)) +
			") are allowed per token and per client address; retry after the time Retry-After gives (limit " + l.name + ")"}
}

// take takes one from key's bucket, or reports how long until it can.
func (l *limiter) take(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
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
// nothing.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
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
		s.evalLimit = newLimiter(LimitEvalRate, cfg.EvalRate, max(cfg.EvalBurst, 1), time.Now)
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
	return s.evalLimit.allow("addr:" + s.proxies.client(r))
}
