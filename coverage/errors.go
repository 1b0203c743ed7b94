package coverage

import (
	"errors"
	"fmt"
)

// Error codes. Each transport maps them once to its own statuses (GraphQL
// extensions.code, HTTP status, process exit code).
const (
	EINVALID         = "invalid"         // bad input from a user, a feed or a file
	ENOTFOUND        = "not_found"       // the thing asked for does not exist
	ECONFLICT        = "conflict"        // the write conflicts with the current state
	EUNAUTHENTICATED = "unauthenticated" // no or bad credentials
	EFORBIDDEN       = "forbidden"       // credentials lack the right
	EUNAVAILABLE     = "unavailable"     // a dependency is down or not ready yet
	EINTERNAL        = "internal"        // a bug or an unexpected failure
)

// Error is the one error type of the domain. Message is safe to show to a user;
// Err, when set, carries internal detail that is logged but never shown.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any
// other non-nil error, and "" for nil.
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

// ErrorMessage returns the user-safe message of err: the message of its *Error,
// or a generic text for internal errors.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}
