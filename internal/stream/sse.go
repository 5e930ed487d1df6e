package stream

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/featureflags/featureflags"

	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/wire"
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

// errNoEnvironment answers a stream request that names no environment.
var errNoEnvironment = featureflags.Errorf(featureflags.EINVALID, "no environment: use an environment key or the %s header", wire.HeaderEnvironment)

// subscribe subscribes to the request's environment from its Last-Event-ID,
// or answers 400 and returns ok false when the request names none.
func (o *Options) subscribe(hub *Hub, w http.ResponseWriter, r *http.Request) (env string, last int64, sub *Subscription, ok bool) {
	env = o.Environment(r)
	if env == "" {
		httpx.Error(w, r, errNoEnvironment)
		return "", 0, nil, false
	}
	last = lastEventID(r)
	return env, last, hub.Subscribe(env, last), true
}

// pump writes the subscription's events with send, and heartbeats in
// between, until the subscription ends (the subscriber was dropped or the
// hub shut down: the client reconnects), a write fails or the client goes.
// With coalesce, events that queued up are passed to send as their last.
func (o *Options) pump(r *http.Request, s *sseWriter, sub *Subscription, coalesce bool, send func(*Event) error) {
	hb := time.NewTicker(o.Heartbeat)
	defer hb.Stop()
	for {
		select {
		case ev, ok := <-sub.C():
			if !ok {
				return
			}
			for drained := !coalesce; !drained; {
				select {
				case next, ok := <-sub.C():
					if !ok {
						drained = true
					} else {
						ev = next
					}
				default:
					drained = true
				}
			}
			if send(ev) != nil {
				return
			}
		case <-hb.C:
			if s.write(heartbeat) != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}
