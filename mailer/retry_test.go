package mailer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// A server answering 4xx leaves the mail queued, its attempt counted and
// its next attempt 30 s later; once the server accepts, the mail arrives
// exactly once.
func TestTemporaryRefusalThenAccepts(t *testing.T) {
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, backend)
			srv := newSMTPServer(t).start("127.0.0.1:0")
			srv.setRcpt(func(string) error { return smtpErr(451, smtp.EnhancedCode{4, 3, 0}, "try again later") })
			s := f.sender(t, Config{URL: smtpURL(srv.addr)})
			m := f.queue(t, "a@customer.example", "You are invited", "link")

			t0 := f.clock.Now()
			sendDue(t, s, 0, 1)
			wantQueued(t, f.mail(t, m.ID), 1, t0.Add(30*time.Second), "451")

			f.clock.Add(29 * time.Second)
			sendDue(t, s, 0, 0) // not due yet
			f.clock.Add(time.Second)
			sendDue(t, s, 0, 1)
			wantQueued(t, f.mail(t, m.ID), 2, f.clock.Now().Add(time.Minute), "451")
			if n := len(srv.mails()); n != 0 {
				t.Fatalf("server stored %d mails while refusing", n)
			}

			srv.setRcpt(nil)
			f.clock.Add(time.Minute)
			sendDue(t, s, 1, 0)
			wantSent(t, f.mail(t, m.ID), f.clock.Now())
			f.clock.Add(time.Hour)
			sendDue(t, s, 0, 0)
			if n := countByMessageID(t, srv.mails())[messageID(m, "localhost")]; n != 1 || len(srv.mails()) != 1 {
				t.Fatalf("server received the mail %d times (%d mails), want once", n, len(srv.mails()))
			}
		})
	}
}

// A server that is not listening delays every due mail by its backoff;
// when it comes back, each arrives exactly once.
func TestServerDownThenBack(t *testing.T) {
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, backend)
			addr := freeAddr(t)
			s := f.sender(t, Config{URL: smtpURL(addr)})
			var ms []store.Mail
			for i := range 3 {
				ms = append(ms, f.queue(t, fmt.Sprintf("u%d@customer.example", i), "You are invited", "link"))
			}

			sendDue(t, s, 0, 3)
			for _, m := range ms {
				wantQueued(t, f.mail(t, m.ID), 1, f.clock.Now().Add(30*time.Second), "connection refused")
			}
			f.clock.Add(30 * time.Second)
			sendDue(t, s, 0, 3)
			for _, m := range ms {
				wantQueued(t, f.mail(t, m.ID), 2, f.clock.Now().Add(time.Minute), "connection refused")
			}

			srv := newSMTPServer(t).start(addr)
			f.clock.Add(59 * time.Second)
			sendDue(t, s, 0, 0)
			f.clock.Add(time.Second)
			sendDue(t, s, 3, 0)
			f.clock.Add(time.Hour)
			sendDue(t, s, 0, 0)
			got := countByMessageID(t, srv.mails())
			for _, m := range ms {
				wantSent(t, f.mail(t, m.ID), f.clock.Now().Add(-time.Hour))
				if got[messageID(m, "localhost")] != 1 {
					t.Errorf("mail %s arrived %d times, want once", m.ID, got[messageID(m, "localhost")])
				}
			}
			if len(srv.mails()) != 3 {
				t.Errorf("server received %d mails, want 3", len(srv.mails()))
			}
		})
	}
}

