package store

import "time"

// User is a SCIM user as scimd stores it: singular attributes are columns,
// multi-valued ones are child rows.
type User struct {
	TenantID   string
	ID         string
	ExternalID string
	UserName   string
	Name       Name

	DisplayName       string
	NickName          string
	ProfileURL        string
	Title             string
	UserType          string
	PreferredLanguage string
	Locale            string
	Timezone          string
	Active            *bool

	// PasswordHash is the bcrypt hash of the password; the password itself
	// is never stored.
	PasswordHash string

	// Values holds emails, phoneNumbers, ims, photos, entitlements, roles and
	// x509Certificates, keyed by their SCIM attribute name.
	Values    map[string][]Value
	Addresses []Address

	Enterprise Enterprise

	// Groups is read-only: the groups the user belongs to, directly or
	// through nested groups. Filled only with LoadGroups.
	Groups []GroupRef

	// State is the lifecycle state (StateInvited, StateActive,
	// StateInactive); "" on a new user means active. Source says where the
	// user came from (SourceSCIM, ...). LastLoginAt is the last portal
	// sign-in; OIDCSubject links the user to an OpenID Connect identity.
	State       string
	Source      string
	LastLoginAt *time.Time
	OIDCSubject string

	// Domain holds grants, agent IDs, teams and voice settings; read with
	// LoadDomain, written through Tx's own methods.
	Domain *Domain

	Meta Meta
}

// ValueAttrs lists the multi-valued attributes stored as Values, in the
// order RFC 7643 §4.1.2 defines them.
var ValueAttrs = []string{"emails", "phoneNumbers", "ims", "photos", "entitlements", "roles", "x509Certificates"}

// Name is the user's name (RFC 7643 §4.1.1).
type Name struct {
	Formatted       string
	FamilyName      string
	GivenName       string
	MiddleName      string
	HonorificPrefix string
	HonorificSuffix string
}

// IsZero reports whether no part of the name is set.
func (n Name) IsZero() bool { return n == Name{} }

// Value is one element of a multi-valued attribute such as emails.
// Its JSON form (audit changes, event data) uses the SCIM attribute names.
type Value struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// Address is one element of addresses (RFC 7643 §4.1.2).
type Address struct {
	Formatted     string `json:"formatted,omitempty"`
	StreetAddress string `json:"streetAddress,omitempty"`
	Locality      string `json:"locality,omitempty"`
	Region        string `json:"region,omitempty"`
	PostalCode    string `json:"postalCode,omitempty"`
	Country       string `json:"country,omitempty"`
	Type          string `json:"type,omitempty"`
	Primary       bool   `json:"primary,omitempty"`
}

// Enterprise holds the enterprise User extension (RFC 7643 §4.3).
type Enterprise struct {
	EmployeeNumber string
	CostCenter     string
	Organization   string
	Division       string
	Department     string
	// ManagerID is manager.value: the id of another user.
	ManagerID string
	// ManagerDisplay is manager.displayName, read-only, looked up on read.
	ManagerDisplay string
}

// IsZero reports whether no enterprise attribute is set.
func (e Enterprise) IsZero() bool {
	return e.EmployeeNumber == "" && e.CostCenter == "" && e.Organization == "" &&
		e.Division == "" && e.Department == "" && e.ManagerID == ""
}

// GroupRef is one entry of User.groups.
type GroupRef struct {
	ID      string
	Display string
	// Direct is false when membership comes through a nested group.
	Direct bool
}

// Group is a SCIM group. Members are loaded only on request.
type Group struct {
	TenantID    string
	ID          string
	ExternalID  string
	DisplayName string
	Members     []Member
	// Domain holds the group's grants and linked team; read with LoadDomain.
	Domain *GroupDomain
	Meta   Meta
}

// GroupDomain is what the account domain attaches to a group.
type GroupDomain struct {
	Grants   []Grant
	TeamID   string
	TeamName string
}

// Member types.
const (
	MemberUser  = "User"
	MemberGroup = "Group"
)

// Member is one member of a group.
type Member struct {
	ID      string
	Type    string // MemberUser or MemberGroup
	Display string // the member's displayName (or userName), read-only
}
