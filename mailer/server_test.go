package mailer

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpServer is a real SMTP server (go-smtp) inside the test, recording
// what it receives. Its behaviour can change while it runs.
type smtpServer struct {
	t    *testing.T
	addr string
	srv  *smtp.Server

	// Set before start.
	tls         *tls.Config // STARTTLS offered (or implicit, see implicitTLS)
	implicitTLS bool
	user, pass  string // AUTH PLAIN offered and required when user is set
	insecure    bool   // offer AUTH without TLS

	mu        sync.Mutex
	mailFrom  func(from string) error // nil: accept
	rcpt      func(to string) error   // nil: accept
	data      func(to []string) dataAction
	dataDelay time.Duration
	received  []received
	authTries int
	open      int // sessions not yet logged out
	sessions  int // sessions begun
	debug     bytes.Buffer
}

// dataAction is what the server does with a message's data.
type dataAction int

const (
	keep               dataAction = iota
	dropConn                      // close the connection instead of answering
	keepThenDropOnRSET            // answer 250, then close the connection at the client's RSET
)

type received struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

func newSMTPServer(t *testing.T) *smtpServer { return &smtpServer{t: t} }

// start listens on addr ("127.0.0.1:0" for any port) and serves until the
// test ends.
func (s *smtpServer) start(addr string) *smtpServer {
	s.t.Helper()
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.open++
		s.sessions++
		s.mu.Unlock()
		return &session{s: s, c: c}, nil
	}))
	s.srv.Domain = "test.example"
	s.srv.AllowInsecureAuth = s.insecure
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.Debug = debugWriter{s}
	var l net.Listener
	var err error
	if s.implicitTLS {
		l, err = tls.Listen("tcp", addr, s.tls)
	} else {
		s.srv.TLSConfig = s.tls
		l, err = net.Listen("tcp", addr)
	}
	if err != nil {
		s.t.Fatalf("smtp server listen %s: %v", addr, err)
	}
	s.addr = l.Addr().String()
	go s.srv.Serve(l)
	s.t.Cleanup(func() { s.srv.Close() })
	return s
}

// stop closes the server; its address refuses connections after it.
func (s *smtpServer) stop() { s.srv.Close() }

func (s *smtpServer) setRcpt(f func(to string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcpt = f
}

func (s *smtpServer) setMailFrom(f func(from string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mailFrom = f
}

func (s *smtpServer) setData(f func(to []string) dataAction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = f
}

func (s *smtpServer) setDataDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataDelay = d
}

func (s *smtpServer) mails() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

// debugWriter collects the conversation (go-smtp's Debug).
type debugWriter struct{ s *smtpServer }

func (w debugWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.debug.Write(p)
}

// commands counts the client's commands named cmd ("QUIT", "EHLO").
func (s *smtpServer) commands(cmd string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, line := range strings.Split(s.debug.String(), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.EqualFold(f[0], cmd) {
			n++
		}
	}
	return n
}

func (s *smtpServer) sessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// wantClosed checks that the client has closed every connection.
func (s *smtpServer) wantClosed(t *testing.T) {
	t.Helper()
	waitFor(t, "the client to close its connections", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.open == 0
	})
}

func (s *smtpServer) authAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authTries
}

type session struct {
	s    *smtpServer
	c    *smtp.Conn
	user string
	from string
	to   []string
	// closeAtReset > 0: the connection is closed at that many Reset
	// calls from now. go-smtp calls Reset after each DATA (once it has
	// answered) and on RSET (before answering).
	closeAtReset int
}

func (x *session) AuthMechanisms() []string {
	if x.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		x.s.mu.Lock()
		x.s.authTries++
		x.s.mu.Unlock()
		if user != x.s.user || pass != x.s.pass {
			return smtp.ErrAuthFailed
		}
		x.user = user
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.user != "" && x.user == "" {
		return smtp.ErrAuthRequired
	}
	x.s.mu.Lock()
	f := x.s.mailFrom
	x.s.mu.Unlock()
	if f != nil {
		if err := f(from); err != nil {
			return err
		}
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	f := x.s.rcpt
	x.s.mu.Unlock()
	if f != nil {
		if err := f(to); err != nil {
			var se *smtp.SMTPError
			if errors.As(err, &se) && se.Code == 421 {
				// 421 closes the channel: at the RSET that follows.
				x.closeAtReset = 1
			}
			return err
		}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	d, f := x.s.dataDelay, x.s.data
	x.s.mu.Unlock()
	time.Sleep(d)
	action := keep
	if f != nil {
		action = f(x.to)
	}
	switch action {
	case dropConn:
		x.c.Conn().Close()
		return errors.New("dropped")
	case keepThenDropOnRSET:
		x.closeAtReset = 2
	}
	_, isTLS := x.c.TLSConnectionState()
	x.s.mu.Lock()
	x.s.received = append(x.s.received, received{From: x.from, To: x.to, Data: b, TLS: isTLS, User: x.user})
	x.s.mu.Unlock()
	return nil
}

func (x *session) Reset() {
	x.from, x.to = "", nil
	if x.closeAtReset > 0 {
		if x.closeAtReset--; x.closeAtReset == 0 {
			// Not x.c.Close: go-smtp holds the lock it takes.
			x.c.Conn().Close()
		}
	}
}

func (x *session) Logout() error {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.open--
	return nil
}

// smtpErr is a reply such as 451 4.3.0.
func smtpErr(code int, enhanced smtp.EnhancedCode, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: msg}
}

// freeAddr returns an address on which nothing listens (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// testCert is a self-signed certificate for 127.0.0.1, 127.0.0.2 and
// localhost, and a client configuration that trusts it.
func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailer test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("127.0.0.2")},
		DNSNames:     []string{"localhost"},
		IsCA:         true,

		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

// parsed is a received message, decoded.
type parsed struct {
	Header  mail.Header
	Subject string
	Body    string
}

func parse(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("Subject: %v", err)
	}
	var body io.Reader = m.Body
	switch cte := strings.ToLower(m.Header.Get("Content-Transfer-Encoding")); cte {
	case "quoted-printable":
		body = quotedprintable.NewReader(m.Body)
	case "", "7bit", "8bit":
	default:
		t.Fatalf("unexpected Content-Transfer-Encoding %q", cte)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return parsed{Header: m.Header, Subject: subject, Body: strings.ReplaceAll(string(b), "\r\n", "\n")}
}

// waitFor polls cond for up to 3 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
