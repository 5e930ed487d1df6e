package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
)

// errorBody is every error answer: a message a person can act on and, when
// one input field is at fault, its name.
type errorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
	// Limit names the configured limit a request exceeded, e.g.
	// "max-rules-per-flag" (the name of its command-line flag).
	Limit string `json:"limit,omitempty"`
}

// statusOf maps a domain error code to its HTTP status.
func statusOf(code string) int {
	switch code {
	case ff.EINVALID:
		return http.StatusBadRequest
	case ff.ENOTFOUND:
		return http.StatusNotFound
	case ff.ECONFLICT:
		return http.StatusConflict
	case ff.EPRECONDITION:
		return http.StatusPreconditionFailed
	case ff.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// httpError is an error that carries its own HTTP status: transport-level
// problems (body too large, wrong media type) that have no domain code.
type httpError struct {
	status int
	msg    string
	limit  string // the limit exceeded, if one was
}

func (e *httpError) Error() string { return e.msg }

// writeError answers err as JSON. Internal errors are logged with the
// request id and answered with a generic message.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	if errors.As(err, &he) {
		writeJSON(w, he.status, errorBody{Error: he.msg, Limit: he.limit})
		return
	}
	code := ff.ErrorCode(err)
	status := statusOf(code)
	if status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "error", err.Error(), "request_id", requestID(r.Context()))
	}
	writeJSON(w, status, errorBody{Error: ff.ErrorMessage(err), Field: ff.ErrorField(err), Limit: service.LimitOf(err)})
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"internal error: the answer could not be encoded"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
