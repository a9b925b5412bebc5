package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/scimd/scimd/store"
)

// The SMTP side: go-mail speaks the protocol (EHLO, STARTTLS, AUTH, MAIL,
// RCPT, DATA, RSET, QUIT) and builds the message; this file decides which
// connection to open and what a refusal means for the mail.

// transport is a parsed SMTP URL.
type transport struct {
	host, addr  string
	implicitTLS bool
	user, pass  string
	auth        bool
	tls         *tls.Config
	timeout     time.Duration
}

// newTransport parses rawURL. Its errors never contain the password: a
// *url.Error would quote the whole URL, so only its cause is kept.
func newTransport(rawURL string, tlsConfig *tls.Config, timeout time.Duration) (*transport, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		var ee url.EscapeError
		if errors.As(err, &ee) {
			// It would quote the escape, perhaps part of the password.
			err = errors.New("invalid %-escape")
		}
		return nil, fmt.Errorf("mailer: SMTP URL does not parse: %v", err)
	}
	t := &transport{timeout: timeout}
	port := 25
	switch u.Scheme {
	case "smtp":
	case "smtps":
		t.implicitTLS, port = true, 465
	default:
		return nil, fmt.Errorf("mailer: SMTP URL scheme %q: want smtp:// or smtps://", u.Scheme)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("mailer: SMTP URL has a path, query or fragment; want smtp://user:pass@host:port")
	}
	t.host = u.Hostname()
	if t.host == "" {
		return nil, errors.New("mailer: SMTP URL has no host")
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("mailer: SMTP URL port %q is not a port", p)
		}
	}
	t.addr = net.JoinHostPort(t.host, strconv.Itoa(port))
	if u.User != nil {
		t.auth = true
		t.user = u.User.Username()
		t.pass, _ = u.User.Password()
	}
	if tlsConfig != nil {
		t.tls = tlsConfig.Clone()
	} else {
		t.tls = &tls.Config{}
	}
	if t.tls.ServerName == "" {
		t.tls.ServerName = t.host
	}
	if t.tls.MinVersion == 0 {
		t.tls.MinVersion = tls.VersionTLS12
	}
	return t, nil
}

// conn is one SMTP session.
type conn struct {
	client *gomail.Client
	sc     *smtp.Client
	net    net.Conn
	stop   func() bool
}

// dial connects, says EHLO, starts TLS (implicitly, or STARTTLS when the
// server offers it on smtp://: a certificate that does not verify is an
// error, never a fallback to plain text) and logs in. ctx's end cuts the
// connection, whatever it is doing.
func (t *transport) dial(ctx context.Context) (*conn, error) {
	c := &conn{}
	dialer := func(dctx context.Context, network, _ string) (net.Conn, error) {
		var nc net.Conn
		var err error
		d := &net.Dialer{}
		if t.implicitTLS {
			nc, err = (&tls.Dialer{NetDialer: d, Config: t.tls}).DialContext(dctx, network, t.addr)
		} else {
			nc, err = d.DialContext(dctx, network, t.addr)
		}
		if err != nil {
			return nil, err
		}
		c.net = nc
		c.stop = context.AfterFunc(ctx, func() { nc.Close() })
		return nc, nil
	}
	policy := gomail.TLSOpportunistic
	if t.implicitTLS {
		// The dialer already speaks TLS; no STARTTLS inside it.
		policy = gomail.NoTLS
	}
	opts := []gomail.Option{
		gomail.WithDialContextFunc(dialer),
		gomail.WithTimeout(t.timeout),
		gomail.WithTLSConfig(t.tls),
		gomail.WithTLSPolicy(policy),
	}
	if t.auth {
		// PLAIN and LOGIN (without -NOENC) refuse to send the password
		// unless the connection is TLS or the host is localhost; a server
		// offering neither gets go-mail's pick of its other mechanisms.
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(t.user), gomail.WithPassword(t.pass))
	}
	client, err := gomail.NewClient(t.host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	c.client = client
	if c.sc, err = client.DialToSMTPClientWithContext(ctx); err != nil {
		// go-mail leaves the connection open when EHLO, STARTTLS or AUTH
		// fail.
		c.close()
		return nil, fmt.Errorf("connecting to %s: %w", t.addr, err)
	}
	return c, nil
}

// send sends one mail over the session.
func (c *conn) send(m *gomail.Msg) error {
	return c.client.SendWithSMTPClient(c.sc, m)
}

// close says QUIT if the session is up and closes the connection.
func (c *conn) close() {
	if c.sc != nil {
		c.client.CloseWithSMTPClient(c.sc)
	}
	if c.stop != nil {
		c.stop()
	}
	if c.net != nil {
		c.net.Close()
	}
}

// message builds the mail: plain text, From, To, Subject, Date (when it was
// queued) and a Message-ID that every attempt of this mail shares.
func (s *Sender) message(m *store.Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient %q is not an address: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	date := m.CreatedAt
	if date.IsZero() {
		date = s.cfg.Now()
	}
	msg.SetDateWithValue(date)
	msg.SetMessageIDWithValue(m.ID + "@" + domainOf(s.from.Address))
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	return msg, nil
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "localhost"
}

// permanent reports whether err is the server refusing this recipient for
// good, so that retrying cannot help. Only a 5xx reply to RCPT TO counts,
// and not every one: the reply code alone (550) is used both for "no such
// mailbox" and for "relaying denied", and a relay that refuses us because
// it is misconfigured would otherwise lose every mail at once. So:
//   - with an enhanced status code (RFC 3463; go-mail reads it when the
//     server offers ENHANCEDSTATUSCODES), 5.1.x (bad address: no such user,
//     bad domain, bad syntax, moved) and 5.2.1 (mailbox disabled) are
//     permanent; 5.7.x (policy, relaying, authentication), 5.2.2 (mailbox
//     full), 5.3.x (system) and the rest are retried;
//   - without one, 551 (user not local) and 553 (mailbox name not allowed)
//     are permanent; 550 is ambiguous and retried, as is 552, which RFC 5321
//     §4.5.3.1.10 says to treat as 452 when it answers RCPT.
//
// Mail retried in vain is still given up after about three days.
func permanent(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) || se.Reason != gomail.ErrSMTPRcptTo || se.ErrorCode()/100 != 5 {
		return false
	}
	if esc := se.EnhancedStatusCode(); esc != "" {
		return strings.HasPrefix(esc, "5.1.") || esc == "5.2.1"
	}
	switch se.ErrorCode() {
	case 551, 553:
		return true
	}
	return false
}
