// Package scim is scimd's SCIM 2.0 protocol layer (RFC 7643, RFC 7644,
// RFC 9865): routing, authentication, the resource handlers, filters, PATCH,
// ETags, paging and errors. It speaks HTTP and JSON; records and their
// persistence live in the store, conversion in mapping.
//
// github.com/elimity-com/scim supplies the schema definitions (served at
// /Schemas and converted into scimd's registry) and the error document.
// Its request handling is not used: it has no sorting, projection pushdown
// into the store, ETags, cursor paging or row-level member changes, so
// scimd's own router and handlers sit in front of the store.
package scim

import (
	"context"
	"errors"
	"net/netip"
	"path"

	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/semaphore"

	"golang.org/x/time/rate"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

// BasePath is where the SCIM API is served.
const BasePath = "/scim/v2"

// contentType is the media type RFC 7644 §8.1 registers, which has no
// parameters (RFC 8259 defines no charset for JSON). Requests may still
// carry one.
const contentType = "application/scim+json"

// Config configures a Server. Zero values take the defaults noted.
type Config struct {
	Store store.Store
	// Accounts is the account layer every write goes through (default: one
	// over Store with PasswordCost and the limits here).
	Accounts *account.Service
	// MaxBodyBytes limits request bodies (default 1 MiB); larger ones get 413.
	MaxBodyBytes int64
	// MaxResults is the most resources one page returns (default 1000);
	// larger counts are capped. Advertised as filter.maxResults.
	MaxResults int
	// DefaultPageSize is the page size when a request names no count (100).
	DefaultPageSize int
	// CursorTimeout is how long a paging cursor stays valid (1 hour).
	CursorTimeout time.Duration
	// RateLimit is requests per second per token; 0 turns limiting off.
	RateLimit float64
	// RateBurst is the burst allowed above RateLimit (default 2x the rate).
	RateBurst int
	// TokenCacheTTL is how long a verified token is trusted without asking
	// the database again (default 10s); revocation takes effect within it.
	TokenCacheTTL time.Duration
	// PasswordCost is the bcrypt cost for stored passwords (default 10).
	PasswordCost int
	// Logger receives request logs (default slog.Default()).
	Logger *slog.Logger

	// DBTimeout bounds the database time of one request (default 5s): a
	// database that hangs answers 503 with Retry-After instead of hanging
	// every request.
	DBTimeout time.Duration
	// MaxValues caps the values of one multi-valued attribute of a user
	// (default store.DefaultMaxValues).
	MaxValues int
	// MaxOperations caps the operations of one PATCH request (default 1000).
	MaxOperations int
	// MaxBulkOperations caps the operations of one Bulk request (default
	// DefaultMaxBulkOperations); its payload is capped by MaxBodyBytes.
	MaxBulkOperations int
	// MaxInflightBytes bounds the request bodies being handled at once
	// (default 4 MiB: four maximum-size bodies, or thousands of the few
	// kilobytes IdPs send); a request that would pass it answers 503 with
	// Retry-After, so that parallel large bodies cannot exhaust memory
	// (decoding a 1 MiB body of small JSON values takes some 40 MB).
	MaxInflightBytes int64
	// AuthFailLimit is failed authentications per second allowed per client
	// address (default 5; negative turns the limit off), with a burst of
	// AuthFailBurst (default 20); beyond them, 429 with Retry-After.
	AuthFailLimit float64
	AuthFailBurst int
	// TrustedProxies are the proxies whose X-Forwarded-Proto, -Host and
	// -For headers are believed; from any other client they are ignored.
	TrustedProxies []netip.Prefix
}

// Defaults of the limits in Config.
const (
	DefaultMaxBodyBytes     = 1 << 20
	DefaultMaxResults       = 1000
	DefaultPageSize         = 100
	DefaultDBTimeout        = 5 * time.Second
	DefaultMaxOperations    = 1000
	DefaultMaxInflightBytes = 4 << 20
	DefaultAuthFailLimit    = 5
	DefaultAuthFailBurst    = 20
)

// Validate refuses settings that make no sense (a negative limit, a page
// size of zero), which NewServer would otherwise replace with defaults
// silently. Zero values mean the default.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		bad  bool
	}{
		{"max-body-bytes must be positive", c.MaxBodyBytes < 0},
		{"max-results must be at least 1", c.MaxResults < 0},
		{"page-size must be at least 1", c.DefaultPageSize < 0},
		{"page-size must not be larger than max-results", c.MaxResults > 0 && c.DefaultPageSize > c.MaxResults},
		{"cursor-timeout must be positive", c.CursorTimeout < 0},
		{"rate-limit must not be negative", c.RateLimit < 0},
		{"rate-burst must not be negative", c.RateBurst < 0},
		{"db-timeout must be positive", c.DBTimeout < 0},
		{"max-values must be at least 1", c.MaxValues < 0},
		{"max-operations must be at least 1", c.MaxOperations < 0},
		{"max-inflight-bytes must not be smaller than max-body-bytes", c.MaxInflightBytes < 0 ||
			(c.MaxInflightBytes > 0 && c.MaxInflightBytes < max(c.MaxBodyBytes, 1))},
	} {
		if f.bad {
			return errors.New(f.name)
		}
	}
	return nil
}

