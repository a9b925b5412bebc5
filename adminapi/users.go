package adminapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// userDoc is a user as the admin API shows it.
type userDoc struct {
	ID        string   `json:"id"`
	Email     string   `json:"email"`
	Name      string   `json:"name"`
	State     string   `json:"state"`
	Roles     []string `json:"roles"`
	Owner     bool     `json:"owner"`
	LastLogin *string  `json:"lastLogin"`
	Source    string   `json:"source"`
	// Grants are the user's direct grants: what PATCH "grants" replaces.
	// Grants the SCIM roles attribute makes show in roles and in /access.
	Grants        []grantDoc `json:"grants"`
	AgentIDs      []agentDoc `json:"agentIds"`
	Teams         []seatDoc  `json:"teams"`
	Voice         *voiceDoc  `json:"voice"`
	UnmappedRoles []string   `json:"unmappedRoles"`
}

type grantDoc struct {
	Role string `json:"role"`
	Node string `json:"node"`
}

type agentDoc struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

type seatDoc struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Leader bool   `json:"leader"`
}

type voiceDoc struct {
	Extension         string   `json:"extension"`
	Location          string   `json:"location"`
	PrimaryNumber     string   `json:"primaryNumber"`
	AdditionalNumbers []string `json:"additionalNumbers"`
}

// emailOf is the address the API shows: the primary email, else the first,
// else the userName.
func emailOf(u *store.User) string {
	emails := u.Values["emails"]
	for _, e := range emails {
		if e.Primary {
			return e.Value
		}
	}
	if len(emails) > 0 {
		return emails[0].Value
	}
	return u.UserName
}

// nameOf is the name the API shows: displayName, else the formatted name,
// else the userName.
func nameOf(u *store.User) string {
	switch {
	case u.DisplayName != "":
		return u.DisplayName
	case u.Name.Formatted != "":
		return u.Name.Formatted
	}
	return u.UserName
}

