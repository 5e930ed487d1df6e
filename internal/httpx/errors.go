// Package httpx is what every HTTP handler of the server shares: one error
// renderer with the one table from error code to status, JSON answers,
// entity tags and strict request decoding.
package httpx

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
)

// statuses is the one table from error code to HTTP status; any other code
// is a 500.
var statuses = map[string]int{
	ff.EINVALID:      http.StatusBadRequest,
	ff.ENOTFOUND:     http.StatusNotFound,
	ff.ECONFLICT:     http.StatusConflict,
	ff.EPRECONDITION: http.StatusPreconditionFailed,
	ff.EUNAVAILABLE:  http.StatusServiceUnavailable,
	ff.EUNAUTHORIZED: http.StatusUnauthorized,
	ff.EFORBIDDEN:    http.StatusForbidden,
	ff.ETOOMANY:      http.StatusTooManyRequests,
	ff.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	ff.EMEDIATYPE:    http.StatusUnsupportedMediaType,
	ff.EMETHOD:       http.StatusMethodNotAllowed,
}

// Status returns the HTTP status of an error code.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is every error answer but OFREP's: a message a person can act
// on, the input field at fault and the limit exceeded, when there are.
type ErrorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
	// Limit names the configured limit a request exceeded, e.g.
	// "max-rules-per-flag" (the name of its command-line flag).
	Limit string `json:"limit,omitempty"`
}

// Error answers err as an ErrorBody. Errors that are not *ff.Error are
// answered with a generic message (see Prepare).
func Error(w http.ResponseWriter, r *http.Request, err error) {
	var held Accepted
	if errors.As(err, &held) {
		WriteJSON(w, http.StatusAccepted, held.Accepted())
		return
	}
	status := Prepare(w, r, err)
	WriteJSON(w, status, ErrorBody{Error: ff.ErrorMessage(err), Field: ff.ErrorField(err), Limit: ff.ErrorLimit(err)})
}

// Accepted is an "error" that is not a failure: a write held to be made
// later (a change awaiting approval), answered 202 with Accepted's body.
type Accepted interface {
	error
	Accepted() any
}

// Prepare does for an error answer all but writing its body, so that a
// protocol with a body of its own (OFREP) answers through the same table:
// it returns err's status, sets the headers its code calls for
// (WWW-Authenticate, Retry-After) and logs server-side failures with the
// request id, whose details the answer never shows.
func Prepare(w http.ResponseWriter, r *http.Request, err error) int {
	code := ff.ErrorCode(err)
	status := Status(code)
	switch code {
	case ff.EUNAUTHORIZED:
		w.Header().Set("WWW-Authenticate", `Bearer realm="featureflags"`)
	case ff.ETOOMANY:
		var e *ff.Error
		if errors.As(err, &e) && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		}
	}
	if status >= 500 {
		Log(r, "request failed", err)
	}
	return status
}

// Log logs a failure of r, with its request id, to the request's logger.
func Log(r *http.Request, msg string, err error) {
	ctx := r.Context()
	Logger(ctx).LogAttrs(ctx, slog.LevelError, msg,
		slog.String("error", err.Error()), slog.String("request_id", auth.RequestIDFrom(ctx)))
}

type loggerKey struct{}

// LoggerKey is the key WithLogger uses, for a context that answers it
// itself (see auth.RequestIDKey).
var LoggerKey any = loggerKey{}

// WithLogger returns ctx carrying the logger error answers are logged to.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// Logger returns the logger WithLogger put in ctx, or slog's default.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}
