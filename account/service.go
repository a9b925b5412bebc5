package account

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/scimd/scimd/store"
)

// Config configures a Service. Zero values take the defaults noted.
type Config struct {
	Store store.Store
	// PasswordCost is the bcrypt cost (default 10).
	PasswordCost int
	// Limits bounds what one user may hold.
	Limits store.Limits
	// InvitationTTL is how long an invitation link works (7 days).
	InvitationTTL time.Duration
	// LoginLinkTTL is how long a sign-in link works (15 minutes).
	LoginLinkTTL time.Duration
	// SessionIdle and SessionMax end a portal session after that long
	// without a request, or that long after sign-in (30 minutes, 12 hours).
	SessionIdle, SessionMax time.Duration
	// PublicURL is the base of the links in mails (default http://localhost:8080).
	PublicURL string
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultInvitationTTL = 7 * 24 * time.Hour
	DefaultLoginLinkTTL  = 15 * time.Minute
	DefaultSessionIdle   = 30 * time.Minute
	DefaultSessionMax    = 12 * time.Hour
)

// Service is the account domain of every tenant.
type Service struct {
	st  store.Store
	cfg Config
	now func() time.Time
	log *slog.Logger

	tenants  tenantCache
	attempts attempts
	uses     tokenUses
	imports  importRunner
}

// New returns a Service over the store in cfg.
func New(cfg Config) *Service {
	if cfg.PasswordCost == 0 {
		cfg.PasswordCost = 10
	}
	if cfg.InvitationTTL <= 0 {
		cfg.InvitationTTL = DefaultInvitationTTL
	}
	if cfg.LoginLinkTTL <= 0 {
		cfg.LoginLinkTTL = DefaultLoginLinkTTL
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionMax <= 0 {
		cfg.SessionMax = DefaultSessionMax
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://localhost:8080"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{st: cfg.Store, cfg: cfg, now: func() time.Time { return cfg.Now().UTC() }, log: cfg.Logger,
		tenants: tenantCache{m: map[string]tenantEntry{}}}
}

// Store is the store the service writes to (for reads an edge makes
// itself, such as SCIM listings).
func (s *Service) Store() store.Store { return s.st }

// PublicURL is the base of the links the service makes.
func (s *Service) PublicURL() string { return s.cfg.PublicURL }

// tenantCacheTTL bounds how stale a tenant's settings and custom roles may
// be on another instance after a change; this instance drops its entry at
// once.
const tenantCacheTTL = 5 * time.Second

// tenantCache holds each tenant's settings and custom roles for a short
// time: every write needs them (default entitlements, role names), and
// reading them in every transaction would add two round trips to a POST.
type tenantCache struct {
	mu sync.Mutex
	m  map[string]tenantEntry
}

type tenantEntry struct {
	tenant store.Tenant
	cat    catalogue
	until  time.Time
}

// tenant returns a tenant's record and role catalogue.
func (s *Service) tenant(ctx context.Context, tenantID string) (store.Tenant, catalogue, error) {
	now := s.now()
	s.tenants.mu.Lock()
	e, ok := s.tenants.m[tenantID]
	s.tenants.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.tenant, e.cat, nil
	}
	r := s.st.Reader()
	t, err := r.GetTenant(ctx, tenantID)
	if err != nil {
		if KindOf(err) == NotFound {
			return t, nil, &Error{Kind: Unauthenticated, Message: "the tenant no longer exists", Err: err}
		}
		return t, nil, err
	}
	roles, err := r.Roles(ctx, tenantID)
	if err != nil {
		return t, nil, err
	}
	e = tenantEntry{tenant: t, cat: newCatalogue(roles), until: now.Add(tenantCacheTTL)}
	s.tenants.mu.Lock()
	if len(s.tenants.m) > 10000 {
		clear(s.tenants.m)
	}
	s.tenants.m[tenantID] = e
	s.tenants.mu.Unlock()
	return e.tenant, e.cat, nil
}

// forgetTenant drops a tenant's cached settings and roles after a change.
func (s *Service) forgetTenant(tenantID string) {
	s.tenants.mu.Lock()
	delete(s.tenants.m, tenantID)
	s.tenants.mu.Unlock()
}

// checkTenant refuses an actor acting on another tenant than its own.
func checkTenant(a Actor, tenantID string) error {
	if a.Kind == ActorOperator || a.TenantID == tenantID {
		return nil
	}
	return notFound("no such tenant")
}

// Expect is an If-Match precondition: the versions a write may apply to.
// A nil Expect matches any version.
type Expect []int64

// AnyVersion matches every version.
var AnyVersion Expect

func (e Expect) check(version int64) error {
	if e == nil {
		return nil
	}
	for _, v := range e {
		if v == version {
			return nil
		}
	}
	return ErrPrecondition
}
