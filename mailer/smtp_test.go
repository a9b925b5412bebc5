package mailer

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// New refuses what cannot work, saying what is wrong and never quoting the
// password.
func TestNewRefuses(t *testing.T) {
	st := struct{ store.Outbox }{}
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"scheme", Config{URL: "http://mail.example:25"}, `scheme "http"`},
		{"host", Config{URL: "smtp://user:s3cret@:25"}, "no host"},
		{"bad host", Config{URL: "smtp://user:s3cret@ma il.example:25"}, "does not parse"},
		{"bad escape", Config{URL: "smtp://user:s3%zzcret@mail.example:25"}, "does not parse"},
		{"port", Config{URL: "smtp://user:s3cret@mail.example:99999"}, `port "99999"`},
		{"path", Config{URL: "smtp://user:s3cret@mail.example:25/x?tls=1"}, "path, query"},
		{"from", Config{From: "scimd at example"}, `from address "scimd at example" is not an address`},
		{"lease", Config{Lease: time.Minute, Timeout: 45 * time.Second}, "lease 1m0s is shorter than twice the timeout 45s"},
		{"negative", Config{Interval: -time.Second}, "interval -1s is negative"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Store = st
			_, err := New(c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New: %v; want an error with %q", err, c.want)
			}
			if strings.Contains(err.Error(), "s3") || strings.Contains(err.Error(), "zz") {
				t.Fatalf("error quotes the password: %v", err)
			}
		})
	}
	if _, err := New(Config{}); err == nil {
		t.Fatal("New without a store: no error")
	}
	s, err := New(Config{Store: st, URL: "smtps://mail.example"})
	if err != nil || s.smtp.addr != "mail.example:465" || !s.smtp.implicitTLS {
		t.Fatalf("smtps default port: %+v, %v", s.smtp, err)
	}
	s, err = New(Config{Store: st, URL: "smtp://[::1]"})
	if err != nil || s.smtp.addr != "[::1]:25" || s.smtp.implicitTLS || s.smtp.auth {
		t.Fatalf("smtp default port: %+v, %v", s.smtp, err)
	}
}

// Logging in: over STARTTLS and over implicit TLS to any host, without TLS
// only to localhost; a server that offers AUTH in plain text elsewhere never
// sees the password, and a refused login delays the mail rather than
// losing it.
func TestAuthAndTLS(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	for _, c := range []struct {
		name        string
		host        string
		scheme      string
		tls         bool // the server offers STARTTLS, or implicit TLS with smtps
		pass        string
		wantSent    bool
		wantTLS     bool
		wantErr     string // for a mail left queued
		wantNoTries bool   // the password never reached the server
	}{
		{name: "STARTTLS", host: "127.0.0.2", scheme: "smtp", tls: true, pass: "pw", wantSent: true, wantTLS: true},
		{name: "implicit TLS", host: "127.0.0.2", scheme: "smtps", tls: true, pass: "pw", wantSent: true, wantTLS: true},
		{name: "plain text to localhost", host: "127.0.0.1", scheme: "smtp", pass: "pw", wantSent: true},
		{name: "plain text elsewhere", host: "127.0.0.2", scheme: "smtp", pass: "pw", wantErr: "unencrypted", wantNoTries: true},
		{name: "wrong password", host: "127.0.0.2", scheme: "smtp", tls: true, pass: "nope", wantErr: "535"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, "sqlite")
			srv := newSMTPServer(t)
			srv.user, srv.pass, srv.insecure = "mailer", "pw", true
			if c.tls {
				srv.tls, srv.implicitTLS = serverTLS, c.scheme == "smtps"
			}
			srv.start(c.host + ":0")
			s := f.sender(t, Config{URL: c.scheme + "://mailer:" + c.pass + "@" + srv.addr, TLSConfig: clientTLS.Clone()})
			m := f.queue(t, "a@customer.example", "s", "b")
			if c.wantSent {
				sendDue(t, s, 1, 0)
				rs := srv.mails()
				if len(rs) != 1 || rs[0].User != "mailer" || rs[0].TLS != c.wantTLS {
					t.Fatalf("server received %+v; want one mail from user mailer, TLS %v", rs, c.wantTLS)
				}
				srv.wantClosed(t)
				return
			}
			defer srv.wantClosed(t)
			sendDue(t, s, 0, 1)
			wantQueued(t, f.mail(t, m.ID), 1, f.clock.Now().Add(30*time.Second), c.wantErr)
			if strings.Contains(f.mail(t, m.ID).LastError, c.pass) {
				t.Fatalf("last error quotes the password: %q", f.mail(t, m.ID).LastError)
			}
			if c.wantNoTries && srv.authAttempts() != 0 {
				t.Fatalf("the server saw %d logins over plain text", srv.authAttempts())
			}
			if len(srv.mails()) != 0 {
				t.Fatalf("server stored a mail")
			}
		})
	}
}

// A server whose certificate does not verify is not talked to in plain text
// instead: the mail waits.
func TestSTARTTLSCertificateMustVerify(t *testing.T) {
	serverTLS, _ := testCert(t)
	f := newFixture(t, "sqlite")
	srv := newSMTPServer(t)
	srv.tls = serverTLS
	srv.start("127.0.0.2:0")
	s := f.sender(t, Config{URL: smtpURL(srv.addr), TLSConfig: &tls.Config{}})
	m := f.queue(t, "a@customer.example", "s", "b")
	sendDue(t, s, 0, 1)
	wantQueued(t, f.mail(t, m.ID), 1, f.clock.Now().Add(30*time.Second), "certificate")
	if len(srv.mails()) != 0 {
		t.Fatal("mail sent over a connection whose certificate did not verify")
	}
}
