package portal_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/portal"
	"github.com/scimd/scimd/store"
)

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

// TestSignInFinishesOnAnotherInstance: a sign-in under way is held in the
// database, so the callback may land on another instance (behind the same
// public URL), once.
func TestSignInFinishesOnAnotherInstance(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		other := portal.New(portal.Config{Accounts: e.svc, PublicURL: e.srv.URL})
		mux := http.NewServeMux()
		mux.Handle("/portal/", other.Handler())
		srvB := httptest.NewServer(mux)
		t.Cleanup(srvB.Close)

		c := e.browser()
		var callback *url.URL
		c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
			if r.URL.Path == "/portal/oidc/callback" {
				callback = r.URL
				return http.ErrUseLastResponse
			}
			return nil
		}
		e.oidcSignIn(c, &mockoidc.MockUser{Subject: "so", Email: "owner@example.com", EmailVerified: true}, "/portal/audit")
		if callback == nil {
			t.Fatal("no callback")
		}
		var bind string
		for _, ck := range c.Jar.Cookies(mustURL(e.srv.URL + "/portal/oidc/callback")) {
			if ck.Name == "scimd_oidc" {
				bind = ck.Value
			}
		}
		finish := func() *http.Response {
			req, _ := http.NewRequest(http.MethodGet, srvB.URL+callback.RequestURI(), nil)
			req.AddCookie(&http.Cookie{Name: "scimd_oidc", Value: bind})
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		resp := finish()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/portal/audit" {
			t.Fatalf("callback on the other instance: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp := finish(); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("replayed on the other instance: %d", resp.StatusCode)
		}
	})
}
