package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

func TestLinkSignInAndEveryPage(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c := e.signedIn()
		for _, p := range []string{"/portal/", "/portal/users", "/portal/users?state=invited", "/portal/users/" + e.owner,
			"/portal/invite", "/portal/roles", "/portal/accounts", "/portal/teams", "/portal/numbers", "/portal/connections",
			"/portal/settings", "/portal/audit", "/portal/myteam"} {
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

func TestWithoutSessionGoesToSignIn(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.browser()
	status, body, resp := get(t, c, e.srv.URL+"/portal/users?state=invited")
	if status != http.StatusOK || resp.Request.URL.Path != "/portal/login" || resp.Request.URL.Query().Get("next") != "/portal/users?state=invited" {
		t.Fatalf("got %d at %s", status, resp.Request.URL)
	}
	if !strings.Contains(body, "account name or work email") {
		t.Fatalf("no tenant question:\n%s", body)
	}
	// A POST without a session changes nothing and says so.
	status, _ = post(t, c, e.srv.URL+"/portal/users/"+e.owner+"/deactivate", nil)
	if status != http.StatusUnauthorized {
		t.Fatalf("POST without session: %d", status)
	}
}

// oidcSignIn signs in through the tenant's mock provider as u, starting at
// /portal/login?tenant=T, and returns where the browser ends and the page.
func (e *env) oidcSignIn(c *http.Client, u *mockoidc.MockUser, next string) (int, string, *http.Response) {
	e.t.Helper()
	e.oidc.QueueUser(u)
	q := url.Values{"tenant": {e.tenant.Name}}
	if next != "" {
		q.Set("next", next)
	}
	return get(e.t, c, e.srv.URL+"/portal/login?"+q.Encode())
}

func TestOIDCSignIn(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.user("admin@example.com", "Admin")
		c := e.browser()
		status, body, resp := e.oidcSignIn(c, &mockoidc.MockUser{Subject: "sub-admin", Email: "admin@example.com", EmailVerified: true}, "/portal/users")
		if status != http.StatusOK || resp.Request.URL.Path != "/portal/users" || !strings.Contains(body, "Sign out") {
			t.Fatalf("OIDC sign-in: %d at %s\n%s", status, resp.Request.URL, body)
		}
		u, err := e.st.Reader().FindUserBySubject(t.Context(), e.tenant.ID, "sub-admin")
		if err != nil || u.LastLoginAt == nil {
			t.Fatalf("subject not linked or no last login: %v %+v", err, u)
		}
	})
}

func TestOIDCRefusals(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.user("agent@example.com", "Agent")
	inactive := e.user("gone@example.com", "Admin")
	if _, err := e.svc.Deactivate(t.Context(), ownerActor(e), e.tenant.ID, inactive); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		u    *mockoidc.MockUser
		want string
	}{
		{"stranger", &mockoidc.MockUser{Subject: "s1", Email: "stranger@elsewhere.example", EmailVerified: true}, "is not a user of this account"},
		{"unverified", &mockoidc.MockUser{Subject: "s2", Email: "owner@example.com", EmailVerified: false}, "has not verified your email"},
		{"inactive", &mockoidc.MockUser{Subject: "s3", Email: "gone@example.com", EmailVerified: true}, "inactive"},
		{"no portal role", &mockoidc.MockUser{Subject: "s4", Email: "agent@example.com", EmailVerified: true}, "no role that may use the portal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.browser()
			status, body, _ := e.oidcSignIn(c, tc.u, "")
			if status != http.StatusForbidden || !strings.Contains(body, tc.want) || !strings.Contains(body, "Sign-in refused") {
				t.Fatalf("%d, want 403 with %q:\n%s", status, tc.want, body)
			}
			for _, ck := range c.Jar.Cookies(mustURL(e.srv.URL + "/portal/")) {
				if ck.Name == "scimd_session" {
					t.Fatalf("a refused sign-in set a session cookie")
				}
			}
		})
	}
	es, err := e.svc.Audit(t.Context(), ownerActor(e), e.tenant.ID, auditQuery())
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, x := range es {
		if x.Action == "signin.refused" {
			refused++
		}
	}
	if refused != 4 {
		t.Fatalf("%d refusals audited, want 4", refused)
	}
}

