package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// served is a `scimd serve` subprocess and what it has logged.
type served struct {
	addr string
	mu   sync.Mutex
	log  []string
}

// logged waits until a line of the server's log contains all of want.
func (s *served) logged(t *testing.T, within time.Duration, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		for _, l := range s.log {
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(l, w)
			}
			if ok {
				s.mu.Unlock()
				return l
			}
		}
		s.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Fatalf("no log line with %q within %v; log:\n%s", want, within, strings.Join(s.log, "\n"))
	return ""
}

// startServe runs `scimd serve` on a loopback port until the test ends and
// waits until it is ready.
func startServe(t *testing.T, db string, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := scimdProcess(t, ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &served{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.mu.Lock()
			s.log = append(s.log, sc.Text())
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		cmd.Wait()
	})
	m := regexp.MustCompile(`msg=listening addr=(\S+)`).FindStringSubmatch(s.logged(t, 30*time.Second, "msg=listening"))
	s.addr = m[1]
	s.logged(t, 60*time.Second, "msg=ready")
	return s
}

// TestBootstrapThroughServe follows the bootstrap on a real server:
// a tenant with an IdP token, `scimd admin login-link` printing a link on
// the recorded public URL, the link setting the session cookie, the admin
// API answering that session and refusing the SCIM token and anonymous
// calls, and an invitation's mail leaving through the outbox (written to
// the log, as no SMTP server is configured).
func TestBootstrapThroughServe(t *testing.T) {
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := sqltest.URL(t, backend)
			token := createToken(t, db, "--tenant", "acme")
			srv := startServe(t, db)
			base := "http://" + srv.addr

			out, errOut, code := scimd(t, "admin", "login-link", "--tenant", "acme", "--email", "owner@acme.test", "--db", db)
			if code != 0 {
				t.Fatalf("login-link: exit %d: %s", code, errOut)
			}
			link := lastLine(out)
			if !strings.HasPrefix(link, base+"/portal/login/link?") {
				t.Fatalf("link %q does not start with the served public URL %s", link, base)
			}

			noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := noFollow.Get(link)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var session *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == "scimd_session" {
					session = c
				}
			}
			if resp.StatusCode != http.StatusSeeOther || session == nil {
				t.Fatalf("following the link: %d, cookies %v; want 303 with scimd_session", resp.StatusCode, resp.Cookies())
			}
			if !session.HttpOnly || session.Secure || session.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure on http", session)
			}

			call := func(method, path, body string, auth func(*http.Request)) (int, map[string]any) {
				t.Helper()
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				if auth != nil {
					auth(req)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var doc map[string]any
				json.NewDecoder(resp.Body).Decode(&doc)
				return resp.StatusCode, doc
			}
			withSession := func(r *http.Request) { r.AddCookie(session) }
			withToken := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }

			if code, doc := call("GET", "/api/v1/stats", "", withSession); code != 200 || doc["admin"] != float64(1) {
				t.Errorf("GET /api/v1/stats with the session: %d %v; want 200 with one admin (the new Owner)", code, doc)
			}
			if code, _ := call("GET", "/api/v1/stats", "", withToken); code != http.StatusUnauthorized {
				t.Errorf("GET /api/v1/stats with the SCIM token: %d, want 401", code)
			}
			if code, _ := call("GET", "/api/v1/stats", "", nil); code != http.StatusUnauthorized {
				t.Errorf("GET /api/v1/stats anonymously: %d, want 401", code)
			}
			if code, doc := call("GET", "/scim/v2/Users?filter=userName%20eq%20%22owner@acme.test%22", "", withToken); code != 200 || doc["totalResults"] != float64(1) {
				t.Errorf("the Owner over SCIM: %d %v; want the user login-link created", code, doc)
			}
			if code, doc := call("POST", "/api/v1/invitations", `[{"name":"Ann Lee","email":"ann@acme.test","roles":["User"]}]`, withSession); code != http.StatusCreated {
				t.Fatalf("POST /api/v1/invitations: %d %v", code, doc)
			}
			line := srv.logged(t, 30*time.Second, "mail (no SMTP configured)", "ann@acme.test")
			if !strings.Contains(line, base+"/portal/") {
				t.Errorf("the invitation mail does not link to the public URL %s: %s", base, line)
			}
		})
	}
}

// TestServeHTTPSPublicURL: with an https public URL the links carry it and
// the session cookie is Secure.
func TestServeHTTPSPublicURL(t *testing.T) {
	db := sqltest.URL(t, "sqlite")
	createToken(t, db, "--tenant", "acme")
	srv := startServe(t, db, "--public-url", "https://scim.example.test/")
	out, errOut, code := scimd(t, "admin", "login-link", "--tenant", "acme", "--email", "owner@acme.test", "--db", db)
	if code != 0 {
		t.Fatalf("login-link: exit %d: %s", code, errOut)
	}
	link := lastLine(out)
	const public = "https://scim.example.test/portal/login/link?"
	if !strings.HasPrefix(link, public) {
		t.Fatalf("link %q, want it on %s", link, public)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get("http://" + srv.addr + strings.TrimPrefix(link, "https://scim.example.test"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "scimd_session" {
			if !c.Secure {
				t.Errorf("session cookie under an https public URL is not Secure: %+v", c)
			}
			return
		}
	}
	t.Fatalf("no session cookie: %d %v", resp.StatusCode, resp.Cookies())
}
