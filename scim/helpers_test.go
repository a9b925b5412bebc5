package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

const (
	userSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOpSchema    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	listSchema       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	errorSchema      = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// leakMarkers are fragments of Go, driver or database error text that must
// never reach a client.
var leakMarkers = []string{"sql:", "pq:", "pgx", "pgconn", "SQLSTATE", "sqlite", "runtime", "goroutine", "panic", ".go:", "bun:"}

// env is one running server over a fresh store of one backend, with a
// tenant "acme" and a token for it.
type env struct {
	t     testing.TB
	store *sqlstore.Store
	srv   *httptest.Server
	token string

	mu sync.Mutex
	// secrets must never appear in any response body (passwords).
	secrets []string
}

// eachBackend runs fn against every backend in parallel subtests, each with
// its own server configured by cfg (Store is filled in).
func eachBackend(t *testing.T, cfg scim.Config, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, b := range sqltest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, b, cfg))
		})
	}
}

// newEnv starts a server over a fresh store of the backend; wrap, if given,
// wraps the store the server sees (to inject faults).
func newEnv(t testing.TB, backend string, cfg scim.Config, wrap ...func(store.Store) store.Store) *env {
	t.Helper()
	st := sqltest.Open(t, backend)
	cfg.Store = st
	for _, w := range wrap {
		cfg.Store = w(cfg.Store)
	}
	if cfg.PasswordCost == 0 {
		cfg.PasswordCost = 4 // bcrypt.MinCost: the tests hash many passwords
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := httptest.NewServer(scim.NewServer(cfg).Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, store: st, srv: srv}
	e.token = e.newTenantToken("acme")
	return e
}

// newTenantToken creates a tenant and returns a bearer token for it.
func (e *env) newTenantToken(name string) string {
	e.t.Helper()
	ctx := context.Background()
	tn, err := e.store.CreateTenant(ctx, name)
	if err != nil {
		e.t.Fatalf("create tenant %s: %v", name, err)
	}
	plain, hash := scim.NewToken()
	if _, err := e.store.CreateToken(ctx, store.Token{TenantID: tn.ID, Hash: hash}); err != nil {
		e.t.Fatalf("create token: %v", err)
	}
	return plain
}

// secret registers a string that must never appear in a response.
func (e *env) secret(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.secrets = append(e.secrets, s)
}

type reqOpt func(*http.Request)

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

// bearer sends another token; "" sends no Authorization header at all.
func bearer(tok string) reqOpt {
	return func(r *http.Request) {
		if tok == "" {
			r.Header.Del("Authorization")
		} else {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
	}
}

// chunked sends the body without Content-Length.
func chunked(r *http.Request) { r.ContentLength = -1 }

// response is a server answer, decoded when it is a JSON object.
type response struct {
	what   string // "METHOD path", for messages
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

// do sends a request under /scim/v2. body is nil (none), a string or
// []byte (sent as is), or a value to marshal as JSON. Every answer is
// checked for leaked secrets and, when it is an error, for a well-formed
// SCIM error document.
func (e *env) do(method, path string, body any, opts ...reqOpt) *response {
	e.t.Helper()
	return e.doT(e.t, method, path, body, opts...)
}

// doT is do reporting to another *testing.T (for goroutines and subtests).
func (e *env) doT(t testing.TB, method, path string, body any, opts ...reqOpt) *response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.srv.URL+scim.BasePath+path, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Accept", "application/scim+json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for _, o := range opts {
		o(req)
	}
	r := &response{what: method + " " + path}
	// Transport failures are reported with Errorf, so that doT may run in
	// goroutines; the zero Status then fails the caller's want.
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Errorf("%s: %v", r.what, err)
		return r
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Errorf("%s: read body: %v", r.what, err)
		return r
	}
	r.Status, r.Header, r.Raw = res.StatusCode, res.Header, raw
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &r.Body); err != nil {
			t.Errorf("%s: body is not a JSON object: %v\n%s", r.what, err, raw)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
			t.Errorf("%s: Content-Type %q, want application/scim+json (RFC 7644 §3.1)", r.what, ct)
		}
	}
	e.mu.Lock()
	secrets := append([]string(nil), e.secrets...)
	e.mu.Unlock()
	for _, s := range secrets {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("%s: the response contains the secret %q:\n%s", r.what, s, raw)
		}
	}
	if r.Status >= 400 {
		checkErrorDoc(t, r)
	}
	return r
}

// checkErrorDoc checks the form of an error answer (RFC 7644 §3.12).
func checkErrorDoc(t testing.TB, r *response) {
	t.Helper()
	if !hasString(r.Body["schemas"], errorSchema) {
		t.Errorf("%s: error body lacks schemas [%s]:\n%s", r.what, errorSchema, r.Raw)
	}
	if s, ok := r.Body["status"].(string); !ok || s != strconv.Itoa(r.Status) {
		t.Errorf("%s: error body status = %#v, want the string %q", r.what, r.Body["status"], strconv.Itoa(r.Status))
	}
	for _, m := range leakMarkers {
		if bytes.Contains(bytes.ToLower(r.Raw), bytes.ToLower([]byte(m))) {
			t.Errorf("%s: error body leaks internal text %q:\n%s", r.what, m, r.Raw)
		}
	}
}

