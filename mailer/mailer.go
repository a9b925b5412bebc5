// Package mailer delivers the mail that scimd's account layer queues: the
// invitation links and temporary passwords.
//
// # Why an outbox
//
// A command that sends mail (invite, resend, import) writes the mail as a
// row of the outbox table in the same transaction as the change itself
// (store.Tx.QueueMail). The mail therefore exists exactly when the change
// does: a rolled-back invitation sends nothing, and a committed one is never
// lost to a crash between the commit and the SMTP conversation. Sending
// happens here, outside any transaction and outside the request, so a slow
// or absent mail server never holds a lock or delays an IdP's request.
//
// # Delivery, at least once
//
// A Sender polls the outbox (Config.Interval), claims the due mails
// (store.Outbox.ClaimMails), sends each and records the outcome: MailSent, or
// MailFailed with the time of the next attempt. Claiming moves a mail's next
// attempt to now+Lease in the same statement that picks it, and on
// PostgreSQL skips rows another claimer holds (FOR UPDATE SKIP LOCKED), so
// any number of Senders in any number of processes on one database never
// hold the same mail at the same time. A Sender starts an attempt only if it
// can finish (Config.Timeout) well before the lease ends, and cuts the
// connection when the lease is nearly over, so a mail is not in flight when
// another Sender may take it.
//
// What remains is at-least-once, not exactly-once: if the mail server took a
// mail but its answer was lost (the connection dropped after the data was
// sent, before the server's 250), or the database could not be told that
// the mail was sent, the mail stays queued and is sent again (after its
// backoff, or when its lease ends). A mail whose data the server did
// confirm is marked sent even if the connection fails right after. Every
// attempt of one mail carries the same Message-ID (<outbox id@domain of
// From>), so a receiving system can recognise a repetition.
//
// # When SMTP is down
//
// A mail server that is unreachable, refuses the connection or the login,
// or answers 4xx delays mail and never loses it: the mail stays queued, its
// attempts are counted, its last error is kept, and it is tried again after
// 30 s, 1 m, 2 m, 4 m, ... up to one hour between attempts. Only a mail that
// has been failing for about three days (since it was queued) is given up
// (state failed). A recipient refused permanently is given up at once; see
// permanent in smtp.go for which replies count as that (a misconfigured
// relay's "relaying denied" does not).
//
// Without an SMTP URL (development, tests) each mail is written to the log,
// body included, and marked sent.
package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/scimd/scimd/store"
)

// Defaults of Config.
const (
	DefaultFrom     = "scimd@localhost"
	DefaultInterval = 2 * time.Second
	DefaultLease    = time.Minute
	DefaultTimeout  = 30 * time.Second
)

const (
	// batchSize is how many mails one claim takes; they share one SMTP
	// connection.
	batchSize = 20
	// The wait after the n-th failed attempt is minBackoff*2^(n-1), at most
	// maxBackoff.
	minBackoff = 30 * time.Second
	maxBackoff = time.Hour
	// giveUpAfter is how long after it was queued a mail that keeps failing
	// is given up.
	giveUpAfter = 72 * time.Hour
	// markTimeout bounds recording an outcome in the store; it runs even
	// while the Sender is being stopped, so that a sent mail is marked.
	markTimeout = 5 * time.Second
)

// Config configures a Sender.
type Config struct {
	// Store is the outbox.
	Store store.Outbox
	// URL is the mail server: smtp://user:pass@host:port (STARTTLS when
	// the server offers it) or smtps://user:pass@host:port (TLS from the
	// first byte). The user info is optional; with it the Sender logs in
	// with PLAIN or LOGIN, whichever the server offers, but only over TLS
	// or to localhost. The port defaults to 25 (smtp) or 465 (smtps).
	// Empty: no SMTP, each mail is written to the log and marked sent;
	// the log then holds invitation links and temporary passwords, so
	// this is for development and tests.
	URL string
	// From is the From address, "addr@host" or "Name <addr@host>";
	// DefaultFrom when empty.
	From string
	// TLSConfig verifies the server's certificate (a private CA, say);
	// nil uses the system's roots. Its ServerName defaults to the URL's
	// host.
	TLSConfig *tls.Config
	// Logger receives what the Sender does; slog.Default() when nil.
	Logger *slog.Logger
	// Interval is how often Run polls the outbox; DefaultInterval when 0.
	Interval time.Duration
	// Lease is how long a claimed mail is reserved for this Sender;
	// DefaultLease when 0. It must be at least twice Timeout.
	Lease time.Duration
	// Timeout bounds one delivery attempt (connecting, or one mail over an
	// open connection); DefaultTimeout when 0.
	Timeout time.Duration
	// Now is the clock written to the store (claims, retry times);
	// time.Now when nil. Network timeouts use the real clock.
	Now func() time.Time
}

