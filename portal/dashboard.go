package portal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// auditRow is an audit entry as the pages show it.
type auditRow struct {
	At                   time.Time
	Actor, Kind, Action  string
	Resource, ResourceID string
	Changes              string
}

func auditRows(es []store.AuditEntry) []auditRow {
	out := make([]auditRow, 0, len(es))
	for _, e := range es {
		actor := e.ActorName
		if actor == "" {
			actor = e.ActorKind + " " + e.ActorID
		}
		out = append(out, auditRow{At: e.At, Actor: actor, Kind: e.ActorKind, Action: e.Action,
			Resource: e.ResourceType, ResourceID: e.ResourceID, Changes: changesText(e.Changes)})
	}
	return out
}

// changesText renders an entry's changes as "field: before → after".
func changesText(raw string) string {
	if raw == "" || raw == "null" || raw == "{}" {
		return ""
	}
	var m map[string]struct {
		Before any `json:"before"`
		After  any `json:"after"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return limit(raw, 300)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		c := m[k]
		parts = append(parts, k+": "+short(c.Before)+" → "+short(c.After))
	}
	return limit(strings.Join(parts, "; "), 600)
}

func short(v any) string {
	if v == nil {
		return "∅"
	}
	if s, ok := v.(string); ok {
		return limit(s, 80)
	}
	b, _ := json.Marshal(v)
	return limit(string(b), 80)
}

// connection is an IdP connection (a token) with its health.
type connection struct {
	T       store.Token
	H       store.TokenHealth
	Label   string
	Status  string
	Healthy bool
}

// quietAfter is how long without a request makes a connection look
// stalled: Entra ID provisions every 40 minutes, Okta on every change.
const quietAfter = 48 * time.Hour

func connections(hs []account.TokenHealth, now time.Time) []connection {
	out := make([]connection, 0, len(hs))
	for _, h := range hs {
		t := h.Token
		c := connection{T: t, H: h.TokenHealth, Label: t.Label}
		if c.Label == "" {
			c.Label = "token " + t.ID
		}
		switch {
		case t.RevokedAt != nil:
			c.Status = "revoked"
		case t.ExpiresAt != nil && now.After(*t.ExpiresAt):
			c.Status = "expired"
		case h.LastUsedAt == nil:
			c.Status = "no request yet"
		case h.LastErrorAt != nil && now.Sub(*h.LastErrorAt) < time.Hour:
			c.Status = fmt.Sprintf("failing: last error %d at %s", h.LastErrorStatus, h.LastErrorAt.UTC().Format("15:04 UTC"))
		case now.Sub(*h.LastUsedAt) > quietAfter:
			c.Status = "no request for over two days"
		default:
			c.Status, c.Healthy = "receiving requests", true
		}
		out = append(out, c)
	}
	return out
}

type dashData struct {
	Tenant      string
	Stats       store.Stats
	Activity    []auditRow
	Connections []connection
}

// home is GET /portal/: seed 004's stats, the IdP's recent provisioning
// and the SCIM connections' health. A Team Leader goes to My Team.
func (p *Portal) home(w http.ResponseWriter, r *http.Request, m *me) {
	if !m.Admin {
		http.Redirect(w, r, Prefix+"/myteam", http.StatusSeeOther)
		return
	}
	ctx := r.Context()
	var d dashData
	var err error
	if t, err := p.acct.Store().Reader().GetTenant(ctx, m.tenant()); err == nil {
		d.Tenant = t.Name
	}
	if d.Stats, err = p.acct.Stats(ctx, m.Actor, m.tenant()); err != nil {
		p.fail(w, r, m, err)
		return
	}
	if es, err := p.acct.ProvisioningActivity(ctx, m.Actor, m.tenant(), 10); err == nil {
		d.Activity = auditRows(es)
	} else if account.KindOf(err) != account.Forbidden {
		p.fail(w, r, m, err)
		return
	}
	if hs, err := p.acct.TokenHealth(ctx, m.Actor, m.tenant()); err == nil {
		d.Connections = connections(hs, time.Now())
	} else if account.KindOf(err) != account.Forbidden {
		p.fail(w, r, m, err)
		return
	}
	v := view{Title: "Dashboard", Me: m, Nav: "home", Data: d}
	p.flash(w, r, &v)
	p.page(w, r, http.StatusOK, "dashboard", v)
}

type auditData struct {
	Rows        []auditRow
	Actor, User string
	Since       string
	Before      string
	Next        string
}

// userRef turns a login (an email) typed into the audit filter into the
// user's id; anything else is taken as an id (of a user, a token, a job).
func (p *Portal) userRef(r *http.Request, m *me, ref string) string {
	ref = strings.TrimSpace(ref)
	if strings.Contains(ref, "@") {
		if u, err := p.acct.Store().Reader().FindUser(r.Context(), m.tenant(), ref); err == nil {
			return u.ID
		}
	}
	return ref
}

// audit is GET /portal/audit?actor=&user=&since=&before=: the audit log,
// newest first, filtered by actor, user and time.
func (p *Portal) audit(w http.ResponseWriter, r *http.Request, m *me) {
	q := r.URL.Query()
	d := auditData{Actor: limit(q.Get("actor"), 100), User: limit(q.Get("user"), 100), Since: limit(q.Get("since"), 40)}
	aq := account.AuditQuery{ActorID: p.userRef(r, m, d.Actor), ResourceID: p.userRef(r, m, d.User), Limit: 100}
	if d.Since != "" {
		t, err := time.Parse("2006-01-02", d.Since)
		if err != nil {
			p.fail(w, r, m, &account.Error{Kind: account.Invalid, Message: "since must be a date, YYYY-MM-DD"})
			return
		}
		aq.Since = t
	}
	if b := q.Get("before"); b != "" {
		at, id, ok := strings.Cut(b, "_")
		t, err := time.Parse(time.RFC3339Nano, at)
		if !ok || err != nil {
			p.fail(w, r, m, &account.Error{Kind: account.Invalid, Message: "the page link is not valid: start from the first page"})
			return
		}
		aq.Before = &store.AuditCursor{At: t, ID: id}
	}
	es, err := p.acct.Audit(r.Context(), m.Actor, m.tenant(), aq)
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	d.Rows = auditRows(es)
	if len(es) == aq.Limit {
		last := es[len(es)-1]
		d.Next = last.At.UTC().Format(time.RFC3339Nano) + "_" + last.ID
	}
	p.page(w, r, http.StatusOK, "audit", view{Title: "Audit log", Me: m, Nav: "audit", Data: d})
}
