package portal

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimd/scimd/account"
)

// inviteRows is how many people the invite form takes at once.
const inviteRows = 5

type inviteRow struct {
	Name, Email string
	Roles       []string
}

// Has reports whether the row names the role (for the template).
func (r inviteRow) Has(role string) bool { return contains(r.Roles, role) }

type inviteData struct {
	Rows  []inviteRow
	Roles []account.RoleView
}

// invitePage is GET /portal/invite: a form for several people at once.
func (p *Portal) invitePage(w http.ResponseWriter, r *http.Request, m *me) {
	p.renderInvite(w, r, m, http.StatusOK, make([]inviteRow, inviteRows), "")
}

func (p *Portal) renderInvite(w http.ResponseWriter, r *http.Request, m *me, status int, rows []inviteRow, errMsg string) {
	roles, err := p.acct.Roles(r.Context(), m.Actor, m.tenant())
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	for i := range rows {
		if len(rows[i].Roles) == 0 {
			rows[i].Roles = []string{"User"}
		}
	}
	v := view{Title: "Invite users", Me: m, Nav: "invite", Error: errMsg, Data: inviteData{Rows: rows, Roles: roles}}
	p.flash(w, r, &v)
	p.page(w, r, status, "invite", v)
}

// invite is POST /portal/invite: every filled row is invited, all or
// nothing (the domain's message says which row was refused).
func (p *Portal) invite(w http.ResponseWriter, r *http.Request, m *me) {
	rows := make([]inviteRow, inviteRows)
	var invites []account.Invite
	r.ParseForm()
	for i := range rows {
		n := strconv.Itoa(i)
		rows[i] = inviteRow{Name: strings.TrimSpace(r.PostFormValue("name" + n)), Email: strings.TrimSpace(r.PostFormValue("email" + n))}
		for _, role := range r.PostForm["role"+n] {
			if role = strings.TrimSpace(role); role != "" {
				rows[i].Roles = append(rows[i].Roles, role)
			}
		}
		if rows[i].Email == "" && rows[i].Name == "" {
			continue
		}
		invites = append(invites, account.Invite{Name: rows[i].Name, Email: rows[i].Email, Roles: rows[i].Roles})
	}
	if len(invites) == 0 {
		p.renderInvite(w, r, m, http.StatusBadRequest, rows, "Fill in at least one email address.")
		return
	}
	users, err := p.acct.InviteUsers(r.Context(), m.Actor, m.tenant(), invites)
	if err != nil {
		status, msg := p.describe(r, err)
		p.renderInvite(w, r, m, status, rows, msg)
		return
	}
	p.back(w, r, Prefix+"/users?state=invited", fmt.Sprintf("Invited %d people: each gets a mail with a link valid for 7 days.", len(users)), "")
}

type invitationData struct {
	Token string
	Inv   account.PendingInvitation
	OIDC  bool
}

// invitationPage is GET /portal/invitations/accept?token=...: what the
// invitee opens from the mail. Reading it uses nothing up.
func (p *Portal) invitationPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	p.renderInvitation(w, r, token, http.StatusOK, "")
}

func (p *Portal) renderInvitation(w http.ResponseWriter, r *http.Request, token string, status int, errMsg string) {
	inv, err := p.acct.InvitationFor(r.Context(), token)
	if err != nil {
		st, msg := p.describe(r, err)
		p.page(w, r, st, "message", view{Title: "Invitation", Message: msg + " Ask your administrator to send a new invitation."})
		return
	}
	d := invitationData{Token: token, Inv: inv}
	if o, err := p.acct.TenantOIDC(r.Context(), inv.TenantID); err == nil && o != nil && o.Issuer != "" {
		d.OIDC = true
	}
	p.page(w, r, status, "invitation", view{Title: "Join " + inv.TenantName, SignIn: true, Error: errMsg, Data: d})
}

// acceptWithPassword is POST /portal/invitations/accept: accepting by
// creating a password (the domain's password policy applies).
func (p *Portal) acceptWithPassword(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("confirm") {
		p.renderInvitation(w, r, token, http.StatusBadRequest, "The two passwords differ. Type the same password twice.")
		return
	}
	inv, err := p.acct.InvitationFor(r.Context(), token)
	if err != nil {
		p.renderInvitation(w, r, token, http.StatusNotFound, "")
		return
	}
	if _, err := p.acct.AcceptInvitation(r.Context(), token, &pw, ""); err != nil {
		status, msg := p.describe(r, err)
		p.renderInvitation(w, r, token, status, msg)
		return
	}
	t, _ := p.acct.Store().Reader().GetTenant(r.Context(), inv.TenantID)
	p.page(w, r, http.StatusOK, "accepted", view{Title: "Welcome", SignIn: true, Data: acceptedData{Tenant: t.Name, Email: inv.Email}})
}

type acceptedData struct{ Tenant, Email string }

// acceptWithOIDC is POST /portal/invitations/oidc: accepting by signing in
// with the tenant's provider, as the invited email.
func (p *Portal) acceptWithOIDC(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	inv, err := p.acct.InvitationFor(r.Context(), token)
	if err != nil {
		p.renderInvitation(w, r, token, http.StatusNotFound, "")
		return
	}
	if err := p.startOIDC(w, r, inv.TenantID, Prefix+"/", token); err != nil {
		status, msg := p.describe(r, err)
		if err == errNoProvider {
			status, msg = http.StatusBadRequest, "This account has no identity provider: create a password instead."
		}
		p.renderInvitation(w, r, token, status, msg)
	}
}

// finishInvitation ends an invitation's OpenID sign-in: the identity must
// have the invited email, verified.
func (p *Portal) finishInvitation(w http.ResponseWriter, r *http.Request, l pendingLogin, id account.Identity) {
	inv, err := p.acct.InvitationFor(r.Context(), l.Invitation)
	if err != nil {
		_, msg := p.describe(r, err)
		p.refusal(w, r, http.StatusNotFound, msg)
		return
	}
	if !id.EmailVerified || !strings.EqualFold(id.Email, inv.Email) {
		p.refusal(w, r, http.StatusForbidden, "The invitation is for "+inv.Email+", but the identity provider signed you in as "+
			orUnknown(id.Email)+" (verified: "+strconv.FormatBool(id.EmailVerified)+"). Sign in there as "+inv.Email+".")
		return
	}
	if _, err := p.acct.AcceptInvitation(r.Context(), l.Invitation, nil, id.Subject); err != nil {
		_, msg := p.describe(r, err)
		p.refusal(w, r, http.StatusConflict, msg)
		return
	}
	signed, err := p.acct.SignInOIDC(r.Context(), l.TenantID, id, requestID(r.Context()))
	if err != nil {
		t, _ := p.acct.Store().Reader().GetTenant(r.Context(), inv.TenantID)
		p.page(w, r, http.StatusOK, "accepted", view{Title: "Welcome", SignIn: true, Data: acceptedData{Tenant: t.Name, Email: inv.Email}})
		return
	}
	p.startSession(w, r, signed)
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown address"
	}
	return s
}
