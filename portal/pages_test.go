package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

func TestLinkSignInAndEveryPage(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c := e.signedIn()
		for _, p := range []string{"/portal/", "/portal/users", "/portal/users?state=invited", "/portal/users/" + e.owner,
			"/portal/invite", "/portal/roles", "/portal/accounts", "/portal/teams", "/portal/numbers", "/portal/connections",
			"/portal/settings", "/portal/audit", "/portal/myteam", "/portal/import", "/portal/webhooks"} {
			status, body, resp := get(t, c, e.srv.URL+p)
			if status != http.StatusOK {
				t.Errorf("GET %s: %d\n%s", p, status, body)
				continue
			}
			if !strings.Contains(body, "Sign out") {
				t.Errorf("GET %s: no Sign out control", p)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("GET %s: CSP %q", p, csp)
			}
		}
	})
}

// oidcSignIn signs in through the tenant's mock provider as u, starting at
// /portal/login?tenant=T, and returns where the browser ends and the page.
func TestUserPageDomainForms(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c := e.signedIn()
		agent := e.user("agent@example.com", "Agent")
		lead := e.user("lead@example.com", "Team Leader")
		team, err := e.svc.CreateTeam(t.Context(), account.Operator(), e.tenant.ID, store.Team{Name: "Night shift"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ParkNumber(t.Context(), account.Operator(), e.tenant.ID, "+1 415 555 0100"); err != nil {
			t.Fatal(err)
		}
		_, body, _ := get(t, c, e.srv.URL+"/portal/users/"+agent)
		if !strings.Contains(body, "Agent IDs of this Agent") || strings.Contains(body, "Teams this Team Leader is on") {
			t.Fatalf("agent's page: pickers wrong")
		}
		_, body = post(t, c, e.srv.URL+"/portal/users/"+agent+"/domain", url.Values{"part": {"agents"}, "system": {"voice"}, "value": {"A-100"}})
		if !strings.Contains(body, "Agent IDs saved.") || !strings.Contains(body, "A-100") {
			t.Fatalf("agent ID not saved:\n%s", body)
		}
		// The same agent ID for another user is refused with the domain's message.
		other := e.user("agent2@example.com", "Agent")
		_, body = post(t, c, e.srv.URL+"/portal/users/"+other+"/domain", url.Values{"part": {"agents"}, "system": {"voice"}, "value": {"A-100"}})
		if !strings.Contains(body, "belongs to one user at a time") {
			t.Fatalf("duplicate agent ID:\n%s", body)
		}
		_, body, _ = get(t, c, e.srv.URL+"/portal/users/"+lead)
		if !strings.Contains(body, "Teams this Team Leader is on") {
			t.Fatal("no team picker for a Team Leader")
		}
		_, body = post(t, c, e.srv.URL+"/portal/users/"+lead+"/domain", url.Values{"part": {"teams"}, "team": {team.ID}, "leader": {"on"}})
		if !strings.Contains(body, "Teams saved.") || !strings.Contains(body, "Night shift (leader)") {
			t.Fatalf("team not saved:\n%s", body)
		}
		_, body = post(t, c, e.srv.URL+"/portal/users/"+agent+"/domain", url.Values{"part": {"voice"}, "primary": {"+14155550100"}})
		if !strings.Contains(body, "Voice settings saved.") || !strings.Contains(body, "<dd>&#43;14155550100</dd>") {
			t.Fatalf("voice not saved:\n%s", body)
		}
		// The Team Leader signs in and gets My Team only.
		lc := e.browser()
		_, body, resp := e.oidcSignIn(lc, &mockoidc.MockUser{Subject: "lead", Email: "lead@example.com", EmailVerified: true}, "")
		if resp.Request.URL.Path != "/portal/myteam" || !strings.Contains(body, "Night shift") {
			t.Fatalf("team leader lands at %s:\n%s", resp.Request.URL, body)
		}
		if status, _, _ := get(t, lc, e.srv.URL+"/portal/users"); status != http.StatusForbidden {
			t.Fatalf("team leader reads the users list: %d", status)
		}
	})
}

