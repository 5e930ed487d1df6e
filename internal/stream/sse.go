package stream

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/featureflags/featureflags/sdk/wire"
)

// sseWriter writes SSE records, each flushed at once under a write deadline
// so that a client that stopped reading ends its stream instead of holding a
// goroutine forever.
type sseWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	buf     []byte
}

var heartbeat = []byte(wire.HeartbeatComment + "\n\n")

// startSSE writes the stream's headers and its retry hint.
func startSSE(w http.ResponseWriter, o *Options, resumed bool) (*sseWriter, error) {
	h := w.Header()
	h.Set("Content-Type", wire.ContentTypeSSE)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	if resumed {
		h.Set(wire.HeaderResumed, "true")
	}
	s := &sseWriter{w: w, rc: http.NewResponseController(w), timeout: o.WriteTimeout}
	w.WriteHeader(http.StatusOK)
	s.buf = append(s.buf[:0], "retry: "...)
	s.buf = strconv.AppendInt(s.buf, o.Retry.Milliseconds(), 10)
	s.buf = append(s.buf, "\n\n"...)
	return s, s.write(s.buf)
}

// event writes one event; data must hold no newline (JSON from
// encoding/json does not).
func (s *sseWriter) event(name string, id int64, data []byte) error {
	s.buf = append(s.buf[:0], "id: "...)
	s.buf = strconv.AppendInt(s.buf, id, 10)
	s.buf = append(s.buf, "\nevent: "...)
	s.buf = append(s.buf, name...)
	s.buf = append(s.buf, "\ndata: "...)
	s.buf = append(s.buf, data...)
	s.buf = append(s.buf, "\n\n"...)
	return s.write(s.buf)
}

func (s *sseWriter) write(b []byte) error {
	if err := s.rc.SetWriteDeadline(time.Now().Add(s.timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	return s.rc.Flush()
}
