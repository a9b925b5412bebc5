package adminapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scimd/scimd/account"
)

// Prefix is where the API is served; the caller mounts Handler at "/api/".
const Prefix = "/api/v1"

// CookieName is the portal session cookie that authenticates the API.
const CookieName = "scimd_session"

// MaxBodyBytes bounds request bodies; larger ones are answered 413.
const MaxBodyBytes = 1 << 20

// LinkPath is where the sign-in links of `scimd admin login-link` point.
const LinkPath = "/portal/login/link"

// Config configures an API.
type Config struct {
	// Accounts is the account layer every call goes through.
	Accounts *account.Service
	// Logger receives request logs and the causes of internal errors
	// (default slog.Default()).
	Logger *slog.Logger
	// Secure marks the session cookie Secure: set it when the public URL
	// is https.
	Secure bool
}

// API serves the admin API of every tenant; each session sees its own.
type API struct {
	acct   *account.Service
	log    *slog.Logger
	secure bool
	cop    *http.CrossOriginProtection
	mux    *http.ServeMux
}

// New returns the API over the account service in cfg.
func New(cfg Config) *API {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	a := &API{acct: cfg.Accounts, log: cfg.Logger, secure: cfg.Secure, cop: http.NewCrossOriginProtection(),
		mux: http.NewServeMux()}
	a.routes()
	return a
}

// Handler serves the paths under /api/v1/ (anything else under /api/ is a
// JSON 404). Every request needs a live session cookie.
func (a *API) Handler() http.Handler {
	return a.base(http.HandlerFunc(a.serveAPI))
}

// session is the signed-in member a request acts as.
type session struct {
	actor  account.Actor
	signed account.SignedIn
}

// tenant is the tenant every call of the request is confined to: the
// session's, never one named by the request.
func (s *session) tenant() string { return s.signed.TenantID }

func (s *session) userID() string { return s.signed.User.ID }

// handler is one endpoint's code: it writes its answer, or returns the
// error that writeError answers with.
type handler func(w http.ResponseWriter, r *http.Request, s *session) error

// endpoint is a handler with what it admits.
type endpoint struct {
	h handler
	// query lists the query parameters it takes; others are refused.
	query []string
	// lead, when set, lets a Team Leader's session call the endpoint when
	// it returns true (administrators may call every endpoint).
	lead func(r *http.Request, s *session) bool
	// scope, when set, lets an API key carrying it call the endpoint.
	scope string
}

// methods maps HTTP methods to endpoints of one path.
type methods map[string]endpoint

func always(*http.Request, *session) bool { return true }

// own admits a request about the session's own user.
func own(r *http.Request, s *session) bool { return r.PathValue("id") == s.userID() }

