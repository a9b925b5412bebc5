package adminapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/scimd/scimd/account"
)

// The change feed: GET /api/v1/events?after=SEQ&limit=N pages a tenant's
// events in sequence order. A service authenticates with an API key
// (Authorization: Bearer scimd_ak_..., scope events:read); a portal
// session with audit.read may read it too.

// eventsPage is the feed's page: next is the sequence to pass as after
// for the following page (the same after when nothing is new yet).
type eventsPage struct {
	Items []account.EventDoc `json:"items"`
	Next  int64              `json:"next"`
}

// maxEventsLimit bounds a page of the feed.
const maxEventsLimit = 1000

func (a *API) events(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	var after int64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return invalid("after", "after must be a sequence number (a whole number, 0 or more), not %q", v)
		}
		after = n
	}
	limit := defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxEventsLimit {
			return invalid("limit", "limit must be a whole number from 1 to %d, not %q", maxEventsLimit, v)
		}
		limit = n
	}
	es, err := a.acct.Events(r.Context(), s.actor, s.tenant(), after, limit)
	if err != nil {
		return err
	}
	p := eventsPage{Items: make([]account.EventDoc, len(es)), Next: after}
	for i, e := range es {
		p.Items[i] = account.EventDocOf(e)
		p.Next = e.Sequence
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// apiKeySession authenticates a service's API key: it may call only the
// endpoints that name its scope.
func (a *API) apiKeySession(r *http.Request, key string) (*session, error) {
	actor, err := a.acct.APIKeyActor(r.Context(), strings.TrimSpace(key), account.ScopeEventsRead, requestID(r.Context()))
	if err != nil {
		if account.KindOf(err) == account.Unauthenticated {
			return nil, unauthenticated("the API key is unknown or revoked (scimd apikey create prints a new one)")
		}
		return nil, err
	}
	s := &session{actor: actor}
	s.signed.TenantID = actor.TenantID
	return s, nil
}

// apiKeyOnly is the refusal of an endpoint an API key's scope does not cover.
const apiKeyOnly = "an API key (scope events:read) may read only the change feed (GET /api/v1/events)"