// Retries double from 30 s to at most an hour, and a mail failing for about
// three days is given up (state failed) and not tried again.
func TestBackoffThenGivesUp(t *testing.T) {
	f := newFixture(t, "sqlite")
	s := f.sender(t, Config{URL: smtpURL(freeAddr(t))})
	m := f.queue(t, "a@customer.example", "You are invited", "link")

	var waits []time.Duration
	for range 200 {
		now := f.clock.Now()
		sendDue(t, s, 0, 1)
		got := f.mail(t, m.ID)
		if got.State == store.MailFailed {
			break
		}
		if got.State != store.MailQueued {
			t.Fatalf("state %s", got.State)
		}
		waits = append(waits, got.NextAttemptAt.Sub(now))
		f.clock.Set(got.NextAttemptAt)
	}
	got := f.mail(t, m.ID)
	if got.State != store.MailFailed || !strings.HasPrefix(got.LastError, "given up after") || !strings.Contains(got.LastError, "connection refused") {
		t.Fatalf("after %d attempts: state %s, error %q; want failed, given up", got.Attempts, got.State, got.LastError)
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if i >= len(waits) || waits[i] != w {
			t.Fatalf("waits %v, want them to start %v", waits, want)
		}
	}
	for _, w := range waits[len(want):] {
		if w != time.Hour {
			t.Fatalf("wait %v beyond the cap in %v", w, waits)
		}
	}
	if span := f.clock.Now().Sub(m.CreatedAt); span < 71*time.Hour || span > 72*time.Hour {
		t.Fatalf("gave up %v after the mail was queued, want about three days", span)
	}
	if got.Attempts != len(waits)+1 {
		t.Fatalf("%d attempts counted, %d made", got.Attempts, len(waits)+1)
	}
	f.clock.Add(24 * time.Hour)
	sendDue(t, s, 0, 0)
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{0: 30 * time.Second, 1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute,
		7: 32 * time.Minute, 8: time.Hour, 9: time.Hour, 1000: time.Hour} {
		if got := Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
}

// Only a refusal of the recipient that names a bad address (5.1.x) or a
// disabled mailbox gives a mail up at once; relaying denied, a full mailbox
// and 4xx are retried. The other mails of the batch go through on the same
// connection.
func TestPermanentRefusal(t *testing.T) {
	f := newFixture(t, "sqlite")
	srv := newSMTPServer(t).start("127.0.0.1:0")
	srv.setRcpt(func(to string) error {
		switch to {
		case "nobody@customer.example":
			return smtpErr(550, smtp.EnhancedCode{5, 1, 1}, "no such user")
		case "disabled@customer.example":
			return smtpErr(550, smtp.EnhancedCode{5, 2, 1}, "mailbox disabled")
		case "relay@other.example":
			return smtpErr(554, smtp.EnhancedCode{5, 7, 1}, "relaying denied")
		case "full@customer.example":
			return smtpErr(552, smtp.EnhancedCode{5, 2, 2}, "mailbox full")
		case "busy@customer.example":
			return smtpErr(450, smtp.EnhancedCode{4, 2, 1}, "busy")
		}
		return nil
	})
	s := f.sender(t, Config{URL: smtpURL(srv.addr)})
	gone := []store.Mail{
		f.queue(t, "nobody@customer.example", "s", "b"),
		f.queue(t, "disabled@customer.example", "s", "b"),
		f.queue(t, "not an address", "s", "b"),
	}
	retried := []store.Mail{
		f.queue(t, "relay@other.example", "s", "b"),
		f.queue(t, "full@customer.example", "s", "b"),
		f.queue(t, "busy@customer.example", "s", "b"),
	}
	ok1 := f.queue(t, "ok1@customer.example", "s", "b")
	ok2 := f.queue(t, "ok2@customer.example", "s", "b")

	sendDue(t, s, 2, 6)
	for _, m := range gone {
		got := f.mail(t, m.ID)
		if got.State != store.MailFailed || got.Attempts != 1 || !strings.HasPrefix(got.LastError, "permanent: ") {
			t.Errorf("%s: state %s, %d attempts, error %q; want failed at once", m.To, got.State, got.Attempts, got.LastError)
		}
	}
	for _, m := range retried {
		wantQueued(t, f.mail(t, m.ID), 1, f.clock.Now().Add(30*time.Second), "")
	}
	wantSent(t, f.mail(t, ok1.ID), f.clock.Now())
	wantSent(t, f.mail(t, ok2.ID), f.clock.Now())
	if n := len(srv.mails()); n != 2 {
		t.Fatalf("server stored %d mails, want 2", n)
	}

	f.clock.Add(time.Hour)
	srv.setRcpt(nil)
	sendDue(t, s, 3, 0)
	for _, m := range gone {
		if got := f.mail(t, m.ID); got.State != store.MailFailed {
			t.Errorf("%s was tried again: %s", m.To, got.State)
		}
	}
}

// An attempt starts only if it can end well before the claim's lease does:
// with a slow server, the rest of the batch is left claimed, uncounted,
// for a later round, and every mail still arrives once.
func TestStopsBeforeLeaseEnds(t *testing.T) {
	f := newFixture(t, "sqlite")
	srv := newSMTPServer(t).start("127.0.0.1:0")
	srv.setDataDelay(600 * time.Millisecond)
	lease := 2 * time.Second
	s := f.sender(t, Config{URL: smtpURL(srv.addr), Lease: lease, Timeout: time.Second})
	var ms []store.Mail
	for i := range 5 {
		ms = append(ms, f.queue(t, fmt.Sprintf("u%d@customer.example", i), "s", "b"))
	}

	sent, failed, err := s.SendDue(context.Background())
	if err != nil || failed != 0 || sent < 1 || sent >= len(ms) {
		t.Fatalf("first round: %d sent, %d failed, %v; want some but not all sent, none failed", sent, failed, err)
	}
	left := 0
	for _, m := range ms {
		got := f.mail(t, m.ID)
		if got.State == store.MailSent {
			continue
		}
		left++
		wantQueued(t, got, 0, f.clock.Now().Add(lease), "")
	}
	if left != len(ms)-sent {
		t.Fatalf("%d mails left, %d sent of %d", left, sent, len(ms))
	}
	sendDue(t, s, 0, 0) // still leased

	srv.setDataDelay(0)
	f.clock.Add(lease)
	sendDue(t, s, left, 0)
	got := countByMessageID(t, srv.mails())
	for _, m := range ms {
		if st := f.mail(t, m.ID).State; st != store.MailSent {
			t.Errorf("mail %s: %s, want sent", m.ID, st)
		}
		if got[messageID(m, "localhost")] != 1 {
			t.Errorf("mail %s arrived %d times", m.ID, got[messageID(m, "localhost")])
		}
	}
}

// A refused sender (5.1.8: the From domain does not exist) is the
// configuration's fault, not the mail's: it is retried, never given up at
// once, even though 5.1.x for a recipient would be.
func TestSenderRefusalIsRetried(t *testing.T) {
	f := newFixture(t, "sqlite")
	srv := newSMTPServer(t).start("127.0.0.1:0")
	srv.setMailFrom(func(string) error { return smtpErr(553, smtp.EnhancedCode{5, 1, 8}, "sender domain does not exist") })
	s := f.sender(t, Config{URL: smtpURL(srv.addr)})
	m := f.queue(t, "a@customer.example", "s", "b")
	sendDue(t, s, 0, 1)
	wantQueued(t, f.mail(t, m.ID), 1, f.clock.Now().Add(30*time.Second), "553")
	srv.setMailFrom(nil)
	f.clock.Add(30 * time.Second)
	sendDue(t, s, 1, 0)
}

// When the server drops the connection, the mail in flight is retried
// unless the server had accepted its data (then it is sent, and not sent
// again), and the next mail goes over a new connection.
func TestConnectionBreaks(t *testing.T) {
	f := newFixture(t, "sqlite")
	srv := newSMTPServer(t).start("127.0.0.1:0")
	srv.setData(func(to []string) dataAction {
		switch to[0] {
		case "dropped@customer.example":
			return dropConn
		case "accepted@customer.example":
			return keepThenDropOnRSET
		}
		return keep
	})
	srv.setRcpt(func(to string) error {
		if to == "closing@customer.example" {
			return smtpErr(421, smtp.EnhancedCode{4, 4, 2}, "closing")
		}
		return nil
	})
	s := f.sender(t, Config{URL: smtpURL(srv.addr)})
	var ms []store.Mail
	for _, to := range []string{"a", "dropped", "b", "accepted", "c", "closing", "d"} {
		ms = append(ms, f.queue(t, to+"@customer.example", "s", "b"))
	}
	sendDue(t, s, 5, 2)
	for _, m := range ms {
		got := f.mail(t, m.ID)
		switch m.To {
		case "dropped@customer.example", "closing@customer.example":
			wantQueued(t, got, 1, f.clock.Now().Add(30*time.Second), "")
		default:
			wantSent(t, got, f.clock.Now())
		}
	}

	srv.setData(nil)
	srv.setRcpt(nil)
	f.clock.Add(30 * time.Second)
	sendDue(t, s, 2, 0)
	got := countByMessageID(t, srv.mails())
	for _, m := range ms {
		if got[messageID(m, "localhost")] != 1 {
			t.Errorf("%s arrived %d times, want once", m.To, got[messageID(m, "localhost")])
		}
	}
}

// Stopping the Sender (ctx ends) cuts an attempt that hangs at once, rather
// than after the timeout, and the attempt is still recorded.
func TestStopsWhenCtxEnds(t *testing.T) {
	f := newFixture(t, "sqlite")
	srv := newSMTPServer(t).start("127.0.0.1:0")
	srv.setDataDelay(5 * time.Second)
	s := f.sender(t, Config{URL: smtpURL(srv.addr), Timeout: 4 * time.Second})
	m := f.queue(t, "a@customer.example", "s", "b")
	f.queue(t, "b@customer.example", "s", "b")

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	sent, failed, err := s.SendDue(ctx)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("SendDue took %v after ctx ended", took)
	}
	if sent != 0 || failed != 1 || err != context.Canceled {
		t.Fatalf("SendDue: %d sent, %d failed, %v; want 0, 1, context.Canceled", sent, failed, err)
	}
	wantQueued(t, f.mail(t, m.ID), 1, f.clock.Now().Add(30*time.Second), "")
}
