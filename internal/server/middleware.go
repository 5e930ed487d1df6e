package server

import (
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
)

// validRequestID accepts a client's X-Request-Id if it is short, printable
// ASCII, so it is safe to log and echo.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status a handler wrote and counts the body
// bytes, for the log line.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	st     *reqState // the state it is part of
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flushing for
// event streams).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// observe wraps the whole server: it assigns the request id, recovers from
// panics, and records one log line and the metrics per request, labelled by
// route pattern, never by raw path. The log line (accesslog.go) names the
// token a request used by its id; no secret header is ever logged. The
// request's state becomes its context at once, except on the evaluation
// routes (reqState).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := s.newState(w, r)
		if evalRoute(r) == notEval {
			r = st.attach(r)
		}
		defer s.finish(st, r, start)
		next.ServeHTTP(&st.rec, r)
	})
}

// finish ends a request: it answers a panic with a 500, and records the
// metrics and, unless sampled away, the log line.
func (s *Server) finish(st *reqState, r *http.Request, start time.Time) {
	defer st.release()
	rec := &st.rec
	if p := recover(); p != nil {
		if p == http.ErrAbortHandler {
			panic(p)
		}
		s.log.ErrorContext(r.Context(), "panic", "request_id", st.id, "panic", p, "stack", string(debug.Stack()))
		if rec.status == 0 {
			// Logged above with its stack: the body is the generic
			// message of internal errors, without a second log line.
			httpx.WriteJSON(rec, http.StatusInternalServerError, httpx.ErrorBody{Error: ff.ErrorMessage(nil)})
		}
	}
	route := routeLabel(r.Pattern)
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	elapsed := time.Since(start)
	s.metrics.observe(r.Method, route, status, elapsed)
	if !s.logSample.logs(route, status) {
		return
	}
	var actor string
	if st.token != nil {
		actor = st.token.ID
	}
	s.access.write(r.Context(), r, entry{route: route, id: st.id, actor: actor, status: status, bytes: rec.bytes, elapsed: elapsed, start: start})
}

// routeLabel is the path pattern of a ServeMux pattern ("GET /flags/{id}" ->
// "/flags/{id}"), so metrics and logs never carry raw paths.
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		return pattern[i+1:]
	}
	return pattern
}
