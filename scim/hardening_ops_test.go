package scim_test

// Regression tests of issue 11 for the operational side: client profiles,
// authentication limits, proxies, deleted tenants, a hung database, the
// memory budget and outage logging.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
)

// tokenFor creates a token of the tenant named name (which must exist)
// with the given client profile.
func (e *env) tokenFor(name, idp string) string {
	e.t.Helper()
	tn, err := e.store.TenantByName(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	plain, hash := scim.NewToken()
	if _, err := e.store.CreateToken(context.Background(), store.Token{TenantID: tn.ID, Hash: hash, IdP: idp}); err != nil {
		e.t.Fatal(err)
	}
	return plain
}

// TestClientProfiles: a replace through a value filter that matches
// nothing is 400 noTarget (RFC 7644 §3.5.2.3) for strict clients, and
// creates the element for Entra ID's dialect: with an entra token, or
// under auto when the request writes its operation names capitalised.
func TestClientProfiles(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		tokens := map[string]string{
			store.IdPAuto: e.token, store.IdPGeneric: e.tokenFor("acme", store.IdPGeneric),
			store.IdPOkta: e.tokenFor("acme", store.IdPOkta), store.IdPEntra: e.tokenFor("acme", store.IdPEntra),
		}
		for i, c := range []struct {
			idp, op string
			create  bool
		}{
			{store.IdPAuto, "replace", false},
			{store.IdPAuto, "Replace", true},
			{store.IdPGeneric, "replace", false},
			{store.IdPGeneric, "Replace", false},
			{store.IdPOkta, "Replace", false},
			{store.IdPEntra, "replace", true},
			{store.IdPEntra, "Replace", true},
		} {
			id := e.createUser(t, fmt.Sprint("profile-", i), map[string]any{
				"emails": []any{map[string]any{"value": "home@example.com", "type": "home"}},
			})
			r := e.do("PATCH", "/Users/"+id, patch(op(c.op, `emails[type eq "work"].value`, "work@example.com")), bearer(tokens[c.idp]))
			if !c.create {
				r.wantError(t, http.StatusBadRequest, "noTarget")
				continue
			}
			emails, _ := r.want(t, http.StatusOK).Body["emails"].([]any)
			if got := emailsByType(emails); got["work"] != "work@example.com" || len(emails) != 2 {
				t.Errorf("%s %s: emails %v, want a work email created", c.idp, c.op, emails)
			}
		}
		// add through a filter that matches nothing creates for every
		// client: RFC 7644 §3.5.2.1 adds a target that does not exist.
		id := e.createUser(t, "profile-add", nil)
		r := e.do("PATCH", "/Users/"+id, patch(op("add", `emails[type eq "work"].value`, "w@example.com")), bearer(tokens[store.IdPGeneric]))
		eq(t, "generic add", r.want(t, http.StatusOK).Body, "w@example.com", "emails", 0, "value")
	})
}

// TestAuthFailureLimit: failed authentications are limited per client
// address (429 with Retry-After past the burst, without asking the
// database), unknown tokens are remembered briefly, and a token verified
// before still works from that address.
func TestAuthFailureLimit(t *testing.T) {
	t.Parallel()
	var lookups atomic.Int64
	counting := func(s store.Store) store.Store { return &countingTokens{Store: s, n: &lookups} }
	e := newEnv(t, "sqlite", scim.Config{AuthFailLimit: 1, AuthFailBurst: 5}, counting)
	e.do("GET", "/Users", nil).want(t, http.StatusOK) // the valid token is now cached
	before := lookups.Load()
	var limited *response
	for i := 0; i < 300 && limited == nil; i++ {
		r := e.do("GET", "/Users", nil, bearer("scimd_guess"))
		switch r.Status {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			limited = r
		default:
			t.Fatalf("guess %d: status %d", i, r.Status)
		}
	}
	if limited == nil || limited.Header.Get("Retry-After") == "" {
		t.Fatalf("300 failed authentications from one address were never limited (or 429 without Retry-After)")
	}
	if n := lookups.Load() - before; n > 1 {
		t.Errorf("one unknown token cost %d database lookups; want at most 1 (misses are cached)", n)
	}
	for i := 0; i < 20; i++ {
		e.do("GET", "/Users", nil, bearer("scimd_other_guess_"+string(rune('a'+i))))
	}
	if n := lookups.Load() - before; n > 6 {
		t.Errorf("distinct guesses from a limited address cost %d lookups; want the burst at most", n)
	}
	e.do("GET", "/Users", nil).want(t, http.StatusOK)
}

type countingTokens struct {
	store.Store
	n *atomic.Int64
}

func (c *countingTokens) TokenByHash(ctx context.Context, hash []byte, now time.Time) (store.Token, error) {
	c.n.Add(1)
	return c.Store.TokenByHash(ctx, hash, now)
}