// Server serves the SCIM API of every tenant.
type Server struct {
	cfg      Config
	store    store.Store
	acct     *account.Service
	reg      *mapping.Registry
	log      *slog.Logger
	tokens   *tokenCache
	limiters *limiters
	cursors  *cursorCodec
	now      func() time.Time

	limits       store.Limits
	authFailures failureLimiter
	inflight     *semaphore.Weighted
	outage       outageLog
}

// NewServer returns a Server over the store in cfg.
func NewServer(cfg Config) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxResults <= 0 {
		cfg.MaxResults = DefaultMaxResults
	}
	if cfg.DefaultPageSize <= 0 {
		cfg.DefaultPageSize = DefaultPageSize
	}
	if cfg.DBTimeout <= 0 {
		cfg.DBTimeout = DefaultDBTimeout
	}
	if cfg.MaxValues <= 0 {
		cfg.MaxValues = store.DefaultMaxValues
	}
	if cfg.MaxOperations <= 0 {
		cfg.MaxOperations = DefaultMaxOperations
	}
	if cfg.MaxBulkOperations <= 0 {
		cfg.MaxBulkOperations = DefaultMaxBulkOperations
	}
	if cfg.MaxInflightBytes <= 0 {
		cfg.MaxInflightBytes = max(DefaultMaxInflightBytes, cfg.MaxBodyBytes)
	}
	if cfg.AuthFailLimit == 0 {
		cfg.AuthFailLimit = DefaultAuthFailLimit
	}
	if cfg.AuthFailBurst <= 0 {
		cfg.AuthFailBurst = DefaultAuthFailBurst
	}
	cfg.DefaultPageSize = min(cfg.DefaultPageSize, cfg.MaxResults)
	if cfg.CursorTimeout <= 0 {
		cfg.CursorTimeout = time.Hour
	}
	if cfg.TokenCacheTTL == 0 {
		cfg.TokenCacheTTL = 10 * time.Second
	}
	if cfg.PasswordCost == 0 {
		cfg.PasswordCost = 10
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = max(1, int(2*cfg.RateLimit))
	}
	s := &Server{
		cfg:    cfg,
		store:  cfg.Store,
		reg:    mapping.NewRegistry(),
		log:    cfg.Logger,
		tokens: newTokenCache(cfg.TokenCacheTTL),
		now:    time.Now,
	}
	if cfg.RateLimit > 0 {
		s.limiters = newLimiters(rate.Limit(cfg.RateLimit), cfg.RateBurst)
	}
	if cfg.AuthFailLimit > 0 {
		s.authFailures = failureLimiter{newLimiters(rate.Limit(cfg.AuthFailLimit), cfg.AuthFailBurst)}
	}
	s.limits = store.Limits{MaxValues: cfg.MaxValues}
	s.acct = cfg.Accounts
	if s.acct == nil {
		s.acct = account.New(account.Config{Store: cfg.Store, PasswordCost: cfg.PasswordCost, Limits: s.limits, Logger: cfg.Logger})
	}
	s.inflight = semaphore.NewWeighted(cfg.MaxInflightBytes)
	s.cursors = &cursorCodec{store: cfg.Store, timeout: cfg.CursorTimeout, now: func() time.Time { return s.now() }}
	return s
}

