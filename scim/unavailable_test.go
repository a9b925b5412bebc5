package scim_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// tcpProxy forwards connections to PostgreSQL until it is cut, which
// stands in for the database going away under a running server.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

// cut closes the listener and every open connection.
func (p *tcpProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestDatabaseDownAnswers503 checks that when PostgreSQL stops answering,
// SCIM requests get a SCIM 503 with Retry-After (not a 500), /readyz turns
// 503, and /healthz stays 200.
func TestDatabaseDownAnswers503(t *testing.T) {
	dbURL := sqltest.URL(t, "postgres")
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tn, err := st.CreateTenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	token, hash := scim.NewToken()
	if _, err := st.CreateToken(ctx, store.Token{TenantID: tn.ID, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(scim.NewServer(scim.Config{Store: st}).Handler())
	defer srv.Close()

	get := func(path string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := get("/scim/v2/Users"); resp.StatusCode != http.StatusOK {
		t.Fatalf("before the cut: GET /Users = %d", resp.StatusCode)
	}

	proxy.cut()

	resp := get("/scim/v2/Users")
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("database down: GET /Users = %d, want 503", resp.StatusCode)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	var e map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	if e["status"] != "503" || !strings.Contains(e["detail"].(string), "database") {
		t.Errorf("503 body = %v, want a SCIM error naming the database", e)
	}
	if r := get("/readyz"); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("database down: /readyz = %d, want 503", r.StatusCode)
	}
	if r := get("/healthz"); r.StatusCode != http.StatusOK {
		t.Errorf("database down: /healthz = %d, want 200", r.StatusCode)
	}
}