// routes registers every endpoint. Paths hold no method: the dispatcher
// answers a wrong method with a JSON 405 naming the allowed ones.
func (a *API) routes() {
	list := []string{"limit", "cursor"}
	h := func(p string, m methods) { a.mux.Handle(Prefix+p, a.dispatch(m)) }

	h("/me", methods{http.MethodGet: {h: a.me, lead: always}})
	h("/logout", methods{http.MethodPost: {h: a.logout, lead: always}})
	h("/myteam", methods{http.MethodGet: {h: a.myTeam, query: list, lead: always}})
	h("/stats", methods{http.MethodGet: {h: a.stats}})

	h("/users", methods{http.MethodGet: {h: a.listUsers, query: append([]string{"state", "q"}, list...)}})
	h("/users/{id}", methods{
		http.MethodGet:    {h: a.getUser, lead: own},
		http.MethodPatch:  {h: a.patchUser},
		http.MethodDelete: {h: a.deleteUser},
	})
	h("/users/{id}/access", methods{http.MethodGet: {h: a.userAccess, lead: own}})
	h("/users/{id}/deactivate", methods{http.MethodPost: {h: a.lifecycle(a.acct.Deactivate)}})
	h("/users/{id}/reactivate", methods{http.MethodPost: {h: a.lifecycle(a.acct.Reactivate)}})
	h("/users/{id}/repair", methods{http.MethodPost: {h: a.lifecycle(a.acct.Repair)}})

	h("/invitations", methods{http.MethodPost: {h: a.invite}})
	h("/invitations/{id}", methods{http.MethodDelete: {h: a.cancelInvitation}})
	h("/invitations/{id}/resend", methods{http.MethodPost: {h: a.resendInvitation}})
	h("/owner", methods{http.MethodPost: {h: a.transferOwner}})

	h("/roles", methods{http.MethodGet: {h: a.listRoles, query: list}, http.MethodPost: {h: a.createRole}})
	h("/roles/{id}", methods{http.MethodGet: {h: a.getRole}, http.MethodPatch: {h: a.patchRole}, http.MethodDelete: {h: a.deleteRole}})

	h("/accounts", methods{http.MethodGet: {h: a.listNodes, query: list}, http.MethodPost: {h: a.createNode}})
	h("/accounts/{id}", methods{http.MethodGet: {h: a.getNode}, http.MethodPatch: {h: a.patchNode}, http.MethodDelete: {h: a.deleteNode}})

	h("/teams", methods{http.MethodGet: {h: a.listTeams, query: list}, http.MethodPost: {h: a.createTeam}})
	h("/teams/{id}", methods{http.MethodGet: {h: a.getTeam}, http.MethodPatch: {h: a.patchTeam}, http.MethodDelete: {h: a.deleteTeam}})
	h("/teams/{id}/members/{userId}", methods{http.MethodPut: {h: a.seatMember}, http.MethodDelete: {h: a.unseatMember}})

	h("/numbers", methods{http.MethodGet: {h: a.listNumbers, query: list}, http.MethodPost: {h: a.parkNumber}})
	h("/numbers/{number}", methods{http.MethodDelete: {h: a.unparkNumber}})

	h("/locations", methods{http.MethodGet: {h: a.listLocations, query: list}, http.MethodPost: {h: a.createLocation}})
	h("/locations/{id}", methods{
		http.MethodGet: {h: a.getLocation}, http.MethodPatch: {h: a.patchLocation}, http.MethodDelete: {h: a.deleteLocation},
	})

	h("/import/template.csv", methods{http.MethodGet: {h: a.importTemplate}})
	h("/import/validate", methods{http.MethodPost: {h: a.validateImport, query: importQuery}})
	h("/import/jobs", methods{http.MethodGet: {h: a.listImports, query: list}, http.MethodPost: {h: a.startImport, query: importQuery}})
	h("/import/jobs/{id}", methods{http.MethodGet: {h: a.getImport}})
	h("/import/jobs/{id}/stop", methods{http.MethodPost: {h: a.stopImport}})
	h("/import/jobs/{id}/results", methods{http.MethodGet: {h: a.importResults}})
	h("/import/jobs/{id}/failed.csv", methods{http.MethodGet: {h: a.failedRows}})

	h("/audit", methods{http.MethodGet: {h: a.audit, query: append([]string{"user", "actor", "since"}, list...)}})

	h("/events", methods{http.MethodGet: {h: a.events, query: []string{"after", "limit"}, scope: account.ScopeEventsRead}})
	h("/webhooks", methods{http.MethodGet: {h: a.listWebhooks, query: list}, http.MethodPost: {h: a.createWebhook}})
	h("/webhooks/{id}", methods{http.MethodGet: {h: a.getWebhook}, http.MethodPatch: {h: a.patchWebhook}, http.MethodDelete: {h: a.deleteWebhook}})
	h("/webhooks/{id}/deliveries", methods{http.MethodGet: {h: a.listDeliveries, query: []string{"limit"}}})
	h("/webhooks/{id}/deliveries/{deliveryId}/attempts", methods{http.MethodGet: {h: a.listAttempts}})
	h("/webhooks/{id}/deliveries/{deliveryId}/resend", methods{http.MethodPost: {h: a.resendDelivery}})

	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, r, noEndpoint(r.URL.Path))
	})
}

func noEndpoint(p string) error {
	return &httpError{status: http.StatusNotFound, code: account.NotFound.String(),
		msg: fmt.Sprintf("no admin API endpoint at %s (the API lives under %s/)", p, Prefix)}
}

// teamLeadOnly is the refusal of an administrator's endpoint to a Team
// Leader's session.
const teamLeadOnly = "a Team Leader's session may read only My Team (GET /api/v1/myteam) and its own user; the rest of the admin API is for administrators"

// dispatch picks the endpoint for the request's method and checks what
// the endpoint admits before calling it.
func (a *API) dispatch(m methods) http.Handler {
	allowed := make([]string, 0, len(m))
	for k := range m {
		allowed = append(allowed, k)
	}
	slices.Sort(allowed)
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, ok := m[r.Method]
		if !ok {
			w.Header().Set("Allow", allow)
			a.writeError(w, r, &httpError{status: http.StatusMethodNotAllowed, code: account.Invalid.String(),
				msg: fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow)})
			return
		}
		s := sessionOf(r.Context())
		if s.actor.Kind == account.ActorAPIKey {
			if ep.scope == "" {
				a.writeError(w, r, &account.Error{Kind: account.Forbidden, Message: apiKeyOnly})
				return
			}
		} else if s.signed.Access != account.PortalAdmin && (ep.lead == nil || !ep.lead(r, s)) {
			a.writeError(w, r, &account.Error{Kind: account.Forbidden, Message: teamLeadOnly})
			return
		}
		if err := checkQuery(r, ep.query); err != nil {
			a.writeError(w, r, err)
			return
		}
		if err := ep.h(w, r, s); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// checkQuery refuses query parameters the endpoint does not take, and
