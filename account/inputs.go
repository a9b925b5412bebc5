package account

import "github.com/scimd/scimd/store"

// UserInput is what a caller wants a user to be.
type UserInput struct {
	// User is the record: core and enterprise attributes. Its State may
	// be set; "" takes it from Active (false: inactive) or keeps it.
	User *store.User
	// Password is the new password in clear (hashed before any
	// transaction): nil keeps the stored one, "" removes it.
	Password *string
	// Domain, when not nil, replaces the parts it sets.
	Domain *DomainInput
}

// DomainInput is the account-domain part of a user. A nil field leaves
// that part as it is.
type DomainInput struct {
	// Grants are roles at account nodes, checked strictly: an unknown role
	// is refused, listing the tenant's roles.
	Grants *[]GrantInput
	// AgentIDs belong to the user alone; only Agents hold them.
	AgentIDs *[]store.AgentID
	// Teams are the user's seats on teams.
	Teams *[]SeatInput
	// Voice replaces the voice settings when SetVoice; nil Voice removes them.
	Voice    *VoiceInput
	SetVoice bool
}

// GrantInput names a role (by name, or a built-in's key) at a node (its
// id; "" for the master account).
type GrantInput struct {
	Role string
	Node string
}

// SeatInput names a team (by id or name) and whether the user leads it.
type SeatInput struct {
	Team   string
	Leader bool
}

// VoiceInput is a user's voice settings: an extension ("" to have one
// generated), a location (id or name; "" for the default), a primary
// number and additional ones (parked numbers of the tenant, in any format
// with the leading 1 of NANP numbers).
type VoiceInput struct {
	Extension  string
	Location   string
	Primary    string
	Additional []string
}

// GroupInput is what a caller wants a group to be.
type GroupInput struct {
	// Group holds the attributes; Members is the member list (for create
	// and for a replace of the whole group).
	Group *store.Group
	// Domain, when not nil, replaces the parts it sets.
	Domain *GroupDomainInput
}

// GroupDomainInput is the account-domain part of a group.
type GroupDomainInput struct {
	// Grants are roles at nodes the group gives its members.
	Grants *[]GrantInput
	// Team links the group to a team (id or name); "" unlinks it.
	Team *string
}

// MemberOp is one change to a group's membership. Exactly one field is set.
type MemberOp struct {
	Add    []string
	Remove []string
	// RemoveAll empties the group; with Add, it replaces the members.
	RemoveAll bool
	// Replace makes the members exactly these, writing only the
	// difference.
	Replace *[]string
	// RemoveWhere removes the members it matches (a SCIM filter the edge
	// evaluates).
	RemoveWhere func(store.Member) (bool, error)
}
