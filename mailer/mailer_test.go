package mailer

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// clock is the injectable clock: backoff is tested by moving it, never by
// sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts a minute after the real time, so that the mails a test
// queues (stamped with the store's real clock) are due.
func newClock() *clock {
	return &clock{t: time.Now().Add(time.Minute).UTC().Truncate(time.Second)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type fixture struct {
	st     *sqlstore.Store
	tenant string
	clock  *clock
	log    *lockedWriter // what the fixture's Senders log
}

func newFixture(t *testing.T, backend string) *fixture {
	t.Helper()
	st := sqltest.Open(t, backend)
	return fixtureOn(t, st)
}

func fixtureOn(t *testing.T, st *sqlstore.Store) *fixture {
	t.Helper()
	tn, err := st.CreateTenant(context.Background(), "acme")
	if err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	return &fixture{st: st, tenant: tn.ID, clock: newClock(), log: &lockedWriter{}}
}

// sender returns a Sender on the fixture's store and clock, logging into
// f.log; cfg's other fields are kept.
func (f *fixture) sender(t *testing.T, cfg Config) *Sender {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = f.st
	}
	cfg.Now = f.clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(f.log, nil))
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

type lockedWriter struct {
	mu sync.Mutex
	w  bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// queue puts a mail in the outbox the way the account layer does.
func (f *fixture) queue(t *testing.T, to, subject, body string) store.Mail {
	t.Helper()
	m := &store.Mail{TenantID: f.tenant, To: to, Subject: subject, Body: body}
	err := f.st.InTx(context.Background(), func(tx store.Tx) error { return tx.QueueMail(context.Background(), m) })
	if err != nil {
		t.Fatalf("QueueMail: %v", err)
	}
	return *m
}

// mail reads a mail back from the store.
func (f *fixture) mail(t *testing.T, id string) store.Mail {
	t.Helper()
	ms, err := f.st.Reader().Mails(context.Background(), f.tenant, 1000)
	if err != nil {
		t.Fatalf("Mails: %v", err)
	}
	for _, m := range ms {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("mail %s not in the store", id)
	return store.Mail{}
}

func sendDue(t *testing.T, s *Sender, wantSent, wantFailed int) {
	t.Helper()
	sent, failed, err := s.SendDue(context.Background())
	if err != nil {
		t.Fatalf("SendDue: %v", err)
	}
	if sent != wantSent || failed != wantFailed {
		t.Fatalf("SendDue: %d sent, %d failed; want %d, %d", sent, failed, wantSent, wantFailed)
	}
}

// wantQueued checks that a mail waits for its next attempt at next, with
// attempts failed attempts and an error containing errPart.
func wantQueued(t *testing.T, m store.Mail, attempts int, next time.Time, errPart string) {
	t.Helper()
	if m.State != store.MailQueued || m.Attempts != attempts || !m.NextAttemptAt.Equal(next) || !strings.Contains(m.LastError, errPart) {
		t.Fatalf("mail %s: state %s, %d attempts, next %v, error %q; want queued, %d attempts, next %v, error with %q",
			m.ID, m.State, m.Attempts, m.NextAttemptAt, m.LastError, attempts, next, errPart)
	}
}

func wantSent(t *testing.T, m store.Mail, at time.Time) {
	t.Helper()
	if m.State != store.MailSent || m.SentAt == nil || !m.SentAt.Equal(at) {
		t.Fatalf("mail %s: state %s, sent at %v; want sent at %v (last error %q)", m.ID, m.State, m.SentAt, at, m.LastError)
	}
}

// countByMessageID counts the messages the server received per Message-ID.
func countByMessageID(t *testing.T, rs []received) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, r := range rs {
		n[parse(t, r.Data).Header.Get("Message-Id")]++
	}
	return n
}

func messageID(m store.Mail, domain string) string { return "<" + m.ID + "@" + domain + ">" }

func smtpURL(addr string) string { return "smtp://" + addr }

// A queued mail arrives with its From, To, Subject, body, Date and
// Message-ID, and is marked sent; it is not sent again.
func TestDelivers(t *testing.T) {
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, backend)
			srv := newSMTPServer(t).start("127.0.0.1:0")
			s := f.sender(t, Config{URL: smtpURL(srv.addr), From: "Acme Portal <portal@acme.example>"})
			body := "Hello Jürgen,\n\nopen this link to accept: https://portal.example/accept?token=" + strings.Repeat("x", 90) + "\n\nBye.\n"
			m := f.queue(t, "juergen@customer.example", "Einladung – bitte bestätigen", body)

			sendDue(t, s, 1, 0)
			rs := srv.mails()
			if len(rs) != 1 {
				t.Fatalf("server received %d mails, want 1", len(rs))
			}
			r := rs[0]
			if r.From != "portal@acme.example" || len(r.To) != 1 || r.To[0] != "juergen@customer.example" {
				t.Errorf("envelope from %q to %q", r.From, r.To)
			}
			p := parse(t, r.Data)
			if got := p.Header.Get("From"); got != `"Acme Portal" <portal@acme.example>` {
				t.Errorf("From: %q", got)
			}
			if got := p.Header.Get("To"); got != "<juergen@customer.example>" {
				t.Errorf("To: %q", got)
			}
			if p.Subject != "Einladung – bitte bestätigen" {
				t.Errorf("Subject: %q", p.Subject)
			}
			if p.Body != body {
				t.Errorf("body:\n%q\nwant\n%q", p.Body, body)
			}
			if got := p.Header.Get("Message-Id"); got != messageID(m, "acme.example") {
				t.Errorf("Message-ID %q, want %q", got, messageID(m, "acme.example"))
			}
			if date, err := p.Header.Date(); err != nil || !date.Equal(m.CreatedAt.Truncate(time.Second)) {
				t.Errorf("Date %v (%v), want the time it was queued, %v", date, err, m.CreatedAt)
			}
			if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q", ct)
			}
			wantSent(t, f.mail(t, m.ID), f.clock.Now())
			srv.wantClosed(t)
			if n := srv.commands("QUIT"); n != 1 {
				t.Errorf("the client said QUIT %d times, want once", n)
			}

			f.clock.Add(24 * time.Hour)
			sendDue(t, s, 0, 0)
			if n := len(srv.mails()); n != 1 {
				t.Fatalf("server received %d mails after a second round, want still 1", n)
			}
		})
	}
}

