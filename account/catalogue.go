package account

import (
	"slices"
	"strings"

	"github.com/scimd/scimd/store"
)

// Permissions a role can carry (seeds 001, 002, 004).
const (
	PermUsersManage    = "users.manage"    // view, add, edit and delete users; assign roles
	PermUsersInvite    = "users.invite"    // invite people
	PermRolesManage    = "roles.manage"    // define custom roles
	PermAccountsManage = "accounts.manage" // create, rename, move account nodes
	PermAuditRead      = "audit.read"      // read the audit log
	PermTokensManage   = "tokens.manage"   // manage IdP connections and their tokens
	PermSettingsManage = "settings.manage" // tenant settings, teams, voice pool, locations
	PermInsightsView   = "insights.view"   // view the insights pages
	PermReportsRun     = "reports.run"     // run reports
	PermDataExport     = "data.export"     // export data (CSV)
	PermBilling        = "billing"         // billing section
	PermProfileEdit    = "profile.edit"    // profile settings
	PermTechConfig     = "tech.config"     // SIP accounts, caller ID, speech-to-text, SMS, lookup
	PermOrders         = "orders"          // orders: speech-to-text, SMS, lookup
	PermMessagingReply = "messaging.reply" // read and reply to chat and text messages
	PermTeamView       = "team.view"       // the My Team page
	PermAgentSelf      = "agent.self"      // one's own agent performance and coaching plans
	// PermOwner is held by the Owner alone: ownership transfer, granting
	// and revoking Admin.
	PermOwner = "owner"
)

// AllPermissions lists every permission, for custom roles and their checks.
var AllPermissions = []string{
	PermUsersManage, PermUsersInvite, PermRolesManage, PermAccountsManage, PermAuditRead, PermTokensManage,
	PermSettingsManage, PermInsightsView, PermReportsRun, PermDataExport, PermBilling, PermProfileEdit,
	PermTechConfig, PermOrders, PermMessagingReply, PermTeamView, PermAgentSelf,
}

// Keys of the built-in roles, as grants store them.
const (
	RoleOwner          = "owner"
	RoleAdmin          = "admin"
	RoleAccountAdmin   = "account_admin"
	RoleUser           = "user"
	RoleReports        = "reports"
	RoleTechConfig     = "tech_config"
	RoleFinance        = "finance"
	RoleOrders         = "orders"
	RoleMessagingAgent = "messaging_agent"
	RoleTeamLeader     = "team_leader"
	RoleAgent          = "agent"
)

// BuiltinRole is a role of the catalogue every tenant has.
type BuiltinRole struct {
	Key, Name, Description string
	Permissions            []string
}

// Builtins is the role catalogue of seeds 001, 002 and 004.
var Builtins = []BuiltinRole{
	{RoleOwner, "Owner", "The account owner: every permission; only the Owner grants or revokes Admin and passes ownership on.",
		append([]string{PermOwner}, AllPermissions...)},
	{RoleAdmin, "Admin", "Combines the privileges of all the other roles; manages users except the Owner and other Admins.",
		AllPermissions},
	{RoleAccountAdmin, "Account Admin", "Modifies account features and settings, creates and removes users, creates and activates accounts, at and beneath its node.",
		[]string{PermAccountsManage, PermUsersManage, PermUsersInvite, PermSettingsManage, PermInsightsView}},
	{RoleUser, "User", "View-only access to the insights pages; cannot modify settings.", []string{PermInsightsView}},
	{RoleReports, "Reports", "Runs reports.", []string{PermReportsRun}},
	{RoleTechConfig, "Tech Configuration", "Changes SIP account and caller ID settings, uses speech-to-text, SMS and lookup, runs CDR reports.",
		[]string{PermTechConfig, PermReportsRun}},
	{RoleFinance, "Finance", "Accesses billing and changes profile settings.", []string{PermBilling, PermProfileEdit}},
	{RoleOrders, "Orders", "Accesses speech-to-text, SMS and lookup.", []string{PermOrders}},
	{RoleMessagingAgent, "Messaging Agent", "Reads and replies to chat and text messages.", []string{PermMessagingReply}},
	{RoleTeamLeader, "Team Leader", "Views the insights pages and the My Team page of the teams it leads.",
		[]string{PermInsightsView, PermTeamView}},
	{RoleAgent, "Agent", "Views its own agent performance page and coaching plans; holds agent IDs.", []string{PermAgentSelf}},
}

// adminRoles are the roles that make a user an administrator for the
// stats of seed 004 ("Admin users").
var adminRoles = []string{RoleOwner, RoleAdmin}

// builtin finds a built-in role by key.
func builtin(key string) (BuiltinRole, bool) {
	for _, r := range Builtins {
		if r.Key == key {
			return r, true
		}
	}
	return BuiltinRole{}, false
}

// roleInfo is a role of a tenant's catalogue, built-in or custom.
type roleInfo struct {
	Key         string // the built-in key, or the custom role's id
	Name        string
	Permissions []string
	Scope       []string
	Builtin     bool
}

// catalogue is a tenant's roles: the built-in ones and its custom roles.
type catalogue []roleInfo

func newCatalogue(custom []store.Role) catalogue {
	c := make(catalogue, 0, len(Builtins)+len(custom))
	for _, b := range Builtins {
		c = append(c, roleInfo{Key: b.Key, Name: b.Name, Permissions: b.Permissions, Builtin: true})
	}
	for _, r := range custom {
		c = append(c, roleInfo{Key: r.ID, Name: r.Name, Permissions: r.Permissions, Scope: r.Scope})
	}
	return c
}

// byName finds a role by its name (or a built-in's key), case-insensitively.
func (c catalogue) byName(name string) (roleInfo, bool) {
	name = strings.TrimSpace(name)
	for _, r := range c {
		if strings.EqualFold(r.Name, name) || (r.Builtin && strings.EqualFold(r.Key, name)) {
			return r, true
		}
	}
	return roleInfo{}, false
}

// byKey finds a role by the key grants store.
func (c catalogue) byKey(key string) (roleInfo, bool) {
	for _, r := range c {
		if r.Key == key {
			return r, true
		}
	}
	return roleInfo{}, false
}

// names lists the roles' names, for error messages.
func (c catalogue) names() string {
	out := make([]string, len(c))
	for i, r := range c {
		out[i] = r.Name
	}
	return strings.Join(out, ", ")
}

// nameOf is a role key's name ("" for an unknown key).
func (c catalogue) nameOf(key string) string {
	if r, ok := c.byKey(key); ok {
		return r.Name
	}
	return ""
}

func hasPerm(perms []string, p string) bool { return slices.Contains(perms, p) }

// keys lists the catalogue's role keys.
func (c catalogue) keys() []string {
	out := make([]string, len(c))
	for i, r := range c {
		out[i] = r.Key
	}
	return out
}