func TestInvitationAcceptance(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.signedIn()
	status, body := post(t, c, e.srv.URL+"/portal/invite", url.Values{"name0": {"Ann"}, "email0": {"ann@example.com"}, "role0": {"Admin"},
		"name1": {"Bob"}, "email1": {"bob@example.com"}, "role1": {"User"}, "email2": {"not an email"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "not an email") {
		t.Fatalf("a bad row must refuse the batch: %d\n%s", status, body)
	}
	if _, err := e.st.Reader().FindUser(t.Context(), e.tenant.ID, "ann@example.com"); err == nil {
		t.Fatal("a refused batch invited someone")
	}
	status, body = post(t, c, e.srv.URL+"/portal/invite", url.Values{"name0": {"Ann"}, "email0": {"ann@example.com"}, "role0": {"Admin"},
		"name1": {"Bob"}, "email1": {"bob@example.com"}, "role1": {"User", "Reports"}})
	if status != http.StatusOK || !strings.Contains(body, "Invited 2 people") || !strings.Contains(body, "ann@example.com") {
		t.Fatalf("invite: %d\n%s", status, body)
	}
	ann, bob := invitation(t, e, "ann@example.com"), invitation(t, e, "bob@example.com")
	if u, _ := e.st.Reader().FindUser(t.Context(), e.tenant.ID, "bob@example.com"); u == nil {
		t.Fatal("Bob not invited")
	} else if v, err := e.svc.Access(t.Context(), account.Operator(), e.tenant.ID, u.ID); err != nil || len(v.Roles) != 2 {
		t.Fatalf("Bob's roles: %+v %v", v.Roles, err)
	}

	// Ann signs in at the IdP as someone else: refused, the invitation stays.
	a := e.browser()
	_, body, _ = get(t, a, ann)
	if !strings.Contains(body, "Accept by signing in as ann@example.com") {
		t.Fatalf("invitation page:\n%s", body)
	}
	token := mustURL(ann).Query().Get("token")
	e.oidc.QueueUser(&mockoidc.MockUser{Subject: "mallory", Email: "mallory@example.com", EmailVerified: true})
	status, body = post(t, a, e.srv.URL+"/portal/invitations/oidc", url.Values{"token": {token}})
	if status != http.StatusForbidden || !strings.Contains(body, "The invitation is for ann@example.com") {
		t.Fatalf("wrong identity: %d\n%s", status, body)
	}
	e.oidc.QueueUser(&mockoidc.MockUser{Subject: "ann-sub", Email: "ann@example.com", EmailVerified: false})
	status, body = post(t, a, e.srv.URL+"/portal/invitations/oidc", url.Values{"token": {token}})
	if status != http.StatusForbidden || !strings.Contains(body, "verified: false") {
		t.Fatalf("unverified email: %d\n%s", status, body)
	}
	e.oidc.QueueUser(&mockoidc.MockUser{Subject: "ann-sub", Email: "Ann@Example.com", EmailVerified: true})
	status, body = post(t, a, e.srv.URL+"/portal/invitations/oidc", url.Values{"token": {token}})
	if status != http.StatusOK || !strings.Contains(body, "Dashboard") {
		t.Fatalf("accept by OIDC: %d\n%s", status, body)
	}
	if u, _ := e.st.Reader().FindUserBySubject(t.Context(), e.tenant.ID, "ann-sub"); u == nil || u.State != "active" {
		t.Fatalf("Ann not active and linked: %+v", u)
	}
	// The link is used up.
	if status, body, _ := get(t, e.browser(), ann); status != http.StatusNotFound || !strings.Contains(body, "not valid") {
		t.Fatalf("used invitation: %d\n%s", status, body)
	}

	// Bob creates a password; the policy applies.
	b := e.browser()
	btok := mustURL(bob).Query().Get("token")
	if status, body := post(t, b, e.srv.URL+"/portal/invitations/accept", url.Values{"token": {btok}, "password": {"abc"}, "confirm": {"abc"}}); status != http.StatusBadRequest || !strings.Contains(body, "at least 8 characters") {
		t.Fatalf("weak password: %d\n%s", status, body)
	}
	if status, body := post(t, b, e.srv.URL+"/portal/invitations/accept", url.Values{"token": {btok}, "password": {"Abcdefg1"}, "confirm": {"Abcdefg2"}}); status != http.StatusBadRequest || !strings.Contains(body, "differ") {
		t.Fatalf("mismatch: %d\n%s", status, body)
	}
	if status, body := post(t, b, e.srv.URL+"/portal/invitations/accept", url.Values{"token": {btok}, "password": {"Abcdefg1"}, "confirm": {"Abcdefg1"}}); status != http.StatusOK || !strings.Contains(body, "Your invitation is accepted") {
		t.Fatalf("accept by password: %d\n%s", status, body)
	}
}

// invitation finds the invitation link in the outbox.
func invitation(t *testing.T, e *env, to string) string {
	t.Helper()
	ms, err := e.st.Reader().Mails(t.Context(), e.tenant.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.To == to {
			i := strings.Index(m.Body, e.srv.URL+"/portal/invitations/accept?token=")
			if i >= 0 {
				return strings.Fields(m.Body[i:])[0]
			}
		}
	}
	t.Fatalf("no invitation mail to %s", to)
	return ""
}

func TestUsersListPagingAndCSV(t *testing.T) {
	e := newEnv(t, "sqlite")
	for i := range 60 {
		e.user(fmt.Sprintf("person%02d@example.com", i), "User")
	}
	e.user("=cmd@example.com", "User")
	c := e.signedIn()
	_, body, _ := get(t, c, e.srv.URL+"/portal/users")
	if !strings.Contains(body, "62 users") || !strings.Contains(body, "Next page") {
		t.Fatalf("first page:\n%s", body)
	}
	i := strings.Index(body, `after=`)
	after := body[i+len("after=") : i+strings.IndexAny(body[i:], `"&`)]
	_, body2, _ := get(t, c, e.srv.URL+"/portal/users?after="+after)
	if strings.Contains(body2, "Next page") || !strings.Contains(body2, "=cmd@example.com") || strings.Contains(body2, "person00@") {
		t.Fatalf("second page:\n%s", body2)
	}
	if status, _, _ := get(t, c, e.srv.URL+"/portal/users?after=garbage!"); status != http.StatusBadRequest {
		t.Fatalf("bad cursor: %d", status)
	}
	status, csv, resp := get(t, c, e.srv.URL+"/portal/users.csv?q=example.com")
	if status != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %d %s", status, resp.Header.Get("Content-Type"))
	}
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != 63 || !strings.HasPrefix(lines[0], "id,name,email,roles,state,last_login,source") {
		t.Fatalf("csv has %d lines; first %q", len(lines), lines[0])
	}
	if !strings.Contains(csv, ",'=cmd@example.com,") {
		t.Fatal("a cell starting with = is not defused")
	}
}

func TestAuditFilter(t *testing.T) {
	e := newEnv(t, "sqlite")
	ann := e.user("ann@example.com", "User")
	e.user("bob@example.com", "User")
	c := e.signedIn()
	post(t, c, e.srv.URL+"/portal/users/"+ann+"/deactivate", nil)
	_, body, _ := get(t, c, e.srv.URL+"/portal/audit?user=ann@example.com")
	if !strings.Contains(body, "user.deactivated") || strings.Contains(body, "bob@example.com") {
		t.Fatalf("audit for ann:\n%s", body)
	}
	_, body, _ = get(t, c, e.srv.URL+"/portal/audit?actor=owner@example.com")
	if !strings.Contains(body, "user.deactivated") || strings.Contains(body, "user.created") {
		t.Fatalf("audit by the Owner:\n%s", body)
	}
	if status, _, _ := get(t, c, e.srv.URL+"/portal/audit?since=yesterday"); status != http.StatusBadRequest {
		t.Fatalf("bad date: %d", status)
	}
}

// TestNonceAndPKCE: the authorization request carries an S256 code
// challenge and a nonce, and an ID token with another nonce (as a replayed
// token would have) is refused.
func TestSettingsOIDCOwnerOnly(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.user("admin@example.com", "Admin")
	owner := e.signedIn()
	admin := e.browser()
	get(t, admin, e.link("admin@example.com"))
	// An Admin may change password sign-in but not the provider.
	_, body := post(t, admin, e.srv.URL+"/portal/settings", url.Values{"issuer": {"https://evil.example"}, "client_id": {"x"}})
	if !strings.Contains(body, "Only the Owner sets the tenant") {
		t.Fatalf("admin changed the provider:\n%s", body)
	}
	before, _ := e.svc.TenantOIDC(t.Context(), e.tenant.ID)
	// The Owner changes the client id; an empty secret keeps the stored one.
	_, body = post(t, owner, e.srv.URL+"/portal/settings", url.Values{"issuer": {before.Issuer}, "client_id": {"new-client"}, "password_signin": {"on"}})
	if !strings.Contains(body, "Settings saved.") {
		t.Fatalf("owner:\n%s", body)
	}
	after, _ := e.svc.TenantOIDC(t.Context(), e.tenant.ID)
	if after.ClientID != "new-client" || after.ClientSecret != before.ClientSecret || after.ClientSecret == "" {
		t.Fatalf("settings after: %+v", after)
	}
	if strings.Contains(body, before.ClientSecret) {
		t.Fatal("the settings page shows the client secret")
	}
	_, body = post(t, owner, e.srv.URL+"/portal/settings", url.Values{"issuer": {"not a url"}, "client_id": {"c"}})
	if !strings.Contains(body, "https:// URL") {
		t.Fatalf("bad issuer:\n%s", body)
	}
}

func TestManagementPages(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.signedIn()
	say := func(path string, form url.Values, want string) string {
		t.Helper()
		_, body := post(t, c, e.srv.URL+path, form)
		if !strings.Contains(body, want) {
			t.Fatalf("POST %s %v: no %q\n%s", path, form, want, body)
		}
		return body
	}
	say("/portal/roles", url.Values{"name": {"Auditor"}, "perm": {"audit.read"}}, "The role Auditor is created.")
	say("/portal/roles", url.Values{"name": {"Auditor"}, "perm": {"audit.read"}}, "already")
	say("/portal/accounts", url.Values{"op": {"create"}, "name": {"EMEA"}, "kind": {"account"}, "parent": {e.tenant.ID}}, "EMEA is created.")
	nodes, _ := e.svc.Nodes(t.Context(), account.Operator(), e.tenant.ID)
	var emea string
	for _, n := range nodes {
		if n.Name == "EMEA" {
			emea = n.ID
		}
	}
	say("/portal/accounts", url.Values{"op": {"create"}, "name": {"Paris"}, "kind": {"group"}, "parent": {emea}}, "Paris is created.")
	say("/portal/accounts", url.Values{"op": {"rename"}, "id": {emea}, "name": {"Europe"}}, "Renamed to Europe.")
	say("/portal/accounts", url.Values{"op": {"move"}, "id": {emea}, "parent": {emea}}, "class=\"error\"")
	say("/portal/teams", url.Values{"op": {"create"}, "name": {"Support"}}, "The team Support is created.")
	teams, _ := e.svc.Teams(t.Context(), account.Operator(), e.tenant.ID)
	e.user("agent@example.com", "Agent")
	say("/portal/teams", url.Values{"op": {"seat"}, "team": {teams[0].ID}, "email": {"agent@example.com"}}, "The team is updated.")
	say("/portal/teams", url.Values{"op": {"seat"}, "team": {teams[0].ID}, "email": {"nobody@example.com"}}, "No user has that email")
	say("/portal/numbers", url.Values{"op": {"park"}, "number": {"+1 (415) 555-0100"}}, "&#43;14155550100 is parked")
	say("/portal/numbers", url.Values{"op": {"park"}, "number": {"banana"}}, "class=\"error\"")
	say("/portal/numbers", url.Values{"op": {"location"}, "name": {"Lyon office"}, "address": {"1 rue de la République"}}, "Lyon office")
	body := say("/portal/connections", url.Values{"label": {"Entra"}, "idp": {"entra"}}, "shown only once")
	if !strings.Contains(body, "scimd_") {
		t.Fatal("no token shown")
	}
	toks, _ := e.svc.Tokens(t.Context(), account.Operator(), e.tenant.ID)
	say("/portal/connections", url.Values{"revoke": {toks[0].ID}}, "The token is revoked")
}

func TestTransferOwnership(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.user("admin@example.com", "Admin")
	other := e.user("other@example.com", "User")
	owner := e.signedIn()
	ac := e.browser()
	get(t, ac, e.link("admin@example.com"))
	// An Admin sees no transfer control, and a forged POST is refused with
	// the domain's message.
	if _, body, _ := get(t, ac, e.srv.URL+"/portal/users/"+other); strings.Contains(body, "Transfer ownership") {
		t.Fatal("an Admin is offered the ownership transfer")
	}
	if _, body := post(t, ac, e.srv.URL+"/portal/users/"+other+"/owner", url.Values{"keep": {"Admin"}}); !strings.Contains(body, `class="error"`) {
		t.Fatalf("an Admin transferred ownership:\n%s", body)
	}
	_, body, _ := get(t, owner, e.srv.URL+"/portal/users/"+admin)
	if !strings.Contains(body, "Transfer ownership to admin") {
		t.Fatal("the Owner is not offered the transfer")
	}
	if _, body := post(t, owner, e.srv.URL+"/portal/users/"+admin+"/owner", url.Values{"keep": {"Admin"}}); !strings.Contains(body, "Ownership has passed") {
		t.Fatalf("transfer:\n%s", body)
	}
	if id, _ := e.st.Reader().Owner(t.Context(), e.tenant.ID); id != admin {
		t.Fatalf("owner is %s, want %s", id, admin)
	}
	// The former Owner kept Admin: still in the portal, without the control.
	if _, body, _ := get(t, owner, e.srv.URL+"/portal/users/"+other); strings.Contains(body, "Transfer ownership") || !strings.Contains(body, "Sign out") {
		t.Fatal("the former Owner's view is wrong")
	}
}

// TestTenantIsolation: a member of one tenant reaches nothing of another,
// whatever ids it puts in the URL or the form.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.signedIn()
	other, err := e.st.CreateTenant(t.Context(), "other-"+e.tenant.Name)
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.svc.CreateUser(t.Context(), account.Operator(), other.ID, account.UserInput{
		User: &store.User{UserName: "secret@other.example", DisplayName: "Secret Person"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := e.svc.CreateToken(t.Context(), account.Operator(), other.ID, account.TokenInput{Label: "other-idp"})
	if err != nil || tok == "" {
		t.Fatal(err)
	}
	toks, _ := e.svc.Tokens(t.Context(), account.Operator(), other.ID)
	if status, body, _ := get(t, c, e.srv.URL+"/portal/users/"+u.ID); status != http.StatusNotFound || strings.Contains(body, "Secret Person") {
		t.Fatalf("another tenant's user: %d", status)
	}
	for _, action := range []string{"deactivate", "delete", "repair", "owner"} {
		post(t, c, e.srv.URL+"/portal/users/"+u.ID+"/"+action, url.Values{"confirm": {"yes"}})
	}
	post(t, c, e.srv.URL+"/portal/users/"+u.ID+"/roles", url.Values{"role": {"Admin"}})
	post(t, c, e.srv.URL+"/portal/connections", url.Values{"revoke": {toks[0].ID}})
	after, err := e.st.Reader().GetUser(t.Context(), other.ID, u.ID, store.LoadDomain)
	if err != nil || after.State != "active" || len(after.Domain.Grants) != 0 {
		t.Fatalf("another tenant's user changed: %+v %v", after, err)
	}
	if toks2, _ := e.svc.Tokens(t.Context(), account.Operator(), other.ID); toks2[0].RevokedAt != nil {
		t.Fatal("another tenant's token revoked")
	}
	for _, p := range []string{"/portal/users?q=secret", "/portal/users.csv?q=secret", "/portal/audit?user=" + u.ID, "/portal/connections"} {
		if _, body, _ := get(t, c, e.srv.URL+p); strings.Contains(body, "Secret Person") || strings.Contains(body, "secret@other") || strings.Contains(body, "other-idp") {
			t.Fatalf("%s shows another tenant's data", p)
		}
	}
}
