package pipeline

import (
	"errors"
	"fmt"
)

// ErrorKind is the small error vocabulary that every edge maps to its own
// terms: a row error for an uploader, a retry or a dead letter for Lambda,
// an exit code for the CLI, an HTTP status for the uploads API. (A kind of
// table, such as carers, is a standard.Kind.)
type ErrorKind int

// Kind is the former name of ErrorKind.
//
// Deprecated: use ErrorKind; it is kept so that code written before the
// rename still builds.
type Kind = ErrorKind

const (
	// Internal is a bug or an unexpected failure: nobody outside can fix it.
	Internal ErrorKind = iota
	// Invalid means the input is wrong and retrying the same input will not help.
	Invalid
	// NotFound means something named does not exist.
	NotFound
	// Conflict means a concurrent change won: retry after re-reading.
	Conflict
	// Transient means the same request may succeed later.
	Transient
)

func (k ErrorKind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not found"
	case Conflict:
		return "conflict"
	case Transient:
		return "transient"
	default:
		return "internal"
	}
}

// Error carries an ErrorKind through wrapped errors.
type Error struct {
	Kind ErrorKind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an error of the given kind; %w verbs wrap as in fmt.Errorf.
func Errorf(kind ErrorKind, format string, args ...any) error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, args...)}
}

// KindOf reports the kind of err: the outermost pipeline Error in its chain,
// or Internal when there is none.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}
