package store

import (
	"context"
	"time"
)

// Reader reads a tenant's records. Inside a Tx the reads see the
// transaction; Store.Reader reads outside one. Every read is confined to
// the tenant named.
type Reader interface {
	GetTenant(ctx context.Context, tenantID string) (Tenant, error)

	// GetUser loads one user with the parts named in load.
	GetUser(ctx context.Context, tenantID, id string, load Load) (*User, error)
	// FindUser finds the user whose userName or an email value equals
	// login, case-insensitively; ErrNotFound if none (or more than one,
	// which cannot be told apart).
	FindUser(ctx context.Context, tenantID, login string) (*User, error)
	// FindUserBySubject finds the user linked to an OpenID Connect subject.
	FindUserBySubject(ctx context.Context, tenantID, subject string) (*User, error)
	// GetGroup loads one group.
	GetGroup(ctx context.Context, tenantID, id string, load Load) (*Group, error)

	// EffectiveGrants returns the grants that apply to a user: its own and
	// those of every group it is in, directly or through nested groups,
	// each once with its node's path and name, ordered by path. Computed by
	// the database in one query. A user of no such id in the tenant has
	// none.
	EffectiveGrants(ctx context.Context, tenantID, userID string) ([]EffectiveGrant, error)
	// GrantsOf lists the grants made to a user (userID) or a group
	// (groupID); exactly one of the two is set (else ErrInvalid).
	GrantsOf(ctx context.Context, tenantID, userID, groupID string) ([]Grant, error)
	// GroupGrantsRole reports whether the group, or a group it is a member
	// of (through nesting), grants one of the roles.
	GroupGrantsRole(ctx context.Context, tenantID, groupID string, roles []string) (bool, error)
	// CountGrants counts the grants of a role (any subject) in a tenant.
	CountGrants(ctx context.Context, tenantID, role string) (int, error)
	// Owner returns the id of the tenant's Owner, "" if it has none.
	Owner(ctx context.Context, tenantID string) (string, error)

	// Nodes lists the tenant's account tree, by path.
	Nodes(ctx context.Context, tenantID string) ([]Node, error)
	GetNode(ctx context.Context, tenantID, id string) (Node, error)
	// NodeInUse says why a node cannot be deleted: "children", "grants",
	// "roles" (a role's scope) or "" when it can. ErrNotFound if the tenant
	// has no such node.
	NodeInUse(ctx context.Context, tenantID, id string) (string, error)

	// Roles lists the tenant's custom roles by name, each with its scope
	// (by node path).
	Roles(ctx context.Context, tenantID string) ([]Role, error)
	GetRole(ctx context.Context, tenantID, id string) (Role, error)

	// AgentIDHolder returns the user holding an agent ID, "" if nobody.
	AgentIDHolder(ctx context.Context, tenantID, system, value string) (string, error)

	Teams(ctx context.Context, tenantID string) ([]Team, error)
	GetTeam(ctx context.Context, tenantID, id string) (Team, error)
	// TeamMembers lists a team's members by userName; for a team linked to
	// a group, the group's direct user members (leaders as seated; seats of
	// users outside the group do not count).
	TeamMembers(ctx context.Context, tenantID, teamID string) ([]TeamMember, error)
	// LedTeams lists the teams on which a user is seated as a leader.
	LedTeams(ctx context.Context, tenantID, userID string) ([]Team, error)

	// Locations lists the tenant's voice locations by name.
	Locations(ctx context.Context, tenantID string) ([]Location, error)
	// Numbers lists the tenant's pool of parked numbers by number.
	Numbers(ctx context.Context, tenantID string) ([]Number, error)
	GetNumber(ctx context.Context, tenantID, number string) (Number, error)
	// ExtensionHolder returns the user holding an extension, "" if nobody.
	ExtensionHolder(ctx context.Context, tenantID, extension string) (string, error)
	// Extensions returns every extension in use in the tenant, sorted.
	Extensions(ctx context.Context, tenantID string) ([]string, error)

	GetInvitation(ctx context.Context, tenantID, userID string) (Invitation, error)
	// InvitationByHash finds a live (unexpired at now) invitation by its
	// token's hash, in any tenant.
	InvitationByHash(ctx context.Context, hash []byte, now time.Time) (Invitation, error)
	// SessionByHash finds a live session by its id's hash.
	SessionByHash(ctx context.Context, hash []byte, now time.Time) (Session, error)

	// Audit lists audit entries, newest first (by time, then id), at most
	// q.Limit (100 when zero).
	Audit(ctx context.Context, tenantID string, q AuditQuery) ([]AuditEntry, error)
	// Mails lists a tenant's mails, newest first, at most limit (100 when
	// zero).
	Mails(ctx context.Context, tenantID string, limit int) ([]Mail, error)

	// Stats counts a tenant's users: active, invited, inactive, and those
	// not inactive holding one of adminRoles (directly or through a group,
	// nested or not); Standard is Active + Invited - Admin.
	Stats(ctx context.Context, tenantID string, adminRoles []string) (Stats, error)
	// ListUsers answers a query with one page.
	ListUsers(ctx context.Context, tenantID string, q Query) (*Page[*User], error)
	// AccessHolders lists the ids of the users holding, themselves or
	// through a group (nested or not), a grant of role (any when "") at
	// node nodeID or beneath it (anywhere when ""), each once, sorted.
	AccessHolders(ctx context.Context, tenantID, role, nodeID string) ([]string, error)
}

