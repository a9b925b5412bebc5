package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/adminapi"
	"github.com/scimd/scimd/mailer"
	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
)

type serveOptions struct {
	addr, db, logLevel string
	trustedProxies     string
	cfg                scim.Config
	domain             domainOptions
}

// check refuses flag values that make no sense instead of letting the
// server replace them with defaults silently.
func (o *serveOptions) check() error {
	if o.cfg.MaxResults < 1 {
		return fmt.Errorf("--max-results %d: must be at least 1", o.cfg.MaxResults)
	}
	if o.cfg.DefaultPageSize < 1 {
		return fmt.Errorf("--page-size %d: must be at least 1", o.cfg.DefaultPageSize)
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"--max-body-bytes", o.cfg.MaxBodyBytes}, {"--max-values", int64(o.cfg.MaxValues)},
		{"--max-operations", int64(o.cfg.MaxOperations)}, {"--max-inflight-bytes", o.cfg.MaxInflightBytes},
		{"--db-timeout", int64(o.cfg.DBTimeout)}, {"--cursor-timeout", int64(o.cfg.CursorTimeout)},
	} {
		if f.v < 1 {
			return fmt.Errorf("%s: must be positive", f.name)
		}
	}
	proxies, err := scim.ParseTrustedProxies(o.trustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	o.cfg.TrustedProxies = proxies
	if err := o.domain.check(); err != nil {
		return err
	}
	if err := o.cfg.Validate(); err != nil {
		return fmt.Errorf("invalid flags: %w", err)
	}
	return nil
}

func serveCmd() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the SCIM server (migrations run on start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			return serve(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", envOr("SCIMD_ADDR", ":8080"), "listen address (env SCIMD_ADDR)")
	dbFlag(cmd, &o.db)
	f.StringVar(&o.logLevel, "log-level", envOr("SCIMD_LOG_LEVEL", "info"), "debug, info, warn or error (env SCIMD_LOG_LEVEL)")
	f.Int64Var(&o.cfg.MaxBodyBytes, "max-body-bytes", scim.DefaultMaxBodyBytes, "largest request body accepted; larger ones get 413")
	f.IntVar(&o.cfg.MaxResults, "max-results", scim.DefaultMaxResults, "most resources per page (filter.maxResults)")
	f.IntVar(&o.cfg.DefaultPageSize, "page-size", scim.DefaultPageSize, "page size when a request names no count")
	f.Float64Var(&o.cfg.RateLimit, "rate-limit", 0, "requests per second per token (0: no limit); over it, 429 with Retry-After")
	f.IntVar(&o.cfg.RateBurst, "rate-burst", 0, "burst above --rate-limit (default 2x the rate)")
	f.DurationVar(&o.cfg.CursorTimeout, "cursor-timeout", time.Hour, "how long a paging cursor stays valid")
	f.DurationVar(&o.cfg.DBTimeout, "db-timeout", scim.DefaultDBTimeout, "most database time one request may take; past it, 503 with Retry-After")
	f.IntVar(&o.cfg.MaxValues, "max-values", store.DefaultMaxValues, "most values of one multi-valued attribute of a user (emails, phoneNumbers, ...)")
	f.IntVar(&o.cfg.MaxOperations, "max-operations", scim.DefaultMaxOperations, "most operations in one PATCH request")
	f.Int64Var(&o.cfg.MaxInflightBytes, "max-inflight-bytes", scim.DefaultMaxInflightBytes, "most request-body bytes handled at once; past it, 503 with Retry-After")
	f.Float64Var(&o.cfg.AuthFailLimit, "auth-fail-limit", scim.DefaultAuthFailLimit, "failed authentications per second allowed per client address (negative: no limit); past it, 429")
	f.IntVar(&o.cfg.AuthFailBurst, "auth-fail-burst", scim.DefaultAuthFailBurst, "burst of failed authentications per client address above --auth-fail-limit")
	f.StringVar(&o.trustedProxies, "trusted-proxies", envOr("SCIMD_TRUSTED_PROXIES", ""), "comma-separated CIDRs of proxies whose X-Forwarded-Proto/-Host/-For are believed (env SCIMD_TRUSTED_PROXIES; default: none)")
	f.StringVar(&o.domain.publicURL, "public-url", envOr("SCIMD_PUBLIC_URL", ""), "URL the server is reached at, the base of sign-in and invitation links (env SCIMD_PUBLIC_URL; default http://<addr>)")
	f.StringVar(&o.domain.smtpURL, "smtp-url", envOr("SCIMD_SMTP_URL", ""), "mail server, smtp://user:pass@host:port or smtps://... (env SCIMD_SMTP_URL; default: mails are written to the log)")
	f.StringVar(&o.domain.mailFrom, "mail-from", envOr("SCIMD_MAIL_FROM", ""), "From address of scimd's mails (default "+mailer.DefaultFrom+")")
	f.DurationVar(&o.domain.auditRetention, "audit-retention", DefaultAuditRetention, "how long audit records are kept (0: forever)")
	f.BoolVar(&o.domain.webhookAllowPrivate, "webhook-allow-private", false, "let webhook endpoints on loopback and private networks receive deliveries (checked at connection time)")
	f.DurationVar(&o.domain.eventsRetention, "events-retention", account.DefaultEventsRetention, "how long the change feed's events are kept")
	return cmd
}

// serve listens at once, so /healthz answers while the database is still
// being reached and migrated; until then /readyz and the API answer 503.
func serve(ctx context.Context, o serveOptions) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: %w", o.logLevel, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)
	o.cfg.Logger = log

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	var ready atomic.Pointer[http.Handler]
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h := ready.Load(); h != nil {
				(*h).ServeHTTP(w, r)
				return
			}
			starting(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "db", redact(o.db))

	st, err := openWithRetry(ctx, log, o.db)
	if err != nil {
		srv.Close()
		return err
	}
	defer st.Close()
	publicURL := o.domain.publicURLFor(ln.Addr())
	a, err := newApp(ctx, o, st, publicURL, log)
	if err != nil {
		srv.Close()
		return err
	}
	bg, stop := context.WithCancel(ctx)
	defer stop()
	a.run(bg)
	ready.Store(&a.handler)
	log.Info("ready", "scim", publicURL+scim.BasePath, "admin", publicURL+adminapi.Prefix, "dialect", st.Dialect())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func starting(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		w.Write([]byte("ok\n"))
		return
	}
	w.Header().Set("Retry-After", "2")
	if r.URL.Path == "/readyz" {
		http.Error(w, "starting: database not ready", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"503","detail":"the server is starting: retry shortly"}`))
}

// redact hides a password in a database URL for logging.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	user, _, hasPw := strings.Cut(userinfo, ":")
	if !hasPw {
		return url
	}
	return scheme + "://" + user + ":***@" + host
}