func timeDoc(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// toUserDoc renders a user loaded with its values and domain.
func (a *API) toUserDoc(ctx context.Context, u *store.User) (userDoc, error) {
	v, err := a.acct.View(ctx, u.TenantID, u)
	if err != nil {
		return userDoc{}, err
	}
	d := userDoc{ID: u.ID, Email: emailOf(u), Name: nameOf(u), State: v.State, Owner: v.Owner,
		LastLogin: timeDoc(u.LastLoginAt), Source: u.Source,
		Roles: []string{}, Grants: []grantDoc{}, AgentIDs: []agentDoc{}, Teams: []seatDoc{},
		UnmappedRoles: append([]string{}, v.Unmapped...)}
	if d.Source == "" {
		d.Source = store.SourceSCIM
	}
	for _, g := range v.Grants {
		if g.Node == "" && !slices.Contains(d.Roles, g.Role) {
			d.Roles = append(d.Roles, g.Role)
		}
		if g.Source == store.GrantDirect {
			d.Grants = append(d.Grants, grantDoc{Role: g.Role, Node: nodeID(u.TenantID, g.Node)})
		}
	}
	for _, id := range v.AgentIDs {
		d.AgentIDs = append(d.AgentIDs, agentDoc{System: id.System, Value: id.Value})
	}
	for _, t := range v.Teams {
		d.Teams = append(d.Teams, seatDoc{ID: t.TeamID, Name: t.TeamName, Leader: t.Leader})
	}
	if vo := v.Voice; vo != nil {
		d.Voice = &voiceDoc{Extension: vo.Extension, Location: vo.LocationName, PrimaryNumber: vo.PrimaryNumber,
			AdditionalNumbers: append([]string{}, vo.AdditionalNumbers...)}
	}
	return d, nil
}

// nodeID is a grant's node as the API names it: the master account by its
// id (the tenant's), as /api/v1/accounts lists it.
func nodeID(tenantID, node string) string {
	if node == "" {
		return tenantID
	}
	return node
}

// etag is a user's version as a weak entity tag, for If-Match.
func etag(u *store.User) string { return `W/"` + strconv.FormatInt(u.Meta.Version, 10) + `"` }

// expect reads If-Match: absent or * matches any version; a tag that is
// not one of ours matches none (412).
func expect(r *http.Request) account.Expect {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return account.AnyVersion
	}
	out := account.Expect{}
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if v, err := strconv.ParseInt(strings.Trim(tag, `"`), 10, 64); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// respondUser reads a user again, whole, and answers with it: a write
// returns the record, but its domain parts are read only afterwards.
func (a *API) respondUser(w http.ResponseWriter, r *http.Request, s *session, status int, id string) error {
	u, err := a.acct.GetUser(r.Context(), s.actor, s.tenant(), id)
	if err != nil {
		return notFoundAs(err, "user", id)
	}
	d, err := a.toUserDoc(r.Context(), u)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(u))
	writeJSON(w, status, d)
	return nil
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request, s *session) error {
	limit, err := limitOf(r)
	if err != nil {
		return err
	}
	after, err := usersAfter(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p, err := a.acct.ListUsers(r.Context(), s.actor, s.tenant(),
		account.UserQuery{State: q.Get("state"), Q: q.Get("q"), Limit: limit, After: after})
	if err != nil {
		return err
	}
	items := make([]userDoc, 0, len(p.Items))
	for _, u := range p.Items {
		d, err := a.toUserDoc(r.Context(), u)
		if err != nil {
			return err
		}
		items = append(items, d)
	}
	var next *string
	if p.Next != nil {
		next = encodeCursor(userCursor{Created: p.Next.Created, ID: p.Next.ID})
	}
	writeJSON(w, http.StatusOK, newList(items, p.Total, next))
	return nil
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request, s *session) error {
	return a.respondUser(w, r, s, http.StatusOK, r.PathValue("id"))
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	if err := a.acct.DeleteUser(r.Context(), s.actor, s.tenant(), id, expect(r)); err != nil {
		return notFoundAs(err, "user", id)
	}
	return noContent(w)
}

// lifecycle serves deactivate, reactivate and repair: one account call,
// answered with the user.
func (a *API) lifecycle(fn func(ctx context.Context, a account.Actor, tenantID, id string) (*store.User, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, s *session) error {
		id := r.PathValue("id")
		if _, err := fn(r.Context(), s.actor, s.tenant(), id); err != nil {
			return notFoundAs(err, "user", id)
		}
		return a.respondUser(w, r, s, http.StatusOK, id)
	}
}

// accessDoc is a user's effective access.
type accessDoc struct {
	Owner         bool            `json:"owner"`
	Roles         []accessRoleDoc `json:"roles"`
	Permissions   []string        `json:"permissions"`
	Nodes         []nodeRefDoc    `json:"nodes"`
	UnmappedRoles []string        `json:"unmappedRoles"`
}

type accessRoleDoc struct {
	Role string     `json:"role"`
	Node nodeRefDoc `json:"node"`
	// ViaGroup is the id of the group that grants the role (null for the
	// user's own grant); Source says how an own grant was made ("direct",
	// or "roles": from the SCIM roles attribute).
	ViaGroup *string `json:"viaGroup"`
	Source   string  `json:"source"`
}

type nodeRefDoc struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (a *API) userAccess(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	acc, err := a.acct.Access(r.Context(), s.actor, s.tenant(), id)
	if err != nil {
		return notFoundAs(err, "user", id)
	}
	d := accessDoc{Owner: acc.Owner, Roles: []accessRoleDoc{}, Permissions: append([]string{}, acc.Permissions...),
		Nodes: []nodeRefDoc{}, UnmappedRoles: append([]string{}, acc.Unmapped...)}
	for _, ar := range acc.Roles {
		rd := accessRoleDoc{Role: ar.Name, Node: nodeRefDoc{ID: ar.Node.ID, Name: ar.Node.Name}, Source: ar.Source}
		if ar.ViaGroup != "" {
			g := ar.ViaGroup
			rd.ViaGroup = &g
		}
		d.Roles = append(d.Roles, rd)
	}
	for _, n := range acc.Nodes {
		d.Nodes = append(d.Nodes, nodeRefDoc{ID: n.ID, Name: n.Name})
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) stats(w http.ResponseWriter, r *http.Request, s *session) error {
	st, err := a.acct.Stats(r.Context(), s.actor, s.tenant())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"active": st.Active, "invited": st.Invited, "admin": st.Admin, "standard": st.Standard})
	return nil
}

// userDocs renders users created or changed by a call, read again whole.
func (a *API) userDocs(ctx context.Context, s *session, users []*store.User) ([]userDoc, error) {
	out := make([]userDoc, 0, len(users))
	for _, u := range users {
		full, err := a.acct.GetUser(ctx, s.actor, s.tenant(), u.ID)
		if err != nil {
			return nil, fmt.Errorf("read user %s after writing it: %w", u.ID, err)
		}
		d, err := a.toUserDoc(ctx, full)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