// Sender delivers the outbox. Its methods are safe for concurrent use.
type Sender struct {
	cfg  Config
	log  *slog.Logger
	from *mail.Address
	smtp *transport // nil: log instead
}

// New checks cfg and returns a Sender. An SMTP URL that does not parse or
// a From that is not an address is an error saying what is wrong (never
// with the URL's password).
func New(cfg Config) (*Sender, error) {
	if cfg.Store == nil {
		return nil, errors.New("mailer: no store")
	}
	if cfg.From == "" {
		cfg.From = DefaultFrom
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mailer: from address %q is not an address: %v", cfg.From, err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Lease == 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	switch {
	case cfg.Interval < 0:
		return nil, fmt.Errorf("mailer: interval %v is negative", cfg.Interval)
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("mailer: timeout %v is negative", cfg.Timeout)
	case cfg.Lease < 2*cfg.Timeout:
		return nil, fmt.Errorf("mailer: lease %v is shorter than twice the timeout %v: an attempt could outlast the lease", cfg.Lease, cfg.Timeout)
	}
	s := &Sender{cfg: cfg, log: cfg.Logger, from: from}
	if cfg.URL != "" {
		if s.smtp, err = newTransport(cfg.URL, cfg.TLSConfig, cfg.Timeout); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Run delivers the outbox every Interval until ctx ends. Errors (the
// database down, say) are logged and the next round tries again.
func (s *Sender) Run(ctx context.Context) {
	if s.smtp == nil {
		s.log.Warn("mailer: no SMTP URL; mails, with their links and passwords, are written to the log")
	}
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if _, _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("mailer: delivering the outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendDue does one round: it claims the mails due now, batch after batch,
// and attempts each. sent and failed count the attempts that succeeded and
// that failed (to be retried or given up); err reports what kept the round
// from finishing (the store, ctx).
func (s *Sender) SendDue(ctx context.Context) (sent, failed int, err error) {
	for {
		if err := ctx.Err(); err != nil {
			return sent, failed, err
		}
		claimed := time.Now()
		mails, err := s.cfg.Store.ClaimMails(ctx, s.cfg.Now(), s.cfg.Lease, batchSize)
		if err != nil {
			return sent, failed, fmt.Errorf("mailer: claiming mails: %w", err)
		}
		if len(mails) == 0 {
			return sent, failed, nil
		}
		r := s.deliver(ctx, claimed, mails)
		sent, failed = sent+r.sent, failed+r.failed
		if r.err == nil {
			r.err = ctx.Err()
		}
		if r.err != nil || r.stopped || len(mails) < batchSize {
			return sent, failed, r.err
		}
	}
}

type result struct {
	sent, failed int
	// stopped: the batch ended early (lease nearly over, server down).
	stopped bool
	err     error
}

// deliver attempts a claimed batch over one connection, opened when the
// first mail needs it and again after it broke.
func (s *Sender) deliver(ctx context.Context, claimed time.Time, mails []store.Mail) (r result) {
	if s.smtp == nil {
		for i := range mails {
			s.logMail(&mails[i])
			s.markSent(ctx, &mails[i], &r)
		}
		return r
	}
	// Past the lease another Sender may take these mails: stop well
	// before it, and start no attempt that could not end before then.
	end := claimed.Add(s.cfg.Lease - s.cfg.Lease/10)
	bctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	var c *conn
	defer func() {
		if c != nil {
			c.close()
		}
	}()
	for i := range mails {
		m := &mails[i]
		if time.Until(end) < s.cfg.Timeout || ctx.Err() != nil {
			// The rest are due again when their lease ends, with no
			// attempt counted.
			r.stopped = true
			return r
		}
		msg, err := s.message(m)
		if err != nil {
			s.markFailed(ctx, m, err, true, &r)
			continue
		}
		down, err := s.attempt(bctx, &c, msg)
		switch {
		case down && ctx.Err() != nil:
			// Stopped while connecting: nothing was tried.
			r.stopped = true
			return r
		case down:
			// The server is down or refuses us: every mail of the batch
			// waits its backoff; the next round tries again.
			for j := i; j < len(mails); j++ {
				s.markFailed(ctx, &mails[j], err, false, &r)
			}
			r.stopped = true
			return r
		case err == nil:
			s.markSent(ctx, m, &r)
		case msg.IsDelivered():
			// The server accepted the data; only what followed (RSET)
			// failed. Sending it again would duplicate it.
			s.log.Warn("mailer: mail accepted, then the connection failed", "mail", m.ID, "err", err)
			s.markSent(ctx, m, &r)
		default:
			s.markFailed(ctx, m, err, permanent(err), &r)
		}
	}
	return r
}

// attempt sends msg over *c, connecting first when there is no session,
// and once more on a new session when the old one is found dead before the
// mail was begun (go-mail checks it with NOOP). down reports that no
// session could be opened.
func (s *Sender) attempt(ctx context.Context, c **conn, msg *gomail.Msg) (down bool, err error) {
	for retried := false; ; retried = true {
		if *c == nil {
			if *c, err = s.smtp.dial(ctx); err != nil {
				return true, err
			}
		}
		err = (*c).send(msg)
		var se *gomail.SendError
		if err == nil || !errors.As(err, &se) || se.Reason != gomail.ErrConnCheck {
			return false, err
		}
		(*c).close()
		*c = nil
		if retried {
			return false, err
		}
	}
}

func (s *Sender) logMail(m *store.Mail) {
	s.log.Info("mail (no SMTP configured)", "mail", m.ID, "tenant", m.TenantID, "from", s.from.String(),
		"to", m.To, "subject", m.Subject, "body", m.Body)
}

// markCtx outlives a stopping Sender for a moment, so that an outcome
// learnt is recorded.
func markCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
}

func (s *Sender) markSent(ctx context.Context, m *store.Mail, r *result) {
	r.sent++
	mctx, cancel := markCtx(ctx)
	defer cancel()
	if err := s.cfg.Store.MailSent(mctx, m.ID, s.cfg.Now()); err != nil {
		// Sent but still queued: it goes out again after the lease.
		s.log.Error("mailer: mail sent but not marked; it will be sent again", "mail", m.ID, "err", err)
		r.err = errors.Join(r.err, fmt.Errorf("mailer: marking mail %s sent: %w", m.ID, err))
		return
	}
	s.log.Info("mail sent", "mail", m.ID, "tenant", m.TenantID, "to", m.To, "attempt", m.Attempts+1)
}

// markFailed records a failed attempt: the next one after the backoff, or
// none when the refusal is permanent or the mail has failed for too long.
func (s *Sender) markFailed(ctx context.Context, m *store.Mail, cause error, perm bool, r *result) {
	r.failed++
	now := s.cfg.Now()
	next := now.Add(Backoff(m.Attempts + 1))
	text := cause.Error()
	switch {
	case perm:
		next, text = time.Time{}, "permanent: "+text
	case next.Sub(m.CreatedAt) > giveUpAfter:
		next, text = time.Time{}, fmt.Sprintf("given up after %d attempts: %s", m.Attempts+1, text)
	}
	mctx, cancel := markCtx(ctx)
	defer cancel()
	if err := s.cfg.Store.MailFailed(mctx, m.ID, text, next); err != nil {
		s.log.Error("mailer: recording a failed attempt", "mail", m.ID, "err", err)
		r.err = errors.Join(r.err, fmt.Errorf("mailer: marking mail %s failed: %w", m.ID, err))
		return
	}
	if next.IsZero() {
		s.log.Error("mail given up", "mail", m.ID, "tenant", m.TenantID, "to", m.To, "attempts", m.Attempts+1, "err", text)
		return
	}
	s.log.Warn("mail not sent; will retry", "mail", m.ID, "tenant", m.TenantID, "to", m.To,
		"attempt", m.Attempts+1, "next", next, "err", text)
}

// Backoff is the wait after a mail's n-th failed attempt: 30 s, 1 m, 2 m,
// ... doubling up to one hour.
func Backoff(n int) time.Duration {
	d := minBackoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}
