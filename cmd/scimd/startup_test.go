package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// pgURL returns the test PostgreSQL's URL changed by edit.
func pgURL(t *testing.T, edit func(u *url.URL)) string {
	t.Helper()
	u, err := url.Parse(sqltest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	edit(u)
	return u.String()
}

// TestServeStopsOnPermanentErrors runs scimd serve against databases that
// no retry can make usable: it must end at once with status 1 and one line
// naming the problem, never a password, and never wait for them.
func TestServeStopsOnPermanentErrors(t *testing.T) {
	const noHost = "scimd-no-such-host.invalid" // RFC 6761: never resolves
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		name, db string
		want     string // in the error line
		secret   string // nowhere in the output
		needDNS  bool
	}{{
		name: "postgres database does not exist",
		db:   pgURL(t, func(u *url.URL) { u.Path = "/scimd_no_such_db" }),
		want: `has no database "scimd_no_such_db"`,
	}, {
		// Trust authentication answers "role does not exist" (28000),
		// password authentication "password authentication failed" (28P01).
		name:   "postgres role does not exist",
		db:     pgURL(t, func(u *url.URL) { u.User = url.UserPassword("scimd_no_such_role", "s3cret-pw") }),
		want:   `user "scimd_no_such_role"`,
		secret: "s3cret-pw",
	}, {
		name: "postgres URL does not parse",
		db:   "postgres://%zz",
		want: `invalid PostgreSQL URL: invalid percent-encoded token: "%zz"`,
	}, {
		name:   "postgres URL with a password does not parse",
		db:     "postgres://bob:hunter2%zz@127.0.0.1:5432/test",
		want:   "invalid PostgreSQL URL: invalid percent-encoded token in password",
		secret: "hunter2",
	}, {
		name:    "postgres host does not resolve",
		db:      "postgres://postgres@" + noHost + ":5432/test?sslmode=disable",
		want:    `database host "` + noHost + `" does not resolve`,
		needDNS: true,
	}, {
		name: "sqlite directory does not exist",
		db:   "sqlite://" + filepath.Join(missing, "scimd.db"),
		want: "directory " + missing + " does not exist",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.needDNS {
				var dnsErr *net.DNSError
				if _, err := net.DefaultResolver.LookupHost(t.Context(), noHost); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
					t.Skipf("the resolver does not answer %s with 'no such host' (%v)", noHost, err)
				}
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			cmd := scimdProcess(t, ctx, "serve", "--addr", "127.0.0.1:0", "--db", tc.db)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("scimd serve was still running after 20s (retrying a permanent error?); stderr:\n%s", stderr.String())
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("scimd serve ended with %v, want exit status 1; stderr:\n%s", err, stderr.String())
			}
			out := stderr.String()
			line := lastLine(out)
			if !strings.HasPrefix(line, "scimd: ") || !strings.Contains(line, tc.want) {
				t.Fatalf("last line of stderr = %q, want \"scimd: ...%s...\"; stderr:\n%s", line, tc.want, out)
			}
			// One line naming the problem, not the driver's chain of errors.
			if n := strings.Count(out, "scimd: "); n != 1 {
				t.Errorf("stderr has %d error lines, want 1:\n%s", n, out)
			}
			for _, dump := range []string{"failed to connect to", "SQLSTATE", "cannot parse `", "(14)"} {
				if strings.Contains(line, dump) {
					t.Errorf("the error line carries the driver's text %q: %q", dump, line)
				}
			}
			if strings.Contains(out, "retrying") {
				t.Errorf("a permanent error was retried:\n%s", out)
			}
			if tc.secret != "" && strings.Contains(out, tc.secret) {
				t.Errorf("stderr shows the password %q:\n%s", tc.secret, out)
			}
		})
	}
}

// TestServeRetriesUnreachableDatabase runs scimd serve against PostgreSQL
// servers that are down: one that refuses connections and one that accepts
// them but never answers (a stopped server). scimd must keep serving
// /healthz and keep retrying, saying why, until it is told to stop.
func TestServeRetriesUnreachableDatabase(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := closed.Addr().String()
	closed.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0") // never accepts
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })

	for _, tc := range []struct{ name, db, want string }{
		{"refused", "postgres://postgres@" + refusing + "/test?sslmode=disable", "PostgreSQL at " + refusing + " is not answering: connection refused"},
		{"silent", "postgres://postgres@" + silent.Addr().String() + "/test?sslmode=disable&connect_timeout=1",
			"PostgreSQL at " + silent.Addr().String() + " did not answer in time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			cmd := scimdProcess(t, ctx, "serve", "--addr", "127.0.0.1:0", "--db", tc.db)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					lines <- sc.Text()
				}
			}()
			var seen []string
			next := func(what string) string {
				t.Helper()
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("scimd serve ended while waiting for %s: %v; stderr:\n%s", what, cmd.Wait(), strings.Join(seen, "\n"))
					}
					seen = append(seen, l)
					return l
				case <-ctx.Done():
					t.Fatalf("no %s within 30s; stderr:\n%s", what, strings.Join(seen, "\n"))
				}
				return ""
			}

			addr := regexp.MustCompile(`msg=listening addr=(\S+)`).FindStringSubmatch(next("listening line"))
			if addr == nil {
				t.Fatalf("first line is not the listening line: %q", seen[0])
			}
			for retries := 0; retries < 2; {
				l := next("retry line")
				if !strings.Contains(l, "database not answering; retrying") {
					continue
				}
				if !strings.Contains(l, tc.want) {
					t.Fatalf("retry line = %q, want it to say %q", l, tc.want)
				}
				retries++
			}
			for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusServiceUnavailable} {
				resp, err := http.Get("http://" + addr[1] + path)
				if err != nil {
					t.Fatalf("GET %s while retrying: %v", path, err)
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("GET %s while retrying = %d, want %d", path, resp.StatusCode, want)
				}
			}

			cmd.Process.Signal(syscall.SIGTERM)
			for range lines {
			}
			cmd.Wait()
			if ctx.Err() != nil {
				t.Fatalf("scimd serve did not stop on SIGTERM")
			}
		})
	}
}

// TestOpenRetryBoundsEachAttempt checks that a server that accepts
// connections but never answers, with no connect_timeout in the URL,
// cannot hold serve in one silent attempt: each attempt ends after its
// bound and is logged before the next.
func TestOpenRetryBoundsEachAttempt(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0") // never accepts
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	p := retryPolicy{attempt: 200 * time.Millisecond, pause: 50 * time.Millisecond}
	st, err := p.open(ctx, log, "postgres://postgres@"+silent.Addr().String()+"/test?sslmode=disable")
	if err == nil {
		st.Close()
		t.Fatal("open of a silent server succeeded")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("open = %v, want the caller's context error once it ends", err)
	}
	retries := strings.Count(logged.String(), "database not answering; retrying")
	if retries < 3 {
		t.Fatalf("%d retries logged in 2s with 200ms attempts, want at least 3:\n%s", retries, logged.String())
	}
	if !strings.Contains(logged.String(), "did not answer in time") {
		t.Fatalf("the retry lines do not say why:\n%s", logged.String())
	}
}
