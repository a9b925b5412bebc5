package store

import (
	"errors"
	"fmt"
)

// Error kinds the store returns. The scim package maps each kind to one
// HTTP status in one place.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrPrecondition = errors.New("precondition failed")
	ErrInvalid      = errors.New("invalid")
	// ErrUnavailable means the database did not answer.
	ErrUnavailable = errors.New("database unavailable")
	// ErrTenantGone means the tenant a write was for was deleted meanwhile.
	ErrTenantGone = errors.New("the tenant no longer exists")
)

// ConflictError says which attribute's uniqueness a write violated.
type ConflictError struct {
	// Field is the SCIM attribute, e.g. "userName" or "externalId".
	Field string
	// Holder, when known, is the id of the record that holds the value
	// (the user an agent ID or a number belongs to).
	Holder string
	// Value is the value in conflict, when it helps to say it.
	Value string
}

func (e *ConflictError) Error() string {
	if e.Holder != "" {
		return fmt.Sprintf("%s %s is already held by %s", e.Field, e.Value, e.Holder)
	}
	return fmt.Sprintf("%s is already in use", e.Field)
}

// Unwrap makes errors.Is(err, ErrConflict) hold.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// InvalidError is a write the data model refuses, with a detail for people.
type InvalidError struct {
	Detail string
}

func (e *InvalidError) Error() string { return e.Detail }

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *InvalidError) Unwrap() error { return ErrInvalid }

// Invalidf returns an InvalidError with a formatted detail.
func Invalidf(format string, args ...any) error {
	return &InvalidError{Detail: fmt.Sprintf(format, args...)}
}
