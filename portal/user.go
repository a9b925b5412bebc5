package portal

import (
	"net/http"
	"strings"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

type userData struct {
	U      *store.User
	Row    userRow
	View   account.UserView
	Access account.Access
	// Direct are the grants the portal edits (the user's own); the others
	// come from the IdP's roles attribute or from groups.
	Direct []account.GrantView
	Roles  []account.RoleView
	Nodes  []store.Node
	// NodeNames maps node ids to names ("" is the master account).
	NodeNames map[string]string
	// MeOwner is true when the member looking is the Owner.
	MeOwner bool
	Self    bool
	Domain  domainData
}

// user is GET /portal/users/{id}.
func (p *Portal) user(w http.ResponseWriter, r *http.Request, m *me) {
	id := r.PathValue("id")
	ctx := r.Context()
	u, err := p.acct.GetUser(ctx, m.Actor, m.tenant(), id)
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	d := userData{U: u, Row: p.row(r, m.tenant(), u), Self: id == m.Signed.User.ID}
	if d.View, err = p.acct.View(ctx, m.tenant(), u); err != nil {
		p.fail(w, r, m, err)
		return
	}
	for _, g := range d.View.Grants {
		if g.Source == store.GrantDirect {
			d.Direct = append(d.Direct, g)
		}
	}
	if d.Access, err = p.acct.Access(ctx, m.Actor, m.tenant(), id); err != nil {
		p.fail(w, r, m, err)
		return
	}
	if d.Roles, err = p.acct.Roles(ctx, m.Actor, m.tenant()); err != nil {
		p.fail(w, r, m, err)
		return
	}
	if d.Nodes, err = p.acct.Nodes(ctx, m.Actor, m.tenant()); err != nil {
		p.fail(w, r, m, err)
		return
	}
	d.NodeNames = map[string]string{"": "Master account"}
	for _, n := range d.Nodes {
		if n.ID != m.tenant() {
			d.NodeNames[n.ID] = n.Name
		}
	}
	if d.Domain, err = p.domainFor(r, m, d.Access); err != nil {
		p.fail(w, r, m, err)
		return
	}
	if mine, err := p.acct.Access(ctx, m.Actor, m.tenant(), m.Signed.User.ID); err == nil {
		d.MeOwner = mine.Owner
	}
	v := view{Title: d.Row.Name, Me: m, Nav: "users", Data: d}
	p.flash(w, r, &v)
	p.page(w, r, http.StatusOK, "user", v)
}

// userAction is POST /portal/users/{id}/{action}: deactivate, reactivate,
// repair, delete, resend or cancel the invitation, transfer ownership.
// A refusal goes back to the user page with the domain's message.
func (p *Portal) userAction(w http.ResponseWriter, r *http.Request, m *me) {
	id := r.PathValue("id")
	ctx := r.Context()
	target := Prefix + "/users/" + id
	var err error
	var notice string
	switch r.PathValue("action") {
	case "deactivate":
		_, err = p.acct.Deactivate(ctx, m.Actor, m.tenant(), id)
		notice = "The user is inactive: every piece of their data is kept, and their sessions have ended."
	case "reactivate":
		_, err = p.acct.Reactivate(ctx, m.Actor, m.tenant(), id)
		notice = "The user is active again."
	case "repair":
		_, err = p.acct.Repair(ctx, m.Actor, m.tenant(), id)
		notice = "Repaired: default entitlements re-applied and access recomputed from the roles."
	case "delete":
		if r.PostFormValue("confirm") != "yes" {
			err = &account.Error{Kind: account.Invalid, Message: "tick the box to confirm the deletion"}
			break
		}
		if err = p.acct.DeleteUser(ctx, m.Actor, m.tenant(), id, account.AnyVersion); err == nil {
			p.back(w, r, Prefix+"/users", "The user is deleted.", "")
			return
		}
	case "resend":
		err = p.acct.ResendInvitation(ctx, m.Actor, m.tenant(), id)
		notice = "A new invitation is on its way; the old link no longer works."
	case "cancel":
		if err = p.acct.CancelInvitation(ctx, m.Actor, m.tenant(), id); err == nil {
			p.back(w, r, Prefix+"/users?state=invited", "The invitation is cancelled.", "")
			return
		}
	case "owner":
		former := account.FormerOwner{}
		if keep := strings.TrimSpace(r.PostFormValue("keep")); keep != "" {
			former.Roles = []string{keep}
		}
		err = p.acct.TransferOwner(ctx, m.Actor, m.tenant(), id, former)
		notice = "Ownership has passed to this user."
	default:
		p.page(w, r, http.StatusNotFound, "message", view{Title: "Not found", Me: m, Message: "There is no such action."})
		return
	}
	if err != nil {
		if account.KindOf(err) == account.NotFound && r.PathValue("action") != "resend" && r.PathValue("action") != "cancel" {
			p.fail(w, r, m, err)
			return
		}
		_, msg := p.describe(r, err)
		p.back(w, r, target, "", msg)
		return
	}
	p.back(w, r, target, notice, "")
}

// setRoles is POST /portal/users/{id}/roles: the user's own grants become
// those kept (keep=ROLE@NODE) plus the one added (role, node).
func (p *Portal) setRoles(w http.ResponseWriter, r *http.Request, m *me) {
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, m, &account.Error{Kind: account.Invalid, Message: "the form could not be read"})
		return
	}
	var grants []account.GrantInput
	for _, k := range r.PostForm["keep"] {
		role, node, _ := strings.Cut(k, "@")
		grants = append(grants, account.GrantInput{Role: role, Node: node})
	}
	if role := strings.TrimSpace(r.PostFormValue("role")); role != "" {
		grants = append(grants, account.GrantInput{Role: role, Node: r.PostFormValue("node")})
	}
	_, err := p.acct.UpdateUser(r.Context(), m.Actor, m.tenant(), id, account.AnyVersion, func(old *store.User) (account.UserInput, error) {
		g := append([]account.GrantInput(nil), grants...)
		return account.UserInput{User: old, Domain: &account.DomainInput{Grants: &g}}, nil
	})
	if err != nil {
		_, msg := p.describe(r, err)
		p.back(w, r, Prefix+"/users/"+id, "", msg)
		return
	}
	p.back(w, r, Prefix+"/users/"+id, "Roles saved.", "")
}
