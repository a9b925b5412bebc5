// Package store holds scimd's persistent records and the interface every
// backend implements. It knows nothing of HTTP or SCIM JSON: the scim package
// speaks the protocol, the mapping package converts, and the backends beneath
// this package (store/sqlstore) persist.
package store

import (
	"context"
	"time"
)

// Store is everything scimd persists. Each method is one transaction: a
// failure leaves nothing half-written.
type Store interface {
	Tenants
	Users
	Groups
	Outbox
	Imports
	Feed
	Webhooks

	// InTx runs fn in one transaction: the account layer writes a change,
	// its audit record and its outbox rows together. fn may run more than
	// once (a deadlock or serialization failure is retried), so it must
	// only touch the database through tx. Its error, if any, rolls back.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// Reader reads outside a transaction with the same methods as Tx's
	// readers, for lookups that need no lock.
	Reader() Reader

	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Secret returns a stable random secret named name, creating it on first
	// use (used to sign paging cursors so they survive restarts).
	Secret(ctx context.Context, name string) ([]byte, error)
	// Close releases the database connections.
	Close() error
}

// Tenants manages customer accounts and the bearer tokens of their IdP
// connections.
type Tenants interface {
	// CreateTenant creates a tenant; ErrConflict if the name is taken.
	CreateTenant(ctx context.Context, name string) (Tenant, error)
	// TenantByName finds a tenant; ErrNotFound if there is none.
	TenantByName(ctx context.Context, name string) (Tenant, error)
	// ListTenants lists all tenants by name.
	ListTenants(ctx context.Context) ([]Tenant, error)
	// CountTenant counts what a tenant holds; ErrNotFound if there is none.
	CountTenant(ctx context.Context, tenantID string) (TenantCounts, error)
	// DeleteTenant deletes a tenant with all of its data and tokens in one
	// transaction, bumps the auth generation, and returns what it deleted.
	DeleteTenant(ctx context.Context, tenantID string) (TenantCounts, error)
	// AuthGeneration is a counter bumped whenever credentials stop being
	// valid (a token revoked, a tenant deleted): servers poll it to drop
	// what they have cached.
	AuthGeneration(ctx context.Context) (int64, error)

	// CreateToken stores a token; only its hash is kept.
	CreateToken(ctx context.Context, tok Token) (Token, error)
	// TokenByHash finds the live token with this hash: ErrNotFound if it does
	// not exist, was revoked or has expired at now.
	TokenByHash(ctx context.Context, hash []byte, now time.Time) (Token, error)
	// ListTokens lists a tenant's tokens, newest first.
	ListTokens(ctx context.Context, tenantID string) ([]Token, error)
	// RevokeToken marks a token revoked and bumps the auth generation;
	// ErrNotFound if the tenant has no such token.
	RevokeToken(ctx context.Context, tenantID, tokenID string, at time.Time) error
}

// Users persists SCIM users.
type Users interface {
	// CreateUser inserts u (u.ID, timestamps and version are set by the
	// store). ErrConflict names the attribute that clashed.
	CreateUser(ctx context.Context, u *User) error
	// GetUser loads one user with the parts named in load.
	GetUser(ctx context.Context, tenantID, id string, load Load) (*User, error)
	// UpdateUser loads the user inside a transaction, calls update on it and
	// stores the result: read-modify-write races are impossible by
	// construction. update may return an error (e.g. ErrPrecondition) to abort.
	UpdateUser(ctx context.Context, tenantID, id string, update func(u *User) error) (*User, error)
	// DeleteUser removes the user and its memberships. check, if not nil,
	// sees the user first and may veto with an error.
	DeleteUser(ctx context.Context, tenantID, id string, check func(u *User) error) error
	// ListUsers answers a query with one page.
	ListUsers(ctx context.Context, tenantID string, q Query) (*Page[*User], error)
}

// Groups persists SCIM groups. Membership changes are row operations: a
// group's member list is never loaded to change one member.
type Groups interface {
	// CreateGroup inserts g with its members.
	CreateGroup(ctx context.Context, g *Group) error
	// GetGroup loads one group; members only if load has LoadMembers.
	GetGroup(ctx context.Context, tenantID, id string, load Load) (*Group, error)
	// UpdateGroup loads the group (without members) in a transaction and lets
	// update change its attributes and its members through m.
	UpdateGroup(ctx context.Context, tenantID, id string, update func(g *Group, m Members) error) (*Group, error)
	// EditMembers changes only the membership of a group. Unlike
	// UpdateGroup it does not lock the group row while members are resolved
	// and written; the row is locked only for the version bump at the end,
	// so concurrent member changes to one group overlap as far as they can.
	EditMembers(ctx context.Context, tenantID, id string, edit func(m Members) error) (*Group, error)
	// DeleteGroup removes a group; check as in DeleteUser.
	DeleteGroup(ctx context.Context, tenantID, id string, check func(g *Group) error) error
	// ListGroups answers a query with one page.
	ListGroups(ctx context.Context, tenantID string, q Query) (*Page[*Group], error)
}

// Members edits one group's membership inside UpdateGroup's transaction.
type Members interface {
	// Add adds members by id; ids already present are left alone. An id that
	// is neither a user nor a group of the tenant is an ErrInvalid.
	Add(ctx context.Context, ids []string) error
	// Remove removes the given member ids; absent ids are ignored.
	Remove(ctx context.Context, ids []string) error
	// RemoveAll empties the group.
	RemoveAll(ctx context.Context) error
	// List loads the current members (for PATCH filters beyond value eq).
	List(ctx context.Context) ([]Member, error)
}

// Load says which parts of a resource to read besides its own row.
type Load uint8

// Parts of a resource that live in child tables.
const (
	LoadValues    Load = 1 << iota // users: emails, phoneNumbers, ... (user_values)
	LoadAddresses                  // users: addresses
	LoadGroups                     // users: the read-only groups attribute
	LoadMembers                    // groups: members
	LoadDomain                     // users and groups: grants, agent IDs, teams, voice (User.Domain, Group.Domain)

	LoadAll = LoadValues | LoadAddresses | LoadGroups | LoadMembers | LoadDomain
)

// Tenant is one customer account.
type Tenant struct {
	ID        string
	Name      string
	CreatedAt time.Time
	Settings  TenantSettings
}

// TenantCounts says how much a tenant holds.
type TenantCounts struct {
	Users, Groups, Tokens int
}

// Client profiles of an IdP connection: which IdP's dialect of SCIM its
// requests speak (see the scim package's dialect table).
const (
	IdPAuto    = "auto"
	IdPOkta    = "okta"
	IdPEntra   = "entra"
	IdPGeneric = "generic"
)

// IdPs lists the valid client profiles.
var IdPs = []string{IdPAuto, IdPOkta, IdPEntra, IdPGeneric}

// Token is a bearer token of one IdP connection. Only Hash is stored.
type Token struct {
	ID       string
	TenantID string
	Label    string
	// IdP is the connection's client profile (IdPAuto when unset).
	IdP string
	// Authority is who created the token, which bounds what the
	// connection may do: AuthorityOperator (the CLI), AuthorityOwner or
	// AuthorityAdmin (in the portal). CreatedBy is the creating user's id.
	Authority  string
	CreatedBy  string
	Hash       []byte
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// Token authorities.
const (
	AuthorityOperator = "operator"
	AuthorityOwner    = "owner"
	AuthorityAdmin    = "admin"
)

// Meta is the bookkeeping every resource carries.
type Meta struct {
	Created      time.Time
	LastModified time.Time
	Version      int64
}
