package mapping

import "fmt"

// Error is a client mistake found while converting or resolving: the scim
// package answers it as a SCIM error with this scimType and detail.
type Error struct {
	// ScimType is a keyword of RFC 7644 §3.12, e.g. "invalidValue".
	ScimType string
	Detail   string
}

func (e *Error) Error() string { return e.Detail }

// SCIM error types used here.
const (
	InvalidValue  = "invalidValue"
	InvalidSyntax = "invalidSyntax"
	InvalidPath   = "invalidPath"
	InvalidFilter = "invalidFilter"
	NoTarget      = "noTarget"
	Mutability    = "mutability"
)

func errorf(scimType, format string, args ...any) *Error {
	return &Error{ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}
