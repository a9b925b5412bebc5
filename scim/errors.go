package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	scimerrors "github.com/elimity-com/scim/errors"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

// Error is a SCIM error response (RFC 7644 §3.12): what the client sees.
// Internal detail never goes in here; it is logged with the request id.
type Error struct {
	Status   int
	ScimType string
	Detail   string
	// RetryAfter, in seconds, is sent as a Retry-After header when set.
	RetryAfter int
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.ScimType, e.Detail) }

// SCIM error types (RFC 7644 §3.12, RFC 9865 §2.5).
const (
	typeInvalidFilter = "invalidFilter"
	typeTooMany       = "tooMany"
	typeUniqueness    = "uniqueness"
	typeMutability    = "mutability"
	typeInvalidSyntax = "invalidSyntax"
	typeInvalidPath   = "invalidPath"
	typeNoTarget      = "noTarget"
	typeInvalidValue  = "invalidValue"
	typeInvalidVers   = "invalidVers"
	typeInvalidCursor = "invalidCursor"
	typeExpiredCursor = "expiredCursor"
	typeInvalidCount  = "invalidCount"
)

func badRequest(scimType, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Detail: fmt.Sprintf(format, args...)}
}

// toError is the one place that turns errors from the layers below into
// what the client sees.
func toError(err error) *Error {
	var se *Error
	var me *mapping.Error
	var fe *filterError
	switch {
	case errors.As(err, &se):
		return se
	case errors.As(err, &fe):
		return &Error{Status: http.StatusBadRequest, ScimType: typeInvalidFilter, Detail: fe.detail}
	case errors.As(err, &me):
		return &Error{Status: http.StatusBadRequest, ScimType: me.ScimType, Detail: me.Detail}
	}
	k := account.KindOf(err)
	st, ok := accountStatus[k]
	if !ok {
		return nil
	}
	msg, _, _ := account.Describe(err)
	e := &Error{Status: st.status, ScimType: st.scimType, Detail: msg}
	if k == account.Unavailable {
		e.RetryAfter = 5
	}
	return e
}

// accountStatus is the one table from the account layer's error kinds
// (which cover the store's) to SCIM status and scimType.
var accountStatus = map[account.Kind]struct {
	status   int
	scimType string
}{
	account.Invalid:         {http.StatusBadRequest, typeInvalidValue},
	account.Conflict:        {http.StatusConflict, typeUniqueness},
	account.NotFound:        {http.StatusNotFound, ""},
	account.Forbidden:       {http.StatusForbidden, ""},
	account.Precondition:    {http.StatusPreconditionFailed, ""},
	account.Unavailable:     {http.StatusServiceUnavailable, ""},
	account.Unauthenticated: {http.StatusUnauthorized, ""},
}

// writeError answers with a SCIM error. An error that is not one of the
// known kinds is a bug: it is logged and answered as a generic 500.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := toError(err)
	if e == nil {
		if errors.Is(err, context.Canceled) {
			// The client went away; there is nobody to answer.
			return
		}
		logger(r.Context()).ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path,
			"request_id", requestID(r.Context()))
		e = &Error{Status: http.StatusInternalServerError,
			Detail: "internal server error (request id " + requestID(r.Context()) + ")"}
	} else if s := serverOf(r.Context()); s != nil {
		switch {
		case e.Status == http.StatusServiceUnavailable && (errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded)):
			s.outage.log(r.Context(), s.log, err)
		case errors.Is(err, store.ErrTenantGone):
			// This server learns first that the tenant is gone: its cached
			// tokens go now, not at the next auth generation check.
			s.tokens.dropTenant(tenantID(r.Context()))
		}
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scimd"`)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	body, _ := json.Marshal(scimerrors.ScimError{
		ScimType: scimerrors.ScimType(e.ScimType), Detail: e.Detail, Status: e.Status,
	})
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(e.Status)
	w.Write(body)
}
