package adminapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/adminapi"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// leakMarkers are fragments of Go, driver or database error text that must
// never reach a client.
var leakMarkers = []string{"sql:", "pq:", "pgx", "pgconn", "SQLSTATE", "sqlite", "runtime", "goroutine", "panic", ".go:", "bun:"}

// env is one admin API over a fresh store of one backend, mounted as the
// server mounts it, with a tenant whose Owner has signed in through a
// sign-in link.
type env struct {
	t      testing.TB
	st     store.Store
	svc    *account.Service
	srv    *httptest.Server
	tenant string
	owner  string // the Owner's user id
	// cookie is the Owner's session cookie.
	cookie string
	logs   *syncBuffer
	// fault is the error the faulty store answers with (options.faulty).
	fault *faultHolder
}

// syncBuffer collects the API's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// options change how an env is built.
type options struct {
	secure bool
	// faulty puts a faultyStore between the account layer and the store.
	faulty bool
}

// eachBackend runs fn against SQLite and PostgreSQL in parallel subtests.
func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	eachBackendWith(t, options{}, fn)
}

func eachBackendWith(t *testing.T, o options, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, b := range sqltest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, b, o))
		})
	}
}

var tenantSeq atomic.Int64

func newEnv(t testing.TB, backend string, o options) *env {
	t.Helper()
	var st store.Store = sqltest.Open(t, backend)
	var fault *faultHolder
	if o.faulty {
		fault = &faultHolder{}
		st = faultyStore{Store: st, fault: fault}
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	svc := account.New(account.Config{Store: st, PasswordCost: 4, PublicURL: "https://scimd.example", Logger: log})
	api := adminapi.New(adminapi.Config{Accounts: svc, Logger: log, Secure: o.secure})
	mux := http.NewServeMux()
	mux.Handle("/api/", api.Handler())
	mux.Handle(adminapi.LinkPath, api.LinkHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &env{t: t, st: st, svc: svc, srv: srv, logs: logs, fault: fault}
	e.tenant, e.owner, e.cookie = e.newTenant()
	return e
}

// newTenant creates a tenant whose Owner owner@example.com signs in, and
// returns the tenant, the Owner's id and its session cookie.
func (e *env) newTenant() (tenant, owner, cookie string) {
	e.t.Helper()
	tn, err := e.st.CreateTenant(e.t.Context(), fmt.Sprintf("tenant-%d", tenantSeq.Add(1)))
	if err != nil {
		e.t.Fatal(err)
	}
	cookie = e.signIn(tn.ID, "owner@example.com")
	u, err := e.st.Reader().FindUser(e.t.Context(), tn.ID, "owner@example.com")
	if err != nil {
		e.t.Fatal(err)
	}
	return tn.ID, u.ID, cookie
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// link makes a sign-in link as `scimd admin login-link` does and returns
// it as a URL of the test server.
func (e *env) link(tenant, email string) string {
	e.t.Helper()
	l, err := e.svc.LoginLink(e.t.Context(), account.Operator(), tenant, email)
	if err != nil {
		e.t.Fatalf("login link for %s: %v", email, err)
	}
	u, err := url.Parse(l)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.srv.URL + u.Path + "?" + u.RawQuery
}

// signIn follows a sign-in link through LinkHandler and returns the
// session cookie it sets.
func (e *env) signIn(tenant, email string) string {
	e.t.Helper()
	resp, err := noRedirect.Get(e.link(tenant, email))
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/portal/" {
		e.t.Fatalf("sign-in link: %d to %q, want 303 to /portal/", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, c := range resp.Cookies() {
		if c.Name == adminapi.CookieName {
			return c.Value
		}
	}
	e.t.Fatalf("sign-in link set no %s cookie", adminapi.CookieName)
	return ""
}

// user creates a user as the operator with direct grants of roles at the
// master account and returns its id.
func (e *env) user(name string, roles ...string) string {
	e.t.Helper()
	return e.userIn(e.tenant, name, roles...)
}

func (e *env) userIn(tenant, name string, roles ...string) string {
	e.t.Helper()
	grants := make([]account.GrantInput, len(roles))
	for i, r := range roles {
		grants[i] = account.GrantInput{Role: r}
	}
	u, err := e.svc.CreateUser(e.t.Context(), account.Operator(), tenant, account.UserInput{
		User:   &store.User{UserName: name + "@example.com", DisplayName: name, Values: map[string][]store.Value{"emails": {{Value: name + "@example.com", Primary: true, Type: "work"}}}},
		Domain: &account.DomainInput{Grants: &grants},
	})
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	return u.ID
}

// setRoles replaces a user's direct grants at the master account, as the
// operator.
func (e *env) setRoles(id string, roles ...string) {
	e.t.Helper()
	_, err := e.svc.UpdateUser(e.t.Context(), account.Operator(), e.tenant, id, account.AnyVersion, func(u *store.User) (account.UserInput, error) {
		grants := make([]account.GrantInput, len(roles))
		for i, r := range roles {
			grants[i] = account.GrantInput{Role: r}
		}
		return account.UserInput{User: u, Domain: &account.DomainInput{Grants: &grants}}, nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// admin creates a user with the Admin role and signs it in.
func (e *env) admin(name string) (id, cookie string) {
	e.t.Helper()
	id = e.user(name, "Admin")
	return id, e.signIn(e.tenant, name+"@example.com")
}

// teamLeader creates a Team Leader with a session: Team Leaders get no
// sign-in links, so it signs in as an Admin and is then made a Team Leader
// (every request reads the session's access again).
func (e *env) teamLeader(name string) (id, cookie string) {
	e.t.Helper()
	id, cookie = e.admin(name)
	e.setRoles(id, "Team Leader")
	return id, cookie
}

// resp is an answer of the API.
type resp struct {
	t      testing.TB
	status int
	header http.Header
	body   []byte
}

// json decodes the body as an object.
func (r resp) obj() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		r.t.Fatalf("body is not a JSON object (%v): %s", err, r.body)
	}
	return m
}

func (r resp) items() []map[string]any {
	r.t.Helper()
	list, ok := r.obj()["items"].([]any)
	if !ok {
		r.t.Fatalf("no items in %s", r.body)
	}
	out := make([]map[string]any, len(list))
	for i, el := range list {
		out[i] = el.(map[string]any)
	}
	return out
}

// want fails unless the status is want.
func (r resp) want(status int) resp {
	r.t.Helper()
	if r.status != status {
		r.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

// wantError fails unless the answer is the JSON error with this status,
// code and a message holding each of msg.
func (r resp) wantError(status int, code string, msg ...string) map[string]any {
	r.t.Helper()
	r.want(status)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		r.t.Fatalf("error Content-Type %q, want application/json", ct)
	}
	e, ok := r.obj()["error"].(map[string]any)
	if !ok {
		r.t.Fatalf("no error object in %s", r.body)
	}
	if e["code"] != code {
		r.t.Fatalf("error code %v, want %s: %s", e["code"], code, r.body)
	}
	m, _ := e["message"].(string)
	for _, s := range msg {
		if !strings.Contains(m, s) {
			r.t.Fatalf("error message %q lacks %q", m, s)
		}
	}
	for _, l := range leakMarkers {
		if strings.Contains(m, l) {
			r.t.Fatalf("error message leaks %q: %q", l, m)
		}
	}
	return e
}

// client calls the API with one session cookie ("" for none).
type client struct {
	e      *env
	cookie string
}

func (e *env) as(cookie string) client { return client{e: e, cookie: cookie} }

// owner is the Owner's client.
func (e *env) ownerc() client { return e.as(e.cookie) }

// do sends a request: body is nil (none), a string (sent as is) or a value
// encoded as JSON; headers are name, value pairs.
func (c client) do(method, path string, body any, headers ...string) resp {
	c.e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b // of unknown length: sent chunked
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(c.e.t.Context(), method, c.e.srv.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: adminapi.CookieName, Value: c.cookie})
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if res.StatusCode >= 500 && res.StatusCode != http.StatusServiceUnavailable {
		c.e.t.Logf("server log:\n%s", c.e.logs.String())
	}
	return resp{t: c.e.t, status: res.StatusCode, header: res.Header, body: b}
}

func (c client) get(path string, headers ...string) resp {
	c.e.t.Helper()
	return c.do("GET", path, nil, headers...)
}

func (c client) post(path string, body any, headers ...string) resp {
	c.e.t.Helper()
	return c.do("POST", path, body, headers...)
}

func (c client) patch(path string, body any, headers ...string) resp {
	c.e.t.Helper()
	return c.do("PATCH", path, body, headers...)
}

func (c client) put(path string, body any, headers ...string) resp {
	c.e.t.Helper()
	return c.do("PUT", path, body, headers...)
}

func (c client) del(path string, headers ...string) resp {
	c.e.t.Helper()
	return c.do("DELETE", path, nil, headers...)
}

// strs turns a JSON array of strings into a []string.
func strs(t testing.TB, v any) []string {
	t.Helper()
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("%v is not an array", v)
	}
	out := make([]string, len(list))
	for i, el := range list {
		out[i], ok = el.(string)
		if !ok {
			t.Fatalf("%v is not an array of strings", v)
		}
	}
	return out
}

// eqStrings compares string lists in order.
func eqStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
