package store

import "time"

// User lifecycle states.
const (
	StateInvited  = "invited"
	StateActive   = "active"
	StateInactive = "inactive"
)

// Where a user came from.
const (
	SourceSCIM   = "scim"
	SourcePortal = "portal"
	SourceImport = "import"
)

// Node is one node of a tenant's account tree: the master account (whose
// id is the tenant's id), a sub-account, group, sub-group or location.
// Path holds the ids from the master down, "/m/a/b/": a node is at or
// beneath another when its path starts with the other's.
type Node struct {
	ID        string
	TenantID  string
	ParentID  string // "" for the master
	Name      string
	Kind      string // "master", "account", "group", "location"
	Path      string
	CreatedAt time.Time
}

// Role is a custom role of a tenant. The built-in roles are not stored.
type Role struct {
	ID          string
	TenantID    string
	Name        string
	Description string
	Permissions []string
	// Scope, when not empty, lists the nodes the role covers (seed 000's
	// "Packages").
	Scope     []string
	CreatedAt time.Time
}

// Grant sources.
const (
	// GrantFromRoles grants come from the SCIM roles attribute of a user.
	GrantFromRoles = "roles"
	// GrantDirect grants are made any other way.
	GrantDirect = "direct"
)

// Grant gives a role at a node to a user or a group.
type Grant struct {
	ID       string
	TenantID string
	// Role is a built-in role's key (e.g. "admin") or a custom role's id.
	Role    string
	NodeID  string
	UserID  string // one of UserID and GroupID is set
	GroupID string
	Source  string
}

// AgentID is an identifier of an agent in one system ("voice", "chat"):
// in a tenant, a (system, value) pair belongs to at most one user.
type AgentID struct {
	System string
	Value  string
	UserID string
}

// Team is a named team; GroupID links it to a SCIM group, whose members
// are then the team's members.
type Team struct {
	ID        string
	TenantID  string
	Name      string
	GroupID   string
	CreatedAt time.Time
}

// TeamMember is a seat on a team.
type TeamMember struct {
	TeamID string
	UserID string
	Leader bool
}

// Location is a voice location (default "Main Company Address").
type Location struct {
	ID        string
	TenantID  string
	Name      string
	Address   string
	Default   bool
	CreatedAt time.Time
}

// Number is a phone number parked on a tenant; UserID is set while it is
// assigned.
type Number struct {
	TenantID  string
	Number    string // E.164
	TollFree  bool
	UserID    string
	Primary   bool
	CreatedAt time.Time
}

// Voice is a user's voice settings.
type Voice struct {
	UserID     string
	Extension  string
	LocationID string
}

// Invitation is a pending invitation of an Invited user. Only the hash of
// its link's token is stored.
type Invitation struct {
	UserID    string
	TenantID  string
	TokenHash []byte
	ExpiresAt time.Time
	CreatedAt time.Time
	SentCount int
}

// LoginLink is a single-use sign-in link.
type LoginLink struct {
	TokenHash []byte
	TenantID  string
	UserID    string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// Session is a signed-in portal member. Only the hash of its id is stored.
type Session struct {
	IDHash     []byte
	TenantID   string
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// AuditEntry records one change: who made it, to what, and what changed.
type AuditEntry struct {
	ID           string
	TenantID     string
	At           time.Time
	ActorKind    string
	ActorID      string
	ActorName    string
	Action       string
	ResourceType string
	ResourceID   string
	// Changes is JSON: per attribute {"before": ..., "after": ...}, with
	// secrets redacted.
	Changes   string
	RequestID string
}

// AuditQuery selects audit entries, newest first.
type AuditQuery struct {
	ResourceID string
	ActorID    string
	Since      time.Time
	// Before pages: entries strictly older than this position.
	Before *AuditCursor
	Limit  int
}

// AuditCursor is a position in the audit log.
type AuditCursor struct {
	At time.Time
	ID string
}

// Mail states.
const (
	MailQueued = "queued"
	MailSent   = "sent"
	MailFailed = "failed"
)

// Mail is one message of the outbox.
type Mail struct {
	ID            string
	TenantID      string
	To            string
	Subject       string
	Body          string
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

// TenantSettings are a tenant's choices.
type TenantSettings struct {
	// EnforceSCIMPasswordPolicy holds passwords an IdP pushes to the
	// tenant's password policy too.
	EnforceSCIMPasswordPolicy bool `json:"enforceScimPasswordPolicy,omitempty"`
	// DefaultEntitlements are granted to every new user (seed 000's
	// default dashboards); Repair re-applies them.
	DefaultEntitlements []string `json:"defaultEntitlements,omitempty"`
	// PasswordSignIn lets members sign in to the portal with a password.
	PasswordSignIn bool `json:"passwordSignIn,omitempty"`
	// OIDC is the tenant's OpenID Connect provider for portal sign-in.
	OIDC *OIDCSettings `json:"oidc,omitempty"`
}

// OIDCSettings configure a tenant's OpenID Connect sign-in.
type OIDCSettings struct {
	Issuer       string `json:"issuer"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// Domain holds the account-domain parts of a user that live in tables of
// their own. Filled only with LoadDomain (then never nil): the user's own
// grants (not its groups'; see Reader.EffectiveGrants), agent IDs, seats
// and voice settings.
type Domain struct {
	Grants   []Grant
	AgentIDs []AgentID
	Teams    []TeamSeat
	Voice    *VoiceView
}

// TeamSeat is a user's seat on a team (a team_members row), with the
// team's name. Membership of a linked team through its group is not a
// seat (Reader.TeamMembers has it).
type TeamSeat struct {
	TeamID   string
	TeamName string
	Leader   bool
}

// VoiceView is a user's voice settings with their numbers.
type VoiceView struct {
	Extension         string
	LocationID        string
	LocationName      string
	PrimaryNumber     string
	AdditionalNumbers []string
}