// want fails the test unless the status is one of those given.
func (r *response) want(t testing.TB, status ...int) *response {
	t.Helper()
	for _, s := range status {
		if r.Status == s {
			return r
		}
	}
	t.Fatalf("%s: status %d, want %v\n%s", r.what, r.Status, status, r.Raw)
	return r
}

// wantError fails the test unless the answer is a SCIM error with this
// status and scimType ("" for none).
func (r *response) wantError(t testing.TB, status int, scimType string) *response {
	t.Helper()
	r.want(t, status)
	if got, _ := r.Body["scimType"].(string); got != scimType {
		t.Fatalf("%s: scimType %q, want %q\n%s", r.what, got, scimType, r.Raw)
	}
	return r
}

// id returns the "id" of a resource answer.
func (r *response) id(t testing.TB) string {
	t.Helper()
	id, _ := r.Body["id"].(string)
	if id == "" {
		t.Fatalf("%s: no id in\n%s", r.what, r.Raw)
	}
	return id
}

// resources returns the Resources of a ListResponse, checking its form.
func (r *response) resources(t testing.TB) []map[string]any {
	t.Helper()
	r.want(t, http.StatusOK)
	if !hasString(r.Body["schemas"], listSchema) {
		t.Fatalf("%s: not a ListResponse:\n%s", r.what, r.Raw)
	}
	list, ok := r.Body["Resources"].([]any)
	if !ok {
		t.Fatalf("%s: Resources is not an array:\n%s", r.what, r.Raw)
	}
	out := make([]map[string]any, len(list))
	for i, v := range list {
		out[i], _ = v.(map[string]any)
	}
	return out
}

// total returns totalResults of a ListResponse.
func (r *response) total(t testing.TB) int {
	t.Helper()
	n, ok := r.Body["totalResults"].(float64)
	if !ok {
		t.Fatalf("%s: totalResults is not a number:\n%s", r.what, r.Raw)
	}
	return int(n)
}

// at walks a decoded JSON value by keys (string) and indexes (int); the
// key "#" gives the length of an array.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			if l, ok := v.([]any); ok && k == "#" {
				return len(l)
			}
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func hasString(v any, s string) bool {
	list, _ := v.([]any)
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// eq fails the test unless at(v, path...) equals want (JSON-decoded form).
func eq(t testing.TB, what string, v any, want any, path ...any) {
	t.Helper()
	got := at(v, path...)
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Errorf("%s %v = %s, want %s", what, path, gj, wj)
	}
}

// memberIDs lists the values of a group document's members.
func memberIDs(doc map[string]any) []string {
	var ids []string
	list, _ := doc["members"].([]any)
	for _, m := range list {
		if id, ok := at(m, "value").(string); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// fixture reads testdata/<name>, substitutes {{key}} placeholders, checks
// that it names its source in "_comment", and returns the body without it.
func fixture(t testing.TB, name string, vars map[string]string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	s := string(raw)
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	if i := strings.Index(s, "{{"); i >= 0 {
		t.Fatalf("fixture %s: unsubstituted placeholder near %q", name, s[i:min(len(s), i+20)])
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	if c, _ := doc["_comment"].(string); !strings.Contains(c, "http") {
		t.Fatalf("fixture %s: \"_comment\" must name the documentation page it comes from", name)
	}
	delete(doc, "_comment")
	return doc
}

// createUser creates a user with the given userName (plus extra attributes)
// and returns its id.
func (e *env) createUser(t testing.TB, userName string, extra map[string]any) string {
	t.Helper()
	body := map[string]any{"schemas": []any{userSchema}, "userName": userName}
	for k, v := range extra {
		body[k] = v
	}
	return e.doT(t, "POST", "/Users", body).want(t, http.StatusCreated).id(t)
}

// createGroup creates a group with members and returns its id.
func (e *env) createGroup(t testing.TB, name string, members ...string) string {
	t.Helper()
	ms := []any{}
	for _, m := range members {
		ms = append(ms, map[string]any{"value": m})
	}
	body := map[string]any{"schemas": []any{groupSchema}, "displayName": name, "members": ms}
	return e.doT(t, "POST", "/Groups", body).want(t, http.StatusCreated).id(t)
}

// patch builds a PatchOp request from operations.
func patch(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []any{patchOpSchema}, "Operations": list}
}

// op builds one PATCH operation; path "" and value nil are left out.
func op(name, path string, value any) map[string]any {
	o := map[string]any{"op": name}
	if path != "" {
		o["path"] = path
	}
	if value != nil {
		o["value"] = value
	}
	return o
}

// q builds a query string from key/value pairs, encoding spaces as %20.
func q(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv[i] + "=" + strings.ReplaceAll(url.QueryEscape(kv[i+1]), "+", "%20"))
	}
	return "?" + b.String()
}