// Without an SMTP URL each mail goes to the log (From defaulting to
// scimd@localhost) and is marked sent.
func TestNoSMTPLogs(t *testing.T) {
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, backend)
			s := f.sender(t, Config{})
			m := f.queue(t, "bjensen@customer.example", "You are invited", "open https://portal.example/accept/abc123")
			sendDue(t, s, 1, 0)
			wantSent(t, f.mail(t, m.ID), f.clock.Now())
			out := f.log.String()
			for _, want := range []string{m.ID, "bjensen@customer.example", "You are invited", "https://portal.example/accept/abc123", "scimd@localhost"} {
				if !strings.Contains(out, want) {
					t.Errorf("log lacks %q:\n%s", want, out)
				}
			}
			sendDue(t, s, 0, 0)
		})
	}
}

// One round sends everything due, more than one claim's worth, over one
// connection per claim.
func TestOneRoundDrainsOutbox(t *testing.T) {
	f := newFixture(t, "sqlite")
	srv := newSMTPServer(t).start("127.0.0.1:0")
	s := f.sender(t, Config{URL: smtpURL(srv.addr)})
	n := 2*batchSize + 5
	for i := range n {
		f.queue(t, fmt.Sprintf("u%d@customer.example", i), "s", "b")
	}
	sendDue(t, s, n, 0)
	if got := len(countByMessageID(t, srv.mails())); got != n || len(srv.mails()) != n {
		t.Fatalf("server received %d mails, %d distinct; want %d", len(srv.mails()), got, n)
	}
	if got := srv.sessionCount(); got != 3 {
		t.Fatalf("%d connections for %d mails in claims of %d, want 3", got, n, batchSize)
	}
}

// Two Senders with their own connections to one PostgreSQL database, run
// concurrently, deliver each of many mails exactly once: the claim's lease
// and SKIP LOCKED keep them apart.
func TestTwoSendersOnePostgres(t *testing.T) {
	url := sqltest.URL(t, "postgres")
	open := func() *sqlstore.Store {
		st, err := sqlstore.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	st1, st2 := open(), open()
	if err := st1.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := fixtureOn(t, st1)
	srv := newSMTPServer(t).start("127.0.0.1:0")
	srv.setDataDelay(2 * time.Millisecond)
	senders := []*Sender{
		f.sender(t, Config{Store: st1, URL: smtpURL(srv.addr)}),
		f.sender(t, Config{Store: st2, URL: smtpURL(srv.addr)}),
	}
	const n = 300
	want := map[string]bool{}
	for i := range n {
		want[messageID(f.queue(t, fmt.Sprintf("u%d@customer.example", i), "s", "b"), "localhost")] = true
	}

	var wg sync.WaitGroup
	start := make(chan struct{})
	sent := make([]int, len(senders))
	errs := make([]error, len(senders))
	for i, s := range senders {
		wg.Go(func() {
			<-start
			for {
				n, failed, err := s.SendDue(context.Background())
				if err != nil || failed != 0 {
					errs[i] = fmt.Errorf("SendDue: %d failed, %v", failed, err)
					return
				}
				if n == 0 {
					return
				}
				sent[i] += n
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := countByMessageID(t, srv.mails())
	for id := range want {
		if got[id] != 1 {
			t.Errorf("mail %s arrived %d times", id, got[id])
		}
	}
	t.Logf("mails sent by each sender: %v", sent)
	if len(srv.mails()) != n || sent[0]+sent[1] != n {
		t.Fatalf("server received %d mails, senders report %v; want %d", len(srv.mails()), sent, n)
	}
	if sent[0] == 0 || sent[1] == 0 {
		t.Fatalf("one sender did all the work (%v): the test did not run them concurrently", sent)
	}
}

// Run delivers a mail queued while it runs and returns when ctx ends.
func TestRun(t *testing.T) {
	f := newFixture(t, "sqlite")
	srv := newSMTPServer(t).start("127.0.0.1:0")
	s := f.sender(t, Config{URL: smtpURL(srv.addr), Interval: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Run(ctx)
		close(done)
	}()
	m := f.queue(t, "a@customer.example", "s", "b")
	waitFor(t, "the mail to arrive", func() bool { return len(srv.mails()) == 1 })
	waitFor(t, "the mail to be marked sent", func() bool { return f.mail(t, m.ID).State == store.MailSent })
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after ctx ended")
	}
}