// EffectiveGrant is a grant that applies to a user, with where it comes
// from.
type EffectiveGrant struct {
	Grant
	NodePath string
	NodeName string
	// ViaGroup is the group the grant was made to ("" for the user's own).
	ViaGroup string
}

// Stats counts a tenant's users (seed 004's system access stats).
type Stats struct {
	Active, Invited, Inactive, Admin, Standard int
}

// Tx is one transaction. Writes confine themselves to the tenant of the
// record written; a record of another tenant is ErrNotFound.
//
// A backend may hold back writes whose callers need no answer (InsertUser,
// InsertAudit, InsertEvent, a member added or removed, BumpGroup) and send
// them with the next statement that must see them, or at the commit: their
// errors (a userName taken, say) may then come from a later call or from
// InTx itself. A caller that must know which write failed calls Sync after
// it. BumpGroup's group is filled in by the commit, then.
type Tx interface {
	Reader
	ImportWriter

	// Sync sends the writes held back so far and returns their error.
	Sync(ctx context.Context) error
	// GroupGrantsNone reports whether neither the group nor a group it is
	// in (through nesting) grants one of the roles: GroupGrantsRole's
	// negation, which a backend may answer true at once and check when it
	// sends the transaction's writes, running the transaction again (and
	// reading, then) if it does not hold. For a transaction whose writes
	// cannot change the answer (a group's own member changes).
	GroupGrantsNone(ctx context.Context, tenantID, groupID string, roles []string) (bool, error)

	// LockTenant serialises a tenant's ownership, tree and pool changes:
	// two transactions that both lock it run one after the other.
	LockTenant(ctx context.Context, tenantID string) error
	// SetTenantSettings replaces a tenant's settings.
	SetTenantSettings(ctx context.Context, tenantID string, s TenantSettings) error

	// LockUser locks a user's row and returns its version: the write that
	// follows happens only if nobody changed the user since it was read.
	LockUser(ctx context.Context, tenantID, id string) (int64, error)
	// InsertUser inserts u with its child rows (u.ID, timestamps and
	// version are set). The manager must be a user of the tenant.
	InsertUser(ctx context.Context, u *User) error
	// WriteUser writes what differs between old (as loaded) and u, with a
	// new version and lastModified on u.
	WriteUser(ctx context.Context, old, u *User) error
	// TouchUser gives a user a new version (its derived attributes changed).
	TouchUser(ctx context.Context, tenantID, id string) error
	// SetLastLogin records a portal sign-in.
	SetLastLogin(ctx context.Context, tenantID, id string, at time.Time, subject string) error
	// DeleteUser deletes a user: its child rows, memberships, grants, agent
	// IDs, team seats, voice settings and invitation go with it, its
	// numbers return to the pool, groups it was in get a new version and
	// users it managed lose their manager.
	DeleteUser(ctx context.Context, tenantID, id string) error

	// InsertGroup inserts g with its members.
	InsertGroup(ctx context.Context, g *Group) error
	// LockGroup locks a group's row (for attribute changes).
	LockGroup(ctx context.Context, tenantID, id string) (*Group, error)
	// WriteGroup writes g's attributes with a new version.
	WriteGroup(ctx context.Context, g *Group) error
	// Members edits a group's membership with row operations.
	Members(tenantID, groupID string) Members
	// BumpGroup gives a group a new version (after member changes) and
	// returns it; ErrNotFound if it was deleted meanwhile.
	BumpGroup(ctx context.Context, tenantID, id string) (*Group, error)
	DeleteGroup(ctx context.Context, tenantID, id string) error

	// AddGrant adds a grant (g.ID is set; NodeID "" is the master account,
	// Source "" is GrantDirect). An equal grant already there (same
	// subject, role and node, and for a user the same source) is left alone
	// and g takes its id. The tenant's only owner grant is guarded by a
	// unique index: a second one is a ConflictError on "owner" naming the
	// Owner; the Owner role cannot go to a group (ErrInvalid). A subject of
	// no such id in the tenant is ErrNotFound; a node of none is ErrInvalid.
	AddGrant(ctx context.Context, g *Grant) error
	// RemoveGrants removes the grants of a user or group that match: any
	// role when role is "", any source when source is "".
	RemoveGrants(ctx context.Context, tenantID, userID, groupID, role, source string) (int, error)

	// InsertNode inserts a node beneath n.ParentID ("" is the master
	// account), setting ID, Path, CreatedAt and Kind ("account" when
	// empty). A parent of no such id in the tenant is ErrNotFound; a
	// sibling of the same name, whatever its case, a ConflictError on
	// "name".
	InsertNode(ctx context.Context, n *Node) error
	// RenameNode renames a node; MoveNode re-parents it and rewrites the
	// paths of its subtree (the caller checks for cycles; moving the
	// master, or a node beneath itself, is ErrInvalid anyway). A sibling
	// of the same name is a ConflictError on "name".
	RenameNode(ctx context.Context, tenantID, id, name string) error
	MoveNode(ctx context.Context, tenantID, id, parentID string) error
	// DeleteNode deletes a node; one NodeInUse names, and the master, are
	// refused (ErrInvalid, saying what to do first).
	DeleteNode(ctx context.Context, tenantID, id string) error

	// InsertRole inserts a custom role with its scope (r.ID and
	// r.CreatedAt are set); UpdateRole replaces name, description,
	// permissions and scope. Another role of the name is a ConflictError on
	// "name"; a scope node of no account of the tenant, or a permission
	// with a comma, is ErrInvalid.
	InsertRole(ctx context.Context, r *Role) error
	UpdateRole(ctx context.Context, r Role) error
	// DeleteRole deletes a custom role; its scope and its grants go with it.
	DeleteRole(ctx context.Context, tenantID, id string) error

	// SetAgentIDs replaces a user's agent IDs. A pair held by another user
	// is a ConflictError on "agentIds" naming the holder, with Value
	// "system:value"; of two transactions claiming one pair, one wins.
	SetAgentIDs(ctx context.Context, tenantID, userID string, ids []AgentID) error

	// InsertTeam inserts a team (t.ID and t.CreatedAt are set); UpdateTeam
	// writes its name and group. Another team of the name is a
	// ConflictError on "name"; a group another team is linked to, one on
	// "group" naming that team; a group of none of the tenant's, ErrInvalid.
	InsertTeam(ctx context.Context, t *Team) error
	UpdateTeam(ctx context.Context, t Team) error
	DeleteTeam(ctx context.Context, tenantID, id string) error
	// SetTeamSeats replaces a user's seats on teams (the seats' UserID is
	// ignored); a team of none of the tenant's is ErrInvalid.
	SetTeamSeats(ctx context.Context, tenantID, userID string, seats []TeamMember) error
	// SetTeamMember seats (or, with remove, unseats) one user on a team.
	SetTeamMember(ctx context.Context, tenantID string, m TeamMember, remove bool) error

	// InsertLocation inserts a location (l.ID and l.CreatedAt are set);
	// a Default one, inserted or updated, takes the default from the
	// tenant's previous default. Another location of the name is a
	// ConflictError on "name".
	InsertLocation(ctx context.Context, l *Location) error
	UpdateLocation(ctx context.Context, l Location) error
	// DeleteLocation deletes a location; one a user's voice settings use is
	// a ConflictError on "location" naming such a user.
	DeleteLocation(ctx context.Context, tenantID, id string) error
	// InsertNumber parks a number on the tenant, unassigned (n.UserID and
	// n.Primary are cleared, n.CreatedAt set); one parked already is a
	// ConflictError on "number".
	InsertNumber(ctx context.Context, n *Number) error
	// DeleteNumber removes a number from the pool; an assigned one is a
	// ConflictError on "number" naming its user.
	DeleteNumber(ctx context.Context, tenantID, number string) error
	// SetVoice replaces a user's voice settings and numbers: v nil removes
	// them (and returns the numbers to the pool). The user's numbers are
	// released first, then primary and additional assigned. An extension
	// held by another user is a ConflictError on "extension" naming the
	// holder; a number assigned to another user one on "number" naming it.
	// A number not parked on the tenant, a toll-free primary, an empty
	// extension, a location of none of the tenant's, or numbers with v nil
	// are ErrInvalid.
	SetVoice(ctx context.Context, tenantID, userID string, v *Voice, primary string, additional []string) error

	// PutInvitation creates or replaces a user's invitation with the fields
	// given (CreatedAt is set when zero, SentCount is 1 when zero).
	PutInvitation(ctx context.Context, inv *Invitation) error
	// TakeInvitation deletes the invitation with this hash if it is live,
	// and returns it: of two concurrent takers only one gets it.
	TakeInvitation(ctx context.Context, hash []byte, now time.Time) (Invitation, error)
	DeleteInvitation(ctx context.Context, tenantID, userID string) error

	// InsertLoginLink stores a link (CreatedAt set when zero).
	InsertLoginLink(ctx context.Context, l *LoginLink) error
	// UseLoginLink marks a live, unused link used and returns it; a second
	// use finds nothing (ErrNotFound).
	UseLoginLink(ctx context.Context, hash []byte, now time.Time) (LoginLink, error)

	// InsertSession stores a session (CreatedAt set when zero, LastSeenAt
	// to CreatedAt when zero).
	InsertSession(ctx context.Context, s *Session) error
	// TouchSession moves a session's last-seen time; ErrNotFound if there
	// is no such session.
	TouchSession(ctx context.Context, hash []byte, at time.Time) error
	// DeleteSession ends a session; ErrNotFound if there is none.
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, tenantID, userID string) error

	// InsertAudit appends an audit entry (e.ID and e.At are set if empty).
	InsertAudit(ctx context.Context, e *AuditEntry) error
	// QueueMail puts a mail in the outbox: m.ID and m.CreatedAt are set,
	// m.State is queued, and m.NextAttemptAt is now when zero.
	QueueMail(ctx context.Context, m *Mail) error
	// InsertEvent adds an event to the tenant's feed: e.ID and e.At are
	// set if empty; its Sequence is given after the commit, when the
	// tenant's feed is next read (Feed.Events, Webhooks.Dispatch).
	InsertEvent(ctx context.Context, e *Event) error
}

// Outbox is what the mail sender needs from the store.
type Outbox interface {
	// ClaimMails returns up to limit queued mails due at now and moves
	// their next attempt to now+lease, so that another sender (another
	// process) does not send them meanwhile. On PostgreSQL rows another
	// claimer holds are skipped (SKIP LOCKED).
	ClaimMails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Mail, error)
	// MailSent marks a mail sent.
	MailSent(ctx context.Context, id string, at time.Time) error
	// MailFailed records a failed attempt and its error (cut to 500
	// characters): the mail is tried again at next, or given up (state
	// failed) when next is zero.
	MailFailed(ctx context.Context, id string, errText string, next time.Time) error
	// PurgeAudit deletes audit entries older than before, in every tenant,
	// and returns how many.
	PurgeAudit(ctx context.Context, before time.Time) (int, error)
}