// Handler returns the HTTP handler: the SCIM API under BasePath, plus
// /healthz (the process is up) and /readyz (the database answers).
func (s *Server) Handler() http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("/ServiceProviderConfig", s.get(s.serviceProviderConfig))
	api.HandleFunc("/Schemas", s.get(s.listSchemas))
	api.HandleFunc("/Schemas/{id}", s.get(s.getSchema))
	api.HandleFunc("/ResourceTypes", s.get(s.listResourceTypes))
	api.HandleFunc("/ResourceTypes/{id}", s.get(s.getResourceType))
	api.Handle("/Users", s.auth(methods{http.MethodGet: s.listUsers, http.MethodPost: s.createUser}))
	api.Handle("/Users/.search", s.auth(methods{http.MethodPost: s.searchUsers}))
	api.Handle("/Users/{id}", s.auth(methods{
		http.MethodGet: s.getUser, http.MethodPut: s.replaceUser, http.MethodPatch: s.patchUser, http.MethodDelete: s.deleteUser,
	}))
	api.Handle("/Groups", s.auth(methods{http.MethodGet: s.listGroups, http.MethodPost: s.createGroup}))
	api.Handle("/Groups/.search", s.auth(methods{http.MethodPost: s.searchGroups}))
	api.Handle("/Groups/{id}", s.auth(methods{
		http.MethodGet: s.getGroup, http.MethodPut: s.replaceGroup, http.MethodPatch: s.patchGroup, http.MethodDelete: s.deleteGroup,
	}))
	api.Handle("/.search", s.auth(methods{http.MethodPost: s.searchRoot}))
	api.Handle("/Bulk", s.bulkHandler())
	api.Handle("/Me", s.auth(http.HandlerFunc(notImplemented("/Me is not supported: tokens belong to IdP connections, not users"))))
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, notFound("no SCIM endpoint at %s: see %s/ResourceTypes", r.URL.Path, BasePath))
	})

	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	root.HandleFunc("GET /readyz", s.ready)
	root.Handle(BasePath+"/", http.StripPrefix(BasePath, s.limitBody(api)))
	return s.logRequests(s.recover(s.withOrigin(cleanPaths(root))))
}

// readyTimeout bounds /readyz: a hung database must not hang the probe.
const readyTimeout = time.Second

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

// cleanPaths answers a path with "..", "." or empty segments under the
// SCIM base with a SCIM 404, where net/http's mux would answer a plain 307
// redirect that no SCIM client expects.
func cleanPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, BasePath+"/") && path.Clean(p) != strings.TrimSuffix(p, "/") {
			writeError(w, r, notFound("no SCIM endpoint at %q: paths may not hold \"..\", \".\" or empty segments", p))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// methods dispatches on the HTTP method, answering others with a SCIM 405.
type methods map[string]http.HandlerFunc

func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if id := r.PathValue("id"); !validText(id) {
		// No resource has such an id; the database must not see it
		// (PostgreSQL refuses NUL and invalid UTF-8 with an error).
		writeError(w, r, notFound("no resource has the id %q", id))
		return
	}
	if h, ok := m[r.Method]; ok {
		h(w, r)
		return
	}
	allowed := make([]string, 0, len(m))
	for k := range m {
		allowed = append(allowed, k)
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeError(w, r, &Error{Status: http.StatusMethodNotAllowed,
		Detail: r.Method + " is not allowed here; allowed: " + strings.Join(allowed, ", ")})
}

// get serves a discovery endpoint: GET only, no authentication (RFC 7644
// §4 lets discovery be read before a client has credentials).
func (s *Server) get(h http.HandlerFunc) http.HandlerFunc {
	return methods{http.MethodGet: h}.ServeHTTP
}

// validText reports whether s is valid UTF-8 without NUL characters: text
// every backend can store and compare.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func notImplemented(detail string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, &Error{Status: http.StatusNotImplemented, Detail: detail})
	}
}
