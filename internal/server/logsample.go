package server

import (
	"strings"
	"sync/atomic"
)

// logSampler decides which requests get a log line. Management requests
// and every failure are always logged; successful OFREP evaluations, which
// arrive by the ten thousand per second and whose log line would cost a
// fifth of their time, one in every.
type logSampler struct {
	every uint64 // 1: log every evaluation
	seen  atomic.Uint64
}

func newLogSampler(every int) *logSampler {
	return &logSampler{every: uint64(max(every, 1))}
}

// logs reports whether a request on route answered with status is logged.
func (l *logSampler) logs(route string, status int) bool {
	if l.every == 1 || status >= 400 || !strings.HasPrefix(route, "/ofrep/v1/evaluate/") {
		return true
	}
	return l.seen.Add(1)%l.every == 1
}
