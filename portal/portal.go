package portal

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/scimd/scimd/account"
)

// Prefix is where the portal is served; mount Handler at "/portal/".
const Prefix = "/portal"

// CookieName is the session cookie, shared with the admin API.
const CookieName = "scimd_session"

// LinkPath is where `scimd admin login-link` links point (the same path
// as adminapi.LinkPath).
const LinkPath = "/portal/login/link"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures a Portal.
type Config struct {
	// Accounts is the account layer every call goes through.
	Accounts *account.Service
	// Logger receives the causes of internal errors (default slog.Default()).
	Logger *slog.Logger
	// PublicURL is the base URL browsers reach scimd at: the OpenID
	// redirect URI is PublicURL/portal/oidc/callback. Default: the
	// account service's public URL.
	PublicURL string
	// Secure marks cookies Secure (set it when PublicURL is https).
	Secure bool
	// HTTPClient is used to reach OpenID providers (default: one with a
	// 10-second timeout).
	HTTPClient *http.Client
}

// Portal serves the admin portal of every tenant.
type Portal struct {
	acct      *account.Service
	log       *slog.Logger
	publicURL string
	secure    bool
	cop       *http.CrossOriginProtection
	mux       *http.ServeMux
	pages     map[string]*template.Template
	oidc      *oidcClients
	pending   pendingStore
}

// New returns the portal over the account service in cfg.
func New(cfg Config) *Portal {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = cfg.Accounts.PublicURL()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	p := &Portal{
		acct:      cfg.Accounts,
		log:       cfg.Logger,
		publicURL: strings.TrimRight(cfg.PublicURL, "/"),
		secure:    cfg.Secure,
		cop:       http.NewCrossOriginProtection(),
		mux:       http.NewServeMux(),
		pages:     parsePages(),
		oidc:      newOIDCClients(cfg.HTTPClient),
		pending:   newPending(cfg.Accounts),
	}
	p.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.page(w, r, http.StatusForbidden, "message", view{Title: "Request refused",
			Message: "This request came from another site, so it was refused. Go back to the portal and try again from there."})
	}))
	p.routes()
	return p
}

// Handler serves everything under /portal/.
func (p *Portal) Handler() http.Handler {
	return p.base(p.cop.Handler(p.mux))
}

// RedirectURL is the OpenID redirect URI every tenant's provider must
// allow.
func (p *Portal) RedirectURL() string { return p.publicURL + Prefix + "/oidc/callback" }

func (p *Portal) routes() {
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/portal/static/", http.FileServerFS(static))
	p.mux.Handle("GET /portal/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))

	// Signing in: open to everyone.
	p.mux.HandleFunc("GET /portal/login", p.loginPage)
	p.mux.HandleFunc("POST /portal/login", p.loginChoose)
	p.mux.HandleFunc("POST /portal/login/password", p.passwordSignIn)
	p.mux.HandleFunc("GET /portal/login/link", p.linkSignIn)
	p.mux.HandleFunc("GET /portal/oidc/callback", p.oidcCallback)
	p.mux.HandleFunc("GET /portal/invitations/accept", p.invitationPage)
	p.mux.HandleFunc("POST /portal/invitations/accept", p.acceptWithPassword)
	p.mux.HandleFunc("POST /portal/invitations/oidc", p.acceptWithOIDC)
	p.mux.HandleFunc("POST /portal/logout", p.signOut)

	// Signed in.
	a := func(pattern string, h memberHandler) { p.mux.Handle(pattern, p.member(h, false)) }
	lead := func(pattern string, h memberHandler) { p.mux.Handle(pattern, p.member(h, true)) }
	lead("GET /portal/{$}", p.home)
	lead("GET /portal/myteam", p.myTeam)
	a("GET /portal/users", p.users)
	a("GET /portal/users.csv", p.usersCSV)
	a("GET /portal/users/{id}", p.user)
	a("POST /portal/users/{id}/roles", p.setRoles)
	a("POST /portal/users/{id}/domain", p.setDomain)
	a("POST /portal/users/{id}/{action}", p.userAction)
	a("GET /portal/invite", p.invitePage)
	a("POST /portal/invite", p.invite)
	a("GET /portal/import", p.importPage)
	a("POST /portal/import", p.importPost)
	a("GET /portal/import/template.csv", p.importTemplate)
	a("GET /portal/import/{id}", p.importJob)
	a("POST /portal/import/{id}/stop", p.importStop)
	a("GET /portal/import/{id}/failed.csv", p.importFailed)
	a("GET /portal/webhooks", p.webhooks)
	a("POST /portal/webhooks", p.webhooksEdit)
	a("GET /portal/webhooks/{id}", p.webhook)
	a("POST /portal/webhooks/{id}", p.webhookEdit)
	a("GET /portal/roles", p.roles)
	a("POST /portal/roles", p.createRole)
	a("GET /portal/accounts", p.accounts)
	a("POST /portal/accounts", p.accountsEdit)
	a("GET /portal/teams", p.teams)
	a("POST /portal/teams", p.teamsEdit)
	a("GET /portal/numbers", p.numbers)
	a("POST /portal/numbers", p.numbersEdit)
	a("GET /portal/connections", p.connections)
	a("POST /portal/connections", p.connectionsEdit)
	a("GET /portal/settings", p.settings)
	a("POST /portal/settings", p.settingsEdit)
	a("GET /portal/audit", p.audit)
	p.mux.HandleFunc("/portal/", func(w http.ResponseWriter, r *http.Request) {
		p.page(w, r, http.StatusNotFound, "message", view{Title: "Not found", Message: "There is no such page in the portal."})
	})
}

type ctxKey int

const requestIDKey ctxKey = 0

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// securityHeaders go on every answer: no inline script or style, no
// framing, no referrer leaking tokens in query strings.
var securityHeaders = map[string]string{
	"Content-Security-Policy":    cspSelf,
	"X-Frame-Options":            "DENY",
	"X-Content-Type-Options":     "nosniff",
	"Referrer-Policy":            "no-referrer",
	"Cross-Origin-Opener-Policy": "same-origin",
	"Cache-Control":              "no-store",
	"Permissions-Policy":         "camera=(), microphone=(), geolocation=(), payment=()",
}

// The Content-Security-Policy: no inline script or style, nothing from
// elsewhere, no framing. Forms post to the portal only, except on the
// sign-in pages, whose forms redirect on to the tenant's identity provider
// (browsers check form-action on those redirects too).
const (
	cspSelf = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	cspSignIn = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'"
)

// base sets the security headers and a request id, and turns a panic into
// a plain error page.
func (p *Portal) base(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range securityHeaders {
			h.Set(k, v)
		}
		if p.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		h.Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				p.log.ErrorContext(r.Context(), "panic", "panic", v, "stack", string(debug.Stack()), "request_id", id)
				http.Error(w, "internal error (request id "+id+")", http.StatusInternalServerError)
			}
		}()
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		p.log.DebugContext(r.Context(), "portal request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration", time.Since(start), "request_id", id)
	})
}

// statusWriter remembers the status written, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
