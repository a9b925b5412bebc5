package adminapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// auditDoc is one entry of the audit log.
type auditDoc struct {
	ID           string          `json:"id"`
	Time         string          `json:"time"`
	Actor        auditActorDoc   `json:"actor"`
	Action       string          `json:"action"`
	ResourceType string          `json:"resourceType"`
	ResourceID   string          `json:"resourceId"`
	Changes      json.RawMessage `json:"changes"`
	RequestID    string          `json:"requestId"`
}

type auditActorDoc struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

func toAuditDoc(e store.AuditEntry) auditDoc {
	changes := json.RawMessage(e.Changes)
	if !json.Valid(changes) {
		changes = json.RawMessage("{}")
	}
	return auditDoc{ID: e.ID, Time: e.At.UTC().Format(time.RFC3339Nano),
		Actor:  auditActorDoc{Kind: e.ActorKind, ID: e.ActorID, Name: e.ActorName},
		Action: e.Action, ResourceType: e.ResourceType, ResourceID: e.ResourceID, Changes: changes, RequestID: e.RequestID}
}

// audit is GET /api/v1/audit?user=&actor=&since=: entries about a user
// (the resource), by an actor (its id: a user's, a token's), from a time
// (RFC 3339) on, newest first. "total" is null: the log is not counted
// (it may hold millions of entries, and no count of it exists below).
func (a *API) audit(w http.ResponseWriter, r *http.Request, s *session) error {
	limit, err := limitOf(r)
	if err != nil {
		return err
	}
	v := r.URL.Query()
	q := account.AuditQuery{ResourceID: v.Get("user"), ActorID: v.Get("actor"), Limit: limit + 1}
	for k, p := range map[string]string{"user": q.ResourceID, "actor": q.ActorID} {
		if len(p) > store.MaxIndexedText {
			return invalid(k, "%s is longer than %d characters", k, store.MaxIndexedText)
		}
	}
	if since := v.Get("since"); since != "" {
		t, err := time.Parse(time.RFC3339Nano, since)
		if err != nil || !plausible(t) {
			return invalid("since", "since must be a time in RFC 3339 format, such as 2026-12-01T00:00:00Z, not %q", since)
		}
		q.Since = t
	}
	var c auditCursor
	ok, err := decodeCursor(r, &c)
	if err != nil {
		return err
	}
	if ok {
		if c.ID == "" || !validText(c.ID) || !plausible(c.At) {
			return invalid("cursor", "the cursor is not one this list made: use the next value of the previous page, unchanged")
		}
		q.Before = &store.AuditCursor{At: c.At, ID: c.ID}
	}
	entries, err := a.acct.Audit(r.Context(), s.actor, s.tenant(), q)
	if err != nil {
		return err
	}
	var next *string
	if len(entries) > limit {
		entries = entries[:limit]
		last := entries[limit-1]
		next = encodeCursor(auditCursor{At: last.At, ID: last.ID})
	}
	items := make([]auditDoc, len(entries))
	for i, e := range entries {
		items[i] = toAuditDoc(e)
	}
	writeJSON(w, http.StatusOK, listDoc[auditDoc]{Items: items, Next: next})
	return nil
}
