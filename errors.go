package featureflags

import (
	"errors"
	"fmt"
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
)

// Error is the domain's error: a code for programs, a message for people and,
// when one field of the input is at fault, that field's name.
type Error struct {
	Code    string
	Message string
	Field   string
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
