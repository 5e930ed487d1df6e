package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A failure of an evaluation route that the server logs (here: no flags
// loaded, which a server answering requests cannot show) is logged with
// the request's id, its state made the request's context for it; such a
// state is not reused, since the log record could keep the context.
func TestEvalFailureLoggedWithRequestID(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	r := httptest.NewRequest("POST", "/ofrep/v1/evaluate/flags/f", nil)
	r.Header.Set("X-Request-Id", "no-snapshot-1")
	st := s.newState(httptest.NewRecorder(), r)
	s.ofrepFail(&st.rec, r, "f", true, errNoSnapshot)
	if st.rec.status != http.StatusInternalServerError {
		t.Fatalf("status %d", st.rec.status)
	}
	if line := logs.String(); !strings.Contains(line, `"msg":"request failed"`) || !strings.Contains(line, `"request_id":"no-snapshot-1"`) {
		t.Fatalf("the failure was not logged with its request id: %q", line)
	}
	st.release()
	if st.id == "" {
		t.Error("a state that became the request's context was reused")
	}
}

// release reuses a state only when nothing may read it afterwards.
func TestStateReleasedOnlyWhenUnheld(t *testing.T) {
	s := &Server{}
	r := httptest.NewRequest("POST", "/ofrep/v1/evaluate/flags/f", nil)
	for _, c := range []struct {
		name     string
		attached bool
		status   int
		reused   bool
	}{
		{"answered", false, 200, true},
		{"made the request's context", true, 200, false},
		{"answer not begun: its header still reads the id", false, 0, false},
	} {
		st := s.newState(httptest.NewRecorder(), r)
		if c.attached {
			st.attach(r)
		}
		st.rec.status = c.status
		st.release()
		if reused := st.id == ""; reused != c.reused {
			t.Errorf("%s: reused %t, want %t", c.name, reused, c.reused)
		}
	}
}