// parameters given twice, so that a typo is not silently ignored.
func checkQuery(r *http.Request, known []string) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return invalid("", "the query string is malformed: %v", err)
	}
	for k, v := range q {
		if !slices.Contains(known, k) {
			if len(known) == 0 {
				return invalid(k, "unknown query parameter %q: this endpoint takes none", k)
			}
			return invalid(k, "unknown query parameter %q: this endpoint takes %s", k, strings.Join(known, ", "))
		}
		if len(v) > 1 {
			return invalid(k, "query parameter %q is given %d times: give it once", k, len(v))
		}
		if !validText(v[0]) {
			return invalid(k, "query parameter %q must be UTF-8 text without NUL characters", k)
		}
	}
	return nil
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
	sessionKey
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func sessionOf(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey).(*session)
	return s
}

// serveAPI confines the request to /api/v1, refuses cross-site writes,
// authenticates the session and routes.
func (a *API) serveAPI(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if !validText(p) || path.Clean(p) != p || (p != Prefix && !strings.HasPrefix(p, Prefix+"/")) {
		a.writeError(w, r, noEndpoint(p))
		return
	}
	// Browsers send a session cookie along with requests other sites
	// make; net/http's check of Sec-Fetch-Site and Origin refuses the
	// state-changing ones (it lets GET, HEAD and OPTIONS through).
	if err := a.cop.Check(r); err != nil {
		a.writeError(w, r, &account.Error{Kind: account.Forbidden,
			Message: "cross-site requests may not change anything: send the request from the portal's own origin", Err: err})
		return
	}
	s, err := a.authenticate(r)
	if err != nil {
		if account.KindOf(err) == account.Unauthenticated {
			a.clearCookie(w)
		}
		a.writeError(w, r, err)
		return
	}
	limit := bodyLimit(p)
	if r.ContentLength > limit {
		a.writeError(w, r, tooLarge())
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	a.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey, s)))
}

func unauthenticated(msg string) error {
	return &account.Error{Kind: account.Unauthenticated, Message: msg}
}

// authenticate finds the member behind the session cookie. SCIM bearer
// tokens are refused: they are IdP connections' credentials, not people's.
func (a *API) authenticate(r *http.Request) (*session, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		if scheme, key, _ := strings.Cut(auth, " "); strings.EqualFold(scheme, "Bearer") {
			if strings.HasPrefix(strings.TrimSpace(key), account.APIKeyPrefix) {
				return a.apiKeySession(r, key)
			}
			return nil, unauthenticated("the admin API does not take bearer tokens (SCIM tokens are for IdP connections): sign in to the portal, whose session cookie authenticates the API")
		}
	}
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return nil, unauthenticated("sign in first: the admin API is authenticated by the portal's session cookie (scimd admin login-link prints a sign-in link)")
	}
	actor, signed, err := a.acct.Session(r.Context(), c.Value, requestID(r.Context()))
	if err != nil {
		if k := account.KindOf(err); k == account.NotFound || k == account.Unauthenticated {
			return nil, &account.Error{Kind: account.Unauthenticated, Err: err,
				Message: "the session has ended (signed out, expired, idle too long, or the account lost its access): sign in again"}
		}
		return nil, err
	}
	return &session{actor: actor, signed: signed}, nil
}

// base gives every request an id, headers that keep answers out of caches
// and other sites' frames, a recovery from panics and one log line.
func (a *API) base(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID(id) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		h := w.Header()
		h.Set("X-Request-Id", id)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.ErrorContext(ctx, "panic", "value", fmt.Sprint(v), "stack", string(debug.Stack()), "request_id", id)
				if sw.status == 0 {
					a.writeError(sw, r, fmt.Errorf("panic: %v", v))
				}
			}
			level := slog.LevelDebug
			if sw.status >= http.StatusInternalServerError {
				level = slog.LevelWarn
			}
			a.log.Log(ctx, level, "admin api request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"duration", time.Since(start), "request_id", id)
		}()
		next.ServeHTTP(sw, r)
	})
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// statusWriter records the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// validText reports whether s is UTF-8 without NUL characters: text every
// backend can store and compare (PostgreSQL refuses NUL with an error).
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
