package portal

import (
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// usersPageSize is the number of users on a page of the list.
const usersPageSize = 50

// userRow is one line of the users list (and of its CSV export).
type userRow struct {
	ID, Name, Email, Roles, State, LastLogin, Source string
	Owner                                            bool
}

type usersData struct {
	Q, State string
	Rows     []userRow
	Total    int
	Next     string // the cursor of the next page ("" on the last)
	Tabs     []tab
}

type tab struct {
	Label, State string
	Current      bool
}

// encodeCursor makes a keyset position a query parameter.
func encodeCursor(c *store.Cursor) string {
	if c == nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Created, 10) + "." + c.ID))
}

func decodeCursor(s string) (*store.Cursor, bool) {
	if s == "" {
		return nil, true
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	created, id, ok := strings.Cut(string(b), ".")
	n, err := strconv.ParseInt(created, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, false
	}
	return &store.Cursor{Created: n, ID: id}, true
}

func displayName(u *store.User) string {
	switch {
	case u.DisplayName != "":
		return u.DisplayName
	case u.Name.Formatted != "":
		return u.Name.Formatted
	case u.Name.GivenName != "" || u.Name.FamilyName != "":
		return strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName)
	}
	return u.UserName
}

func primaryEmail(u *store.User) string {
	es := u.Values["emails"]
	for _, e := range es {
		if e.Primary {
			return e.Value
		}
	}
	if len(es) > 0 {
		return es[0].Value
	}
	return u.UserName
}

// sourceLabel says where a user came from, as seed 004's list shows it.
func sourceLabel(s string) string {
	switch s {
	case store.SourceSCIM:
		return "IdP"
	case "":
		return "—"
	}
	return s
}

func (p *Portal) row(r *http.Request, tenantID string, u *store.User) userRow {
	row := userRow{ID: u.ID, Name: displayName(u), Email: primaryEmail(u), State: u.State, Source: sourceLabel(u.Source),
		LastLogin: funcs["when"].(func(any) string)(u.LastLoginAt)}
	if v, err := p.acct.View(r.Context(), tenantID, u); err == nil {
		var names []string
		for _, g := range v.Grants {
			if !contains(names, g.Role) {
				names = append(names, g.Role)
			}
		}
		row.Roles = strings.Join(names, ", ")
		row.Owner = v.Owner
	}
	return row
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// users is GET /portal/users?q=&state=&after=: tabs All / Invited /
// Inactive, a search by name or email, keyset paging.
func (p *Portal) users(w http.ResponseWriter, r *http.Request, m *me) {
	q := r.URL.Query()
	d := usersData{Q: limit(strings.TrimSpace(q.Get("q")), 200), State: q.Get("state")}
	for _, t := range []tab{{"All", "", false}, {"Active", store.StateActive, false}, {"Invited", store.StateInvited, false}, {"Inactive", store.StateInactive, false}} {
		t.Current = t.State == d.State
		d.Tabs = append(d.Tabs, t)
	}
	after, ok := decodeCursor(q.Get("after"))
	if !ok {
		p.fail(w, r, m, &account.Error{Kind: account.Invalid, Message: "the page link is not valid: start from the first page"})
		return
	}
	page, err := p.acct.ListUsers(r.Context(), m.Actor, m.tenant(), account.UserQuery{State: d.State, Q: d.Q, Limit: usersPageSize, After: after})
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	for _, u := range page.Items {
		d.Rows = append(d.Rows, p.row(r, m.tenant(), u))
	}
	d.Total, d.Next = page.Total, encodeCursor(page.Next)
	v := view{Title: "Users", Me: m, Nav: "users", Data: d}
	p.flash(w, r, &v)
	p.page(w, r, http.StatusOK, "users", v)
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// usersCSV is GET /portal/users.csv?q=&state=: the list as CSV, streamed
// page by page.
func (p *Portal) usersCSV(w http.ResponseWriter, r *http.Request, m *me) {
	q := r.URL.Query()
	uq := account.UserQuery{State: q.Get("state"), Q: limit(strings.TrimSpace(q.Get("q")), 200), Limit: 1000}
	page, err := p.acct.ListUsers(r.Context(), m.Actor, m.tenant(), uq)
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="users.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "name", "email", "roles", "state", "last_login", "source"})
	for {
		for _, u := range page.Items {
			x := p.row(r, m.tenant(), u)
			cw.Write([]string{x.ID, csvSafe(x.Name), csvSafe(x.Email), csvSafe(x.Roles), x.State, x.LastLogin, x.Source})
		}
		cw.Flush()
		if page.Next == nil {
			return
		}
		uq.After = page.Next
		if page, err = p.acct.ListUsers(r.Context(), m.Actor, m.tenant(), uq); err != nil {
			p.log.ErrorContext(r.Context(), "csv export", "err", err, "request_id", requestID(r.Context()))
			fmt.Fprintf(w, "\nexport stopped: error (request id %s)\n", requestID(r.Context()))
			return
		}
	}
}
