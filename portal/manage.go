package portal

import (
	"net/http"
	"strings"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// myTeam is GET /portal/myteam: the teams a Team Leader leads, with
// their members (seed 004).
func (p *Portal) myTeam(w http.ResponseWriter, r *http.Request, m *me) {
	teams, err := p.acct.MyTeam(r.Context(), m.Actor, m.tenant(), m.Signed.User.ID)
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	type member struct {
		Name, Email string
		Leader      bool
	}
	type team struct {
		Name    string
		Members []member
	}
	var out []team
	for _, t := range teams {
		tm := team{Name: t.Team.Name}
		for _, ms := range t.Members {
			u, err := p.acct.Store().Reader().GetUser(r.Context(), m.tenant(), ms.UserID, store.LoadValues)
			if err != nil {
				continue
			}
			tm.Members = append(tm.Members, member{Name: displayName(u), Email: primaryEmail(u), Leader: ms.Leader})
		}
		out = append(out, tm)
	}
	p.page(w, r, http.StatusOK, "myteam", view{Title: "My Team", Me: m, Nav: "myteam", Data: out})
}

type rolesData struct {
	Roles []account.RoleView
	Perms []string
	Nodes []store.Node
}

// roles is GET /portal/roles: the catalogue with permissions, and a form
// for a custom role with an account scope.
func (p *Portal) roles(w http.ResponseWriter, r *http.Request, m *me) {
	roles, err := p.acct.Roles(r.Context(), m.Actor, m.tenant())
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	nodes, err := p.acct.Nodes(r.Context(), m.Actor, m.tenant())
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	v := view{Title: "Roles", Me: m, Nav: "roles", Data: rolesData{Roles: roles, Perms: account.AllPermissions, Nodes: nodes}}
	p.flash(w, r, &v)
	p.page(w, r, http.StatusOK, "roles", v)
}

// createRole is POST /portal/roles: a custom role, or (delete=ID) its
// removal.
func (p *Portal) createRole(w http.ResponseWriter, r *http.Request, m *me) {
	r.ParseForm()
	if id := r.PostFormValue("delete"); id != "" {
		p.done(w, r, Prefix+"/roles", "The role is deleted.", p.acct.DeleteRole(r.Context(), m.Actor, m.tenant(), id))
		return
	}
	role := store.Role{Name: strings.TrimSpace(r.PostFormValue("name")), Description: strings.TrimSpace(r.PostFormValue("description")),
		Permissions: r.PostForm["perm"], Scope: r.PostForm["scope"]}
	_, err := p.acct.CreateRole(r.Context(), m.Actor, m.tenant(), role)
	p.done(w, r, Prefix+"/roles", "The role "+role.Name+" is created.", err)
}

// done goes back to a page with a notice, or with the domain's refusal.
func (p *Portal) done(w http.ResponseWriter, r *http.Request, target, notice string, err error) {
	if err != nil {
		_, msg := p.describe(r, err)
		p.back(w, r, target, "", msg)
		return
	}
	p.back(w, r, target, notice, "")
}

type treeNode struct {
	store.Node
	Depth int
}

// accounts is GET /portal/accounts: the account tree.
func (p *Portal) accounts(w http.ResponseWriter, r *http.Request, m *me) {
	nodes, err := p.acct.Nodes(r.Context(), m.Actor, m.tenant())
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	var out []treeNode
	for _, n := range nodes {
		out = append(out, treeNode{Node: n, Depth: strings.Count(strings.Trim(n.Path, "/"), "/")})
	}
	v := view{Title: "Account tree", Me: m, Nav: "accounts", Data: out}
	p.flash(w, r, &v)
	p.page(w, r, http.StatusOK, "accounts", v)
}

// accountsEdit is POST /portal/accounts: create (op=create), rename
// (op=rename) or move (op=move) a node.
func (p *Portal) accountsEdit(w http.ResponseWriter, r *http.Request, m *me) {
	ctx := r.Context()
	id, name, parent := r.PostFormValue("id"), strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("parent")
	var err error
	var notice string
	switch r.PostFormValue("op") {
	case "create":
		_, err = p.acct.CreateNode(ctx, m.Actor, m.tenant(), parent, name, r.PostFormValue("kind"))
		notice = name + " is created."
	case "rename":
		err = p.acct.RenameNode(ctx, m.Actor, m.tenant(), id, name)
		notice = "Renamed to " + name + "."
	case "move":
		err = p.acct.MoveNode(ctx, m.Actor, m.tenant(), id, parent)
		notice = "Moved."
	case "delete":
		err = p.acct.DeleteNode(ctx, m.Actor, m.tenant(), id)
		notice = "Deleted."
	default:
		err = &account.Error{Kind: account.Invalid, Message: "unknown operation"}
	}
	p.done(w, r, Prefix+"/accounts", notice, err)
}

type teamsData struct {
	Teams []account.TeamView
	Names map[string]string
}

// teams is GET /portal/teams: teams with members and leaders.
func (p *Portal) teams(w http.ResponseWriter, r *http.Request, m *me) {
	ts, err := p.acct.Teams(r.Context(), m.Actor, m.tenant())
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	d := teamsData{Names: map[string]string{}}
	for _, t := range ts {
		tv, err := p.acct.Team(r.Context(), m.Actor, m.tenant(), t.ID)
		if err != nil {
			p.fail(w, r, m, err)
			return
		}
		for _, ms := range tv.Members {
			if _, ok := d.Names[ms.UserID]; !ok {
				if u, err := p.acct.Store().Reader().GetUser(r.Context(), m.tenant(), ms.UserID, 0); err == nil {
					d.Names[ms.UserID] = displayName(u)
				}
			}
		}
		d.Teams = append(d.Teams, tv)
	}
	v := view{Title: "Teams", Me: m, Nav: "teams", Data: d}
	p.flash(w, r, &v)
	p.page(w, r, http.StatusOK, "teams", v)
}

// teamsEdit is POST /portal/teams: create a team, seat (by email) or
// unseat a member, delete a team.
func (p *Portal) teamsEdit(w http.ResponseWriter, r *http.Request, m *me) {
	ctx := r.Context()
	var err error
	var notice string
	switch r.PostFormValue("op") {
	case "create":
		name := strings.TrimSpace(r.PostFormValue("name"))
		_, err = p.acct.CreateTeam(ctx, m.Actor, m.tenant(), store.Team{Name: name})
		notice = "The team " + name + " is created."
	case "seat", "unseat":
		var u *store.User
		if u, err = p.acct.Store().Reader().FindUser(ctx, m.tenant(), strings.TrimSpace(r.PostFormValue("email"))); err == nil {
			err = p.acct.SetTeamMember(ctx, m.Actor, m.tenant(), store.TeamMember{TeamID: r.PostFormValue("team"), UserID: u.ID,
				Leader: r.PostFormValue("leader") == "on"}, r.PostFormValue("op") == "unseat")
		} else if account.KindOf(err) == account.NotFound {
			err = &account.Error{Kind: account.NotFound, Message: "no user has that email"}
		}
		notice = "The team is updated."
	case "delete":
		err = p.acct.DeleteTeam(ctx, m.Actor, m.tenant(), r.PostFormValue("team"))
		notice = "The team is deleted."
	default:
		err = &account.Error{Kind: account.Invalid, Message: "unknown operation"}
	}
	p.done(w, r, Prefix+"/teams", notice, err)
}

type numbersData struct {
	Numbers   []store.Number
	Locations []store.Location
}

// numbers is GET /portal/numbers: the voice pool and the locations.
func (p *Portal) numbers(w http.ResponseWriter, r *http.Request, m *me) {
	ns, err := p.acct.Numbers(r.Context(), m.Actor, m.tenant())
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	ls, err := p.acct.Locations(r.Context(), m.Actor, m.tenant())
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	v := view{Title: "Numbers and locations", Me: m, Nav: "numbers", Data: numbersData{Numbers: ns, Locations: ls}}
	p.flash(w, r, &v)
	p.page(w, r, http.StatusOK, "numbers", v)
}

// numbersEdit is POST /portal/numbers: park or release a number, add or
// delete a location.
func (p *Portal) numbersEdit(w http.ResponseWriter, r *http.Request, m *me) {
	ctx := r.Context()
	var err error
	var notice string
	switch r.PostFormValue("op") {
	case "park":
		var n store.Number
		n, err = p.acct.ParkNumber(ctx, m.Actor, m.tenant(), r.PostFormValue("number"))
		notice = n.Number + " is parked in the pool."
	case "unpark":
		err = p.acct.UnparkNumber(ctx, m.Actor, m.tenant(), r.PostFormValue("number"))
		notice = "The number is released."
	case "location":
		_, err = p.acct.CreateLocation(ctx, m.Actor, m.tenant(), store.Location{Name: strings.TrimSpace(r.PostFormValue("name")),
			Address: strings.TrimSpace(r.PostFormValue("address"))})
		notice = "The location is added."
	case "dellocation":
		err = p.acct.DeleteLocation(ctx, m.Actor, m.tenant(), r.PostFormValue("id"))
		notice = "The location is deleted."
	default:
		err = &account.Error{Kind: account.Invalid, Message: "unknown operation"}
	}
	p.done(w, r, Prefix+"/numbers", notice, err)
}

type connectionsData struct {
	BaseURL     string
	Connections []connection
	// NewToken is the token just created: shown this once.
	NewToken string
	IdPs     []string
}

// connections is GET /portal/connections: the SCIM base URL, the tokens
// and how to set up Okta and Entra ID.
func (p *Portal) connections(w http.ResponseWriter, r *http.Request, m *me) {
	p.renderConnections(w, r, m, "")
}

func (p *Portal) renderConnections(w http.ResponseWriter, r *http.Request, m *me, newToken string) {
	hs, err := p.acct.TokenHealth(r.Context(), m.Actor, m.tenant())
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	d := connectionsData{BaseURL: p.publicURL + "/scim/v2", Connections: connections(hs, time.Now()), NewToken: newToken, IdPs: store.IdPs}
	v := view{Title: "SCIM connections", Me: m, Nav: "connections", Data: d}
	p.flash(w, r, &v)
	p.page(w, r, http.StatusOK, "connections", v)
}

// connectionsEdit is POST /portal/connections: create a token (shown
// once, on the answer to this POST) or revoke one.
func (p *Portal) connectionsEdit(w http.ResponseWriter, r *http.Request, m *me) {
	if id := r.PostFormValue("revoke"); id != "" {
		p.done(w, r, Prefix+"/connections", "The token is revoked: the IdP's requests with it are refused from now on.",
			p.acct.RevokeToken(r.Context(), m.Actor, m.tenant(), id))
		return
	}
	plain, _, err := p.acct.CreateToken(r.Context(), m.Actor, m.tenant(), account.TokenInput{
		Label: strings.TrimSpace(r.PostFormValue("label")), IdP: r.PostFormValue("idp")})
	if err != nil {
		p.done(w, r, Prefix+"/connections", "", err)
		return
	}
	p.renderConnections(w, r, m, plain)
}

type settingsData struct {
	S           store.TenantSettings
	RedirectURL string
	HasSecret   bool
}

// settings is GET /portal/settings: sign-in settings, the tenant's OpenID
// provider (which only the Owner may change).
func (p *Portal) settings(w http.ResponseWriter, r *http.Request, m *me) {
	s, err := p.acct.Settings(r.Context(), m.Actor, m.tenant())
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	d := settingsData{S: s, RedirectURL: p.RedirectURL()}
	if s.OIDC == nil {
		d.S.OIDC = &store.OIDCSettings{}
	} else {
		d.HasSecret = true
	}
	v := view{Title: "Settings", Me: m, Nav: "settings", Data: d}
	p.flash(w, r, &v)
	p.page(w, r, http.StatusOK, "settings", v)
}

// settingsEdit is POST /portal/settings.
func (p *Portal) settingsEdit(w http.ResponseWriter, r *http.Request, m *me) {
	issuer, clientID, secret := strings.TrimSpace(r.PostFormValue("issuer")), strings.TrimSpace(r.PostFormValue("client_id")), r.PostFormValue("client_secret")
	err := p.acct.UpdateSettings(r.Context(), m.Actor, m.tenant(), func(s *store.TenantSettings) error {
		s.PasswordSignIn = r.PostFormValue("password_signin") == "on"
		switch {
		case issuer == "" && clientID == "":
			s.OIDC = nil
		default:
			if err := checkIssuer(issuer); err != nil {
				return err
			}
			o := store.OIDCSettings{Issuer: issuer, ClientID: clientID}
			if s.OIDC != nil {
				o.ClientSecret = s.OIDC.ClientSecret
			}
			if secret != "" {
				o.ClientSecret = secret
			}
			s.OIDC = &o
		}
		return nil
	})
	p.done(w, r, Prefix+"/settings", "Settings saved.", err)
}

// checkIssuer refuses an issuer that is not an absolute http(s) URL.
func checkIssuer(issuer string) error {
	if !(strings.HasPrefix(issuer, "https://") || strings.HasPrefix(issuer, "http://")) || len(issuer) > 500 {
		return &account.Error{Kind: account.Invalid, Field: "issuer", Message: "the issuer must be the provider's https:// URL"}
	}
	return nil
}
