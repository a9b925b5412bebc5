package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/scimd/scimd/store"
)

// Kind is what went wrong, for the edges to turn into their format: each
// has one table from Kind to its status (SCIM: status and scimType; the
// admin API: status and JSON code).
type Kind int

// Error kinds.
const (
	// Internal is a bug or an unexpected failure: answered generically,
	// logged with its cause.
	Internal Kind = iota
	// Invalid is a request the rules refuse; Field names what is wrong.
	Invalid
	// Conflict is a value already held; Field names it, Holder the id of
	// what holds it.
	Conflict
	// NotFound: no such resource in the actor's tenant.
	NotFound
	// Forbidden: the actor may not do this; Message says who may.
	Forbidden
	// Precondition: the resource changed since the version the caller
	// named.
	Precondition
	// Unavailable: the database does not answer; retry.
	Unavailable
	// Unauthenticated: the actor's credentials (or tenant) are gone.
	Unauthenticated
)

var kindNames = map[Kind]string{
	Internal: "internal", Invalid: "invalid", Conflict: "conflict", NotFound: "not_found", Forbidden: "forbidden",
	Precondition: "precondition_failed", Unavailable: "unavailable", Unauthenticated: "unauthenticated",
}

// String is the kind's name, as the admin API's error code uses it.
func (k Kind) String() string { return kindNames[k] }

// Error is a refusal of this package: what a person may read (Message)
// apart from the cause (Err), which is logged, never shown.
type Error struct {
	Kind    Kind
	Field   string
	Holder  string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(k Kind, field, format string, args ...any) *Error {
	return &Error{Kind: k, Field: field, Message: fmt.Sprintf(format, args...)}
}

func invalid(field, format string, args ...any) *Error {
	return errorf(Invalid, field, format, args...)
}

func forbidden(format string, args ...any) *Error { return errorf(Forbidden, "", format, args...) }

func notFound(format string, args ...any) *Error { return errorf(NotFound, "", format, args...) }

func conflict(field, holder, format string, args ...any) *Error {
	e := errorf(Conflict, field, format, args...)
	e.Holder = holder
	return e
}

// ErrPrecondition is returned when an expected version does not match.
var ErrPrecondition = &Error{Kind: Precondition,
	Message: "the resource has changed since the version named in If-Match: fetch it again and retry"}

// KindOf classifies any error this package returns, including the store's
// kinds that pass through.
func KindOf(err error) Kind {
	var e *Error
	var ce *store.ConflictError
	switch {
	case err == nil:
		return Internal
	case errors.As(err, &e):
		return e.Kind
	case errors.As(err, &ce), errors.Is(err, store.ErrConflict):
		return Conflict
	case errors.Is(err, store.ErrInvalid):
		return Invalid
	case errors.Is(err, store.ErrNotFound):
		return NotFound
	case errors.Is(err, store.ErrPrecondition):
		return Precondition
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return Unavailable
	case errors.Is(err, store.ErrTenantGone):
		return Unauthenticated
	}
	return Internal
}

// Describe returns what a person may be told of err: its message, the
// field it concerns and the holder of a conflicting value. For an internal
// error the message is empty: the edge answers generically.
func Describe(err error) (msg, field, holder string) {
	var e *Error
	var ce *store.ConflictError
	var ie *store.InvalidError
	switch {
	case errors.As(err, &e):
		return e.Message, e.Field, e.Holder
	case errors.As(err, &ce):
		if ce.Holder != "" {
			return fmt.Sprintf("%s %s is already held by %s", ce.Field, ce.Value, ce.Holder), ce.Field, ce.Holder
		}
		return fmt.Sprintf("%s is already in use by another resource of this tenant", ce.Field), ce.Field, ""
	case errors.As(err, &ie):
		return ie.Detail, "", ""
	}
	switch KindOf(err) {
	case NotFound:
		return "the resource does not exist", "", ""
	case Precondition:
		return ErrPrecondition.Message, "", ""
	case Unavailable:
		return "the database is not answering; retry shortly", "", ""
	case Unauthenticated:
		return "the credentials' tenant no longer exists", "", ""
	case Conflict:
		return "a unique value is already in use", "", ""
	}
	return "", "", ""
}
