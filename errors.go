package featureflags

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to one HTTP status in the server and to one meaning
// for every caller, whatever store produced the error.
const (
	EINVALID      = "invalid"      // the input is wrong; the caller must change it
	ENOTFOUND     = "not_found"    // the thing asked for does not exist
	ECONFLICT     = "conflict"     // the input clashes with existing state (a duplicate name)
	EPRECONDITION = "precondition" // an If-Match version does not match the current one
	EUNAVAILABLE  = "unavailable"  // the store cannot be reached; retrying later may work
	EINTERNAL     = "internal"     // a bug or an unexpected failure

	EUNAUTHORIZED = "unauthorized" // no valid credentials: none, unknown, expired or revoked
	EFORBIDDEN    = "forbidden"    // valid credentials whose role may not do this
	ETOOMANY      = "too_many"     // a rate limit refused the request; Limit names it, RetryAfter says when to retry

	// Codes of the protocol rather than the domain, so that every refusal
	// goes through the same code-to-status table.
	ETOOLARGE  = "too_large"          // the request body exceeds a size limit (Limit names it)
	EMEDIATYPE = "unsupported_media"  // the request body is not in a media type the endpoint reads
	EMETHOD    = "method_not_allowed" // the path exists, the method does not
)

// Error is the domain's error: a code for programs, a message for people and,
// when one field of the input is at fault, that field's name.
type Error struct {
	Code    string
	Message string
	Field   string
	// Limit names the configured limit the request exceeded, e.g.
	// "max-rules-per-flag" (the name of its command-line flag).
	Limit string
	// RetryAfter is how long to wait before retrying a refused request
	// (ETOOMANY); zero when unknown.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error blaming one field of the input.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Message: fmt.Sprintf(format, args...), Field: field}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic message for other errors so that internals never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error; the server log has the details"
}

// ErrorField returns the field blamed by the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorLimit returns the limit named by the first *Error in err's chain.
func ErrorLimit(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Limit
	}
	return ""
}
