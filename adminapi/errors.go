package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/scimd/scimd/account"
)

// statusOf is the one table from the account layer's error kinds (which
// cover the store's) to HTTP statuses. The JSON code is the kind's name.
var statusOf = map[account.Kind]int{
	account.Invalid:         http.StatusBadRequest,
	account.Unauthenticated: http.StatusUnauthorized,
	account.Forbidden:       http.StatusForbidden,
	account.NotFound:        http.StatusNotFound,
	account.Conflict:        http.StatusConflict,
	account.Precondition:    http.StatusPreconditionFailed,
	account.Unavailable:     http.StatusServiceUnavailable,
}

// retryAfter is the Retry-After of a 503, in seconds.
const retryAfter = "5"

// httpError is a refusal of the HTTP layer itself that no account kind
// names: an unknown path (404), a wrong method (405), a body that is too
// large (413) or not JSON (415).
type httpError struct {
	status int
	code   string
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func tooLarge() error {
	return &httpError{status: http.StatusRequestEntityTooLarge, code: account.Invalid.String(),
		msg: fmt.Sprintf("the request body is larger than the limit of %d bytes", MaxBodyBytes)}
}

// errorDoc is the JSON of every error answer.
type errorDoc struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Holder  string `json:"holder,omitempty"`
	// Problems lists every problem of an import file refused.
	Problems []account.Problem `json:"problems,omitempty"`
}

func invalid(field, format string, args ...any) error {
	return &account.Error{Kind: account.Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &account.Error{Kind: account.NotFound, Message: fmt.Sprintf(format, args...)}
}

// notFoundAs names the missing resource when the layers below say only
// "not found"; refusals of the account layer keep their own message.
func notFoundAs(err error, what, id string) error {
	var ae *account.Error
	if account.KindOf(err) == account.NotFound && !errors.As(err, &ae) {
		return notFound("%s %q does not exist in this tenant", what, id)
	}
	return err
}

// writeError answers with the JSON error for err: its kind's status with
// what the account layer lets a person read, or, for anything else (a
// bug), a logged cause and a generic 500 with the request id.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	var he *httpError
	var status int
	var body errorBody
	if errors.As(err, &he) {
		status, body = he.status, errorBody{Code: he.code, Message: he.msg}
	} else if k := account.KindOf(err); statusOf[k] != 0 {
		msg, field, holder := account.Describe(err)
		if msg == "" {
			msg = http.StatusText(statusOf[k])
		}
		status, body = statusOf[k], errorBody{Code: k.String(), Message: msg, Field: field, Holder: holder, Problems: account.ProblemsOf(err)}
		if k == account.Unavailable {
			w.Header().Set("Retry-After", retryAfter)
			a.log.WarnContext(ctx, "database unavailable: answering 503", "err", err, "request_id", requestID(ctx))
		}
	} else {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return // the client went away: nobody to answer
		}
		a.log.ErrorContext(ctx, "internal error", "err", err, "method", r.Method, "path", r.URL.Path,
			"request_id", requestID(ctx))
		status = http.StatusInternalServerError
		body = errorBody{Code: account.Internal.String(),
			Message: "internal server error (request id " + requestID(ctx) + "): the cause is logged"}
	}
	writeJSON(w, status, errorDoc{Error: body})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a bug makes these types unencodable.
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal server error: the answer could not be encoded"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
	w.Write([]byte("\n"))
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
