package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/adminapi"
	"github.com/scimd/scimd/mailer"
	"github.com/scimd/scimd/portal"
	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/webhook"
)

// domainOptions are serve's flags for what lies beside SCIM: the account
// layer's links, mail and audit retention.
type domainOptions struct {
	publicURL      string
	smtpURL        string
	mailFrom       string
	auditRetention time.Duration
	// webhookAllowPrivate lets webhook endpoints on private networks
	// receive deliveries; eventsRetention is how long the feed is kept.
	webhookAllowPrivate bool
	eventsRetention     time.Duration
}

// DefaultAuditRetention is how long audit records are kept by default.
const DefaultAuditRetention = 365 * 24 * time.Hour

// check refuses values that cannot work, before the server starts.
func (d *domainOptions) check() error {
	if d.publicURL != "" {
		u, err := url.Parse(d.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("--public-url %q: want an absolute http(s) URL such as https://scim.example.com", d.publicURL)
		}
		d.publicURL = strings.TrimRight(d.publicURL, "/")
	}
	if d.smtpURL != "" {
		u, err := url.Parse(d.smtpURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			return fmt.Errorf("--smtp-url: want smtp://user:pass@host:port or smtps://user:pass@host:port")
		}
	}
	if d.mailFrom != "" {
		if _, err := mail.ParseAddress(d.mailFrom); err != nil {
			return fmt.Errorf("--mail-from %q: not a mail address", d.mailFrom)
		}
	}
	if d.eventsRetention <= 0 {
		return fmt.Errorf("--events-retention: must be positive")
	}
	if d.auditRetention < 0 {
		return fmt.Errorf("--audit-retention: must not be negative (0 keeps audit records forever)")
	}
	return nil
}

// publicURLFor is the base of links: the flag, else http://<listen address>
// (an unspecified host read as localhost).
func (d *domainOptions) publicURLFor(ln net.Addr) string {
	if d.publicURL != "" {
		return d.publicURL
	}
	host, port, err := net.SplitHostPort(ln.String())
	if err != nil {
		return defaultPublicURL
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// app is everything serve runs over one store: the HTTP handler and the
// background work.
type app struct {
	handler   http.Handler
	accounts  *account.Service
	mail      *mailer.Sender
	hooks     *webhook.Worker
	retention time.Duration
	log       *slog.Logger
}

// newApp wires the account layer and its adapters over st: SCIM under
// /scim/v2 (with /healthz and /readyz), the admin API under /api/ and the
// sign-in links under adminapi.LinkPath.
func newApp(ctx context.Context, o serveOptions, st *sqlstore.Store, publicURL string, log *slog.Logger) (*app, error) {
	if err := st.PutSetting(ctx, publicURLSetting, publicURL); err != nil {
		return nil, fmt.Errorf("recording the public URL: %w", err)
	}
	svc := account.New(account.Config{
		Store: st, PasswordCost: o.cfg.PasswordCost, Limits: store.Limits{MaxValues: o.cfg.MaxValues}, PublicURL: publicURL, Logger: log,
	})
	send, err := mailer.New(mailer.Config{Store: st, URL: o.domain.smtpURL, From: o.domain.mailFrom, Logger: log})
	if err != nil {
		return nil, err
	}
	hooks, err := webhook.New(webhook.Config{Store: st, AllowPrivate: o.domain.webhookAllowPrivate,
		Retention: o.domain.eventsRetention, PublicURL: publicURL, Logger: log})
	if err != nil {
		return nil, err
	}
	cfg := o.cfg
	cfg.Store, cfg.Accounts = st, svc
	api := adminapi.New(adminapi.Config{Accounts: svc, Logger: log, Secure: strings.HasPrefix(publicURL, "https://")})

	mux := http.NewServeMux()
	mux.Handle("/", scim.NewServer(cfg).Handler())
	mux.Handle("/api/", api.Handler())
	mux.Handle(adminapi.LinkPath, api.LinkHandler())
	mux.Handle("/portal/", portal.New(portal.Config{Accounts: svc, Logger: log, PublicURL: publicURL, Secure: strings.HasPrefix(publicURL, "https://")}).Handler())
	return &app{handler: mux, accounts: svc, mail: send, hooks: hooks, retention: o.domain.auditRetention, log: log}, nil
}

// run does the background work until ctx ends: mail delivery and the
// audit log's retention.
func (a *app) run(ctx context.Context) {
	go a.mail.Run(ctx)
	// Import jobs a stopped server left running go on here; their rows
	// already created are not created again.
	if n, err := a.accounts.ResumeImports(ctx, true); err != nil {
		a.log.Warn("resuming import jobs", "err", err)
	} else if n > 0 {
		a.log.Info("resumed import jobs", "count", n)
	}
	go a.sweepImports(ctx)
	go a.hooks.Run(ctx)
	if a.retention > 0 {
		go a.purgeAudit(ctx)
	}
}

// sweepImports runs on, every half minute, import jobs whose process has
// gone away since (a `scimd import` interrupted, another server stopped).
func (a *app) sweepImports(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := a.accounts.ResumeStaleImports(ctx, 0); err != nil && ctx.Err() == nil {
				a.log.Warn("resuming abandoned import jobs", "err", err)
			}
		}
	}
}

// purgeAudit deletes audit records older than the retention, at start and
// then hourly.
func (a *app) purgeAudit(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := a.accounts.PurgeAudit(ctx, a.retention); err != nil && ctx.Err() == nil {
			a.log.Warn("purging the audit log", "err", err)
		} else if n > 0 {
			a.log.Info("purged audit records", "count", n, "older than", a.retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
