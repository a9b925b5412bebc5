package scim_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// tcpProxy forwards connections to PostgreSQL until it is cut, which
// stands in for the database going away under a running server, or
// frozen, which stands in for a database that hangs (SIGSTOP): connections
// stay open and nothing more is forwarded.
type tcpProxy struct {
	ln     net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	frozen chan struct{} // closed while forwarding runs
	thaw   chan struct{}
}

// freeze stops forwarding bytes in either direction, keeping connections.
func (p *tcpProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.thaw = make(chan struct{})
}

// unfreeze resumes forwarding.
func (p *tcpProxy) unfreeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.thaw != nil {
		close(p.thaw)
		p.thaw = nil
	}
}

// pipe copies src to dst, waiting while the proxy is frozen.
func (p *tcpProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		thaw := p.thaw
		p.mu.Unlock()
		if thaw != nil {
			<-thaw
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
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
			go p.pipe(up, c)
			go p.pipe(c, up)
		}
	}()
	t.Cleanup(p.cut)
	return p
}

// cut closes the listener and every open connection.
func (p *tcpProxy) cut() {
	p.unfreeze()
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

// TestHungDatabaseAnswers503: a PostgreSQL that hangs (accepts, then says
// nothing) must not hang the requests: each is bounded by DBTimeout and
// answers 503 with Retry-After, /readyz answers within a second, and the
// server works again once the database does.
func TestHungDatabaseAnswers503(t *testing.T) {
	t.Parallel()
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
	tn, _ := st.CreateTenant(ctx, "acme")
	token, hash := scim.NewToken()
	if _, err := st.CreateToken(ctx, store.Token{TenantID: tn.ID, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(scim.NewServer(scim.Config{Store: st, DBTimeout: 300 * time.Millisecond}).Handler())
	defer srv.Close()
	client := &http.Client{Timeout: 10 * time.Second} // a hang fails the test instead of stalling it
	get := func(path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp
	}
	if r := get("/scim/v2/Users"); r.StatusCode != http.StatusOK {
		t.Fatalf("before the freeze: %d", r.StatusCode)
	}
	proxy.freeze()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := get("/scim/v2/Users?filter=userName%20eq%20%22x%22"); r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
				t.Errorf("hung database: GET /Users = %d (Retry-After %q), want 503 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
			}
		}()
	}
	wg.Wait()
	start := time.Now()
	if r := get("/readyz"); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("hung database: /readyz = %d, want 503", r.StatusCode)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("/readyz took %v with a hung database; it must answer within about a second", d)
	}
	proxy.unfreeze()
	deadline := time.Now().Add(10 * time.Second)
	for get("/scim/v2/Users").StatusCode != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not recover after the database came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