// TestForwardedHeadersNeedTrustedProxy: X-Forwarded-Host and -Proto shape
// meta.location only from a proxy named in TrustedProxies; from anyone
// else they are ignored. X-Forwarded-For from a trusted proxy is the
// address failures are counted against.
func TestForwardedHeadersNeedTrustedProxy(t *testing.T) {
	t.Parallel()
	fwd := []reqOpt{header("X-Forwarded-Host", "evil.example"), header("X-Forwarded-Proto", "https")}
	e := newEnv(t, "sqlite", scim.Config{})
	id := e.createUser(t, "fwd@example.com", nil)
	loc := e.do("GET", "/Users/"+id, nil, fwd...).want(t, http.StatusOK).Body["meta"].(map[string]any)["location"].(string)
	if strings.Contains(loc, "evil.example") || strings.HasPrefix(loc, "https:") {
		t.Errorf("untrusted forwarded headers were believed: %s", loc)
	}

	trusted := newEnv(t, "sqlite", scim.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		AuthFailLimit: 1, AuthFailBurst: 2})
	id = trusted.createUser(t, "fwd@example.com", nil)
	loc = trusted.do("GET", "/Users/"+id, nil, fwd...).want(t, http.StatusOK).Body["meta"].(map[string]any)["location"].(string)
	if !strings.HasPrefix(loc, "https://evil.example/scim/v2/Users/") {
		t.Errorf("a trusted proxy's forwarded headers were ignored: %s", loc)
	}
	trusted.do("GET", "/Users/"+id, nil, header("X-Forwarded-Host", "a/b@c")).want(t, http.StatusOK)
	// Two clients behind the proxy are limited apart.
	for i := 0; i < 5; i++ {
		trusted.do("GET", "/Users", nil, bearer("scimd_x"), header("X-Forwarded-For", "203.0.113.7"))
	}
	trusted.do("GET", "/Users", nil, bearer("scimd_x"), header("X-Forwarded-For", "203.0.113.7")).want(t, http.StatusTooManyRequests)
	trusted.do("GET", "/Users", nil, bearer("scimd_x"), header("X-Forwarded-For", "198.51.100.9")).want(t, http.StatusUnauthorized)
}

// TestDeletedTenantFailsCleanly: once a tenant is deleted, its token fails
// with 401 (never a 500) on a server that had it cached: a write at once,
// and after that every request.
func TestDeletedTenantFailsCleanly(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		e.createUser(t, "doomed@example.com", nil) // the token is now cached
		tn, err := e.store.TenantByName(context.Background(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.DeleteTenant(context.Background(), tn.ID); err != nil {
			t.Fatal(err)
		}
		// A write is refused at once (the tenant's rows are gone), and the
		// server then stops accepting the token for reads too.
		e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "after@example.com"}).
			wantError(t, http.StatusUnauthorized, "")
		e.do("GET", "/Users", nil).wantError(t, http.StatusUnauthorized, "")
	})
}

// TestRevokedTokenStopsAtOnce: a revoked token stops working within about
// a second on a server that had it cached (the auth generation moved),
// not after the cache's 10 seconds.
func TestRevokedTokenStopsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", scim.Config{TokenCacheTTL: time.Hour})
	e.do("GET", "/Users", nil).want(t, http.StatusOK)
	tn, _ := e.store.TenantByName(context.Background(), "acme")
	toks, err := e.store.ListTokens(context.Background(), tn.ID)
	if err != nil || len(toks) != 1 {
		t.Fatalf("ListTokens = %v, %v", toks, err)
	}
	if err := e.store.RevokeToken(context.Background(), tn.ID, toks[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	e.do("GET", "/Users", nil).wantError(t, http.StatusUnauthorized, "")
}

// TestInflightBodyBudget: request bodies in flight share a budget; a
// request that would pass it answers 503 with Retry-After at once, and
// requests without a body are not counted.
func TestInflightBodyBudget(t *testing.T) {
	t.Parallel()
	const limit = 1 << 16
	e := newEnv(t, "sqlite", scim.Config{MaxBodyBytes: limit, MaxInflightBytes: 2 * limit})
	// Two requests announce a full-size body and send only its start.
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", e.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST %s/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/scim+json\r\nContent-Length: %d\r\n\r\n{",
			scim.BasePath, e.token, limit)
	}
	// The server takes the two stalled requests when it gets to them,
	// which on a loaded machine can take a while: until then the third
	// body is still accepted.
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "budget@example.com"})
		if r.Status == http.StatusServiceUnavailable {
			if r.Header.Get("Retry-After") == "" {
				t.Errorf("503 without Retry-After")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the third body was never refused: %d", r.Status)
		}
		e.do("DELETE", "/Users/"+r.id(t), nil)
		time.Sleep(20 * time.Millisecond)
	}
	e.do("GET", "/Users", nil).want(t, http.StatusOK)
}

// TestOutageLoggedOnce: while the database is down, the 503s it causes are
// logged once per interval, not a line (or two) per request.
func TestOutageLoggedOnce(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	down := &downStore{}
	e := newEnv(t, "sqlite", scim.Config{Logger: log}, func(s store.Store) store.Store { down.Store = s; return down })
	e.do("GET", "/Users", nil).want(t, http.StatusOK)
	down.down.Store(true)
	for i := 0; i < 200; i++ {
		e.do("GET", "/Users", nil).want(t, http.StatusServiceUnavailable)
	}
	if n := strings.Count(buf.String(), "\n"); n > 1 {
		t.Errorf("200 requests during an outage logged %d lines, want 1:\n%s", n, buf.String())
	}
}

type downStore struct {
	store.Store
	down atomic.Bool
}

func (d *downStore) ListUsers(ctx context.Context, tenantID string, q store.Query) (*store.Page[*store.User], error) {
	if d.down.Load() {
		return nil, store.ErrUnavailable
	}
	return d.Store.ListUsers(ctx, tenantID, q)
}

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

// TestConfigValidate: nonsensical limits are refused instead of being
// replaced by defaults silently.
func TestConfigValidate(t *testing.T) {
	for _, c := range []scim.Config{
		{DefaultPageSize: -1}, {MaxResults: -1}, {MaxResults: 10, DefaultPageSize: 20},
		{DBTimeout: -time.Second}, {MaxValues: -1}, {MaxInflightBytes: 10, MaxBodyBytes: 100},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", c)
		}
	}
	if err := (scim.Config{}).Validate(); err != nil {
		t.Errorf("the zero Config (all defaults) is refused: %v", err)
	}
}