func TestReplayedStateRefused(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.browser()
	// Stop at the callback to replay it.
	var callback *url.URL
	c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if r.URL.Path == "/portal/oidc/callback" && callback == nil {
			callback = r.URL
		}
		return nil
	}
	status, _, resp := e.oidcSignIn(c, &mockoidc.MockUser{Subject: "so", Email: "owner@example.com", EmailVerified: true}, "")
	if status != http.StatusOK || resp.Request.URL.Path != "/portal/" {
		t.Fatalf("first sign-in: %d at %s", status, resp.Request.URL)
	}
	if callback == nil || callback.Query().Get("state") == "" {
		t.Fatal("no callback seen")
	}
	status, body, _ := get(t, c, callback.String())
	if status != http.StatusBadRequest || !strings.Contains(body, "used already") {
		t.Fatalf("replayed callback: %d\n%s", status, body)
	}
	// A callback in another browser (login CSRF) is refused as well.
	c2 := e.browser()
	c2.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if r.URL.Path == "/portal/oidc/callback" {
			callback = r.URL
			return http.ErrUseLastResponse
		}
		return nil
	}
	e.oidcSignIn(c2, &mockoidc.MockUser{Subject: "so", Email: "owner@example.com", EmailVerified: true}, "")
	status, body, _ = get(t, e.browser(), callback.String())
	if status != http.StatusBadRequest || !strings.Contains(body, "another browser") {
		t.Fatalf("callback in another browser: %d\n%s", status, body)
	}
}

func TestCrossSitePostRefused(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.signedIn()
	victim := e.user("victim@example.com", "User")
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/portal/users/"+victim+"/deactivate", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d", resp.StatusCode)
	}
	u, _ := e.st.Reader().GetUser(t.Context(), e.tenant.ID, victim, 0)
	if u.State != "active" {
		t.Fatalf("cross-site POST deactivated the user")
	}
}

func TestNoOpenRedirect(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.user("admin@example.com", "Admin")
	for _, next := range []string{"https://evil.example/", "//evil.example/portal/", "/\\evil.example", "/portal/../../x", "javascript:alert(1)", "/elsewhere"} {
		c := e.browser()
		status, _, resp := e.oidcSignIn(c, &mockoidc.MockUser{Subject: "sa", Email: "admin@example.com", EmailVerified: true}, next)
		if status != http.StatusOK || resp.Request.URL.Host != mustURL(e.srv.URL).Host || resp.Request.URL.Path != "/portal/" {
			t.Errorf("next=%q: ended at %s (%d)", next, resp.Request.URL, status)
		}
	}
}

func TestSessionIDChangesAtSignIn(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.signedIn()
	before := sessionCookie(c, e)
	e.oidcSignIn(c, &mockoidc.MockUser{Subject: "so", Email: "owner@example.com", EmailVerified: true}, "")
	after := sessionCookie(c, e)
	if before == "" || after == "" || before == after {
		t.Fatalf("session id before %q after %q", before, after)
	}
	if _, _, err := e.svc.Session(t.Context(), before, ""); err == nil {
		t.Fatal("the session before sign-in still works")
	}
}

func TestSignOut(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.signedIn()
	token := sessionCookie(c, e)
	status, body := post(t, c, e.srv.URL+"/portal/logout", nil)
	if status != http.StatusOK || !strings.Contains(body, "You are signed out") {
		t.Fatalf("sign out: %d\n%s", status, body)
	}
	if _, _, err := e.svc.Session(t.Context(), token, ""); err == nil {
		t.Fatal("the session survives sign-out")
	}
	_, _, resp := get(t, c, e.srv.URL+"/portal/users")
	if resp.Request.URL.Path != "/portal/login" {
		t.Fatalf("after sign-out /portal/users ends at %s", resp.Request.URL)
	}
}

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

