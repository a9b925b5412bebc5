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
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

// BasePath is where the SCIM API is served.
const BasePath = "/scim/v2"

const contentType = "application/scim+json; charset=utf-8"

// Config configures a Server. Zero values take the defaults noted.
type Config struct {
	Store store.Store
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
}

// Server serves the SCIM API of every tenant.
type Server struct {
	cfg      Config
	store    store.Store
	reg      *mapping.Registry
	log      *slog.Logger
	tokens   *tokenCache
	limiters *limiters
	cursors  *cursorCodec
	now      func() time.Time
}

// NewServer returns a Server over the store in cfg.
func NewServer(cfg Config) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxResults <= 0 {
		cfg.MaxResults = 1000
	}
	if cfg.DefaultPageSize <= 0 {
		cfg.DefaultPageSize = 100
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
	api.Handle("/Bulk", s.auth(http.HandlerFunc(notImplemented("bulk operations are not supported (see /ServiceProviderConfig)"))))
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
	return s.logRequests(s.recover(root))
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
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
