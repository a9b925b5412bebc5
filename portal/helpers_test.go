package portal_test

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/portal"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// env is the portal over a fresh store, served as `scimd serve` serves it,
// with a tenant whose OpenID provider is a mockoidc server of the test and
// whose Owner is owner@example.com.
type env struct {
	t      testing.TB
	st     store.Store
	svc    *account.Service
	srv    *httptest.Server
	oidc   *mockoidc.MockOIDC
	tenant store.Tenant
	owner  string
	tamper atomic.Pointer[func(*http.Request)]
}

var tenantSeq atomic.Int64

func newEnv(t testing.TB, backend string, opts ...func(*account.Config)) *env {
	t.Helper()
	st := sqltest.Open(t, backend)
	var h atomic.Pointer[http.Handler]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*h.Load()).ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := account.Config{Store: st, PasswordCost: 4, PublicURL: srv.URL, Logger: log}
	for _, o := range opts {
		o(&cfg)
	}
	svc := account.New(cfg)
	p := portal.New(portal.Config{Accounts: svc, Logger: log, PublicURL: srv.URL})
	mux := http.NewServeMux()
	mux.Handle("/portal/", p.Handler())
	var hh http.Handler = mux
	h.Store(&hh)

	e := &env{t: t, st: st, svc: svc, srv: srv}
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	// tamper lets a test change what reaches the provider.
	m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if f := e.tamper.Load(); f != nil {
				(*f)(r)
			}
			next.ServeHTTP(w, r)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	e.oidc = m
	ctx := t.Context()
	e.tenant, err = st.CreateTenant(ctx, fmt.Sprintf("acme%d", tenantSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	mc := m.Config()
	if err := svc.UpdateSettings(ctx, account.Operator(), e.tenant.ID, func(s *store.TenantSettings) error {
		s.OIDC = &store.OIDCSettings{Issuer: mc.Issuer, ClientID: mc.ClientID, ClientSecret: mc.ClientSecret}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The first sign-in link makes owner@example.com the Owner.
	if _, err := svc.LoginLink(ctx, account.Operator(), e.tenant.ID, "owner@example.com"); err != nil {
		t.Fatal(err)
	}
	u, err := st.Reader().FindUser(ctx, e.tenant.ID, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	e.owner = u.ID
	return e
}

// browser is an HTTP client with a cookie jar, like a browser without
// script.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// link returns a fresh sign-in link for email as a URL of the test server.
func (e *env) link(email string) string {
	e.t.Helper()
	l, err := e.svc.LoginLink(e.t.Context(), account.Operator(), e.tenant.ID, email)
	if err != nil {
		e.t.Fatalf("login link: %v", err)
	}
	return l
}

// user creates an active user with roles at the master account.
func (e *env) user(email string, roles ...string) string {
	e.t.Helper()
	grants := make([]account.GrantInput, len(roles))
	for i, r := range roles {
		grants[i] = account.GrantInput{Role: r}
	}
	u, err := e.svc.CreateUser(e.t.Context(), account.Operator(), e.tenant.ID, account.UserInput{
		User:   &store.User{UserName: email, DisplayName: strings.Split(email, "@")[0], Values: map[string][]store.Value{"emails": {{Value: email, Primary: true, Type: "work"}}}},
		Domain: &account.DomainInput{Grants: &grants},
	})
	if err != nil {
		e.t.Fatalf("create %s: %v", email, err)
	}
	return u.ID
}

// get fetches a URL (following redirects) and returns status and body.
func get(t testing.TB, c *http.Client, u string) (int, string, *http.Response) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp
}

// post submits a form (following redirects).
func post(t testing.TB, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// signedIn returns a browser signed in as the Owner by a sign-in link.
func (e *env) signedIn() *http.Client {
	e.t.Helper()
	c := e.browser()
	status, body, resp := get(e.t, c, e.link("owner@example.com"))
	if status != http.StatusOK || resp.Request.URL.Path != "/portal/" || !strings.Contains(body, "Dashboard") {
		e.t.Fatalf("link sign-in: %d at %s\n%s", status, resp.Request.URL, body)
	}
	return c
}

func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range sqltest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, b))
		})
	}
}