func TestPasswordSignIn(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.user("admin@example.com", "Admin")
	pw := "Corr3ctHorse"
	if _, err := e.svc.UpdateUser(t.Context(), account.Operator(), e.tenant.ID, admin, account.AnyVersion, func(u *store.User) (account.UserInput, error) {
		return account.UserInput{User: u, Password: &pw}, nil
	}); err != nil {
		t.Fatal(err)
	}
	c := e.browser()
	form := url.Values{"tenant_id": {e.tenant.ID}, "login": {"admin@example.com"}, "password": {pw}, "next": {"/portal/audit"}}
	// The tenant does not allow passwords yet.
	status, body := post(t, c, e.srv.URL+"/portal/login/password", form)
	if status != http.StatusForbidden || !strings.Contains(body, "signs in with its identity provider") {
		t.Fatalf("password while not allowed: %d\n%s", status, body)
	}
	if err := e.svc.UpdateSettings(t.Context(), account.Operator(), e.tenant.ID, func(s *store.TenantSettings) error {
		s.PasswordSignIn = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// ?password=1 shows the password form even with an IdP.
	_, body, _ = get(t, c, e.srv.URL+"/portal/login?tenant="+e.tenant.Name+"&password=1")
	if !strings.Contains(body, `name="password"`) {
		t.Fatalf("no password form:\n%s", body)
	}
	wrong := url.Values{"tenant_id": {e.tenant.ID}, "login": {"admin@example.com"}, "password": {"nope"}}
	if status, body := post(t, c, e.srv.URL+"/portal/login/password", wrong); status != http.StatusForbidden || !strings.Contains(body, "login or the password is wrong") {
		t.Fatalf("wrong password: %d\n%s", status, body)
	}
	status, body, _ = func() (int, string, *http.Response) {
		resp, err := c.PostForm(e.srv.URL+"/portal/login/password", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.Request.URL.Path != "/portal/audit" {
			t.Fatalf("after password sign-in at %s", resp.Request.URL)
		}
		return resp.StatusCode, "", resp
	}()
	if status != http.StatusOK || sessionCookie(c, e) == "" {
		t.Fatalf("password sign-in: %d", status)
	}
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

func TestLinkHEADDoesNotUseIt(t *testing.T) {
	e := newEnv(t, "sqlite")
	l := e.link("owner@example.com")
	resp, err := http.Head(l)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if status, _, resp := get(t, e.browser(), l); status != http.StatusOK || resp.Request.URL.Path != "/portal/" {
		t.Fatalf("link after HEAD: %d at %s", status, resp.Request.URL)
	}
	if status, body, _ := get(t, e.browser(), l); status != http.StatusUnauthorized || !strings.Contains(body, "used already") {
		t.Fatalf("second use: %d\n%s", status, body)
	}
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

func TestSessionTimeouts(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	advance := func(d time.Duration) { now.Add(int64(d)) }
	e := newEnv(t, "sqlite", func(c *account.Config) { c.Now = clock })
	alive := func(c *http.Client) bool {
		_, _, resp := get(t, c, e.srv.URL+"/portal/users")
		return resp.Request.URL.Path == "/portal/users"
	}
	// Idle: 30 minutes without a request end the session.
	c := e.signedIn()
	advance(29 * time.Minute)
	if !alive(c) {
		t.Fatal("ended before the idle timeout")
	}
	advance(31 * time.Minute)
	if alive(c) {
		t.Fatal("alive after 31 idle minutes")
	}
	// Absolute: 12 hours after sign-in, however busy.
	c = e.signedIn()
	for range 35 {
		advance(20 * time.Minute)
		if !alive(c) {
			t.Fatal("a busy session ended before 12 hours")
		}
	}
	advance(21 * time.Minute)
	if alive(c) {
		t.Fatal("alive after 12 hours")
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
func TestNonceAndPKCE(t *testing.T) {
	e := newEnv(t, "sqlite")
	var seen url.Values
	tamper := func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/authorize") {
			seen = r.URL.Query()
		}
	}
	e.tamper.Store(&tamper)
	c := e.browser()
	if status, _, resp := e.oidcSignIn(c, &mockoidc.MockUser{Subject: "so", Email: "owner@example.com", EmailVerified: true}, ""); status != http.StatusOK || resp.Request.URL.Path != "/portal/" {
		t.Fatalf("sign-in: %d at %s", status, resp.Request.URL)
	}
	if seen.Get("code_challenge_method") != "S256" || len(seen.Get("code_challenge")) < 43 || len(seen.Get("nonce")) < 32 || len(seen.Get("state")) < 32 {
		t.Fatalf("authorization request %v", seen)
	}
	if seen.Get("redirect_uri") != e.srv.URL+"/portal/oidc/callback" {
		t.Fatalf("redirect_uri %q", seen.Get("redirect_uri"))
	}
	// The provider is handed another nonce: its ID token is not this sign-in's.
	swap := func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/authorize") {
			q := r.URL.Query()
			q.Set("nonce", "a-nonce-of-another-sign-in")
			r.URL.RawQuery = q.Encode()
		}
	}
	e.tamper.Store(&swap)
	c = e.browser()
	status, body, _ := e.oidcSignIn(c, &mockoidc.MockUser{Subject: "so", Email: "owner@example.com", EmailVerified: true}, "")
	if status != http.StatusUnauthorized || !strings.Contains(body, "could not be verified") || sessionCookie(c, e) != "" {
		t.Fatalf("foreign nonce: %d\n%s", status, body)
	}
}

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

func TestLoginByWorkEmail(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.user("admin@example.com", "Admin")
	c := e.browser()
	e.oidc.QueueUser(&mockoidc.MockUser{Subject: "a", Email: "admin@example.com", EmailVerified: true})
	// The tenant's name is the first label of the email's domain.
	status, _, resp := func() (int, string, *http.Response) {
		resp, err := c.PostForm(e.srv.URL+"/portal/login", url.Values{"tenant": {"admin@" + e.tenant.Name + ".example"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, "", resp
	}()
	if status != http.StatusOK || resp.Request.URL.Path != "/portal/" {
		t.Fatalf("work email: %d at %s", status, resp.Request.URL)
	}
	if status, body := post(t, e.browser(), e.srv.URL+"/portal/login", url.Values{"tenant": {"nobody"}}); status != http.StatusNotFound || !strings.Contains(body, "No account is called nobody") {
		t.Fatalf("unknown tenant: %d\n%s", status, body)
	}
}
