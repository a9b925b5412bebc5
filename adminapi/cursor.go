package adminapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/scimd/scimd/store"
)

// Lists answer {"items":[...],"total":N,"next":CURSOR_OR_NULL}. A cursor is
// opaque to clients: base64url JSON of where the next page starts. Cursors
// carry positions only (a creation time and an id), never data, and every
// read is confined to the session's tenant, so a cursor made elsewhere
// reveals and opens nothing.

// Page sizes.
const (
	defaultLimit = 100
	maxLimit     = 500
)

// listDoc is the JSON of every list.
type listDoc[T any] struct {
	Items []T     `json:"items"`
	Total *int    `json:"total"`
	Next  *string `json:"next"`
}

func newList[T any](items []T, total int, next *string) listDoc[T] {
	if items == nil {
		items = []T{}
	}
	return listDoc[T]{Items: items, Total: &total, Next: next}
}

// limitOf reads ?limit= (1 to maxLimit, default defaultLimit).
func limitOf(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return 0, invalid("limit", "limit must be a whole number from 1 to %d, not %q", maxLimit, s)
	}
	return n, nil
}

// The cursors of the three kinds of list. Decoding one kind's cursor as
// another fails: their fields differ and unknown fields are refused.
type userCursor struct {
	Created int64  `json:"c"`
	ID      string `json:"i"`
}

type auditCursor struct {
	At time.Time `json:"t"`
	ID string    `json:"i"`
}

type offsetCursor struct {
	Offset int `json:"o"`
}

func encodeCursor(v any) *string {
	b, _ := json.Marshal(v)
	s := base64.RawURLEncoding.EncodeToString(b)
	return &s
}

// decodeCursor reads ?cursor= into v; false when there is none.
func decodeCursor(r *http.Request, v any) (bool, error) {
	s := r.URL.Query().Get("cursor")
	if s == "" {
		return false, nil
	}
	bad := invalid("cursor", "the cursor is not one this list made: use the next value of the previous page, unchanged")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return false, bad
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		return false, bad
	}
	return true, nil
}

// plausible bounds the times a cursor may carry to what the databases
// store (a year far out of range is an error in PostgreSQL, a 500).
func plausible(t time.Time) bool {
	return t.Year() >= 1970 && t.Year() <= 9999
}

// usersAfter reads a users list's cursor as the store's keyset position.
func usersAfter(r *http.Request) (*store.Cursor, error) {
	var c userCursor
	ok, err := decodeCursor(r, &c)
	if err != nil || !ok {
		return nil, err
	}
	if c.ID == "" || !validText(c.ID) || !plausible(time.UnixMicro(c.Created)) {
		return nil, invalid("cursor", "the cursor is not one this list made: use the next value of the previous page, unchanged")
	}
	return &store.Cursor{Created: c.Created, ID: c.ID}, nil
}

// page answers a list held whole in memory (roles, account nodes, teams,
// numbers, locations: small per tenant), paged by offset.
func page[T any](r *http.Request, all []T) (listDoc[T], error) {
	limit, err := limitOf(r)
	if err != nil {
		return listDoc[T]{}, err
	}
	var c offsetCursor
	if _, err := decodeCursor(r, &c); err != nil {
		return listDoc[T]{}, err
	}
	if c.Offset < 0 || c.Offset > len(all) {
		c.Offset = len(all) // a list that shrank since: the end
	}
	end := min(c.Offset+limit, len(all))
	var next *string
	if end < len(all) {
		next = encodeCursor(offsetCursor{Offset: end})
	}
	return newList(all[c.Offset:end], len(all), next), nil
}
