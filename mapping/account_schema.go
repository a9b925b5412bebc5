package mapping

import (
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// URNs of scimd's own extensions: the account domain of contact-centre
// and telecom SaaS tenants. They are scimd's, not under urn:ietf.
const (
	AccountUserSchema  = "urn:scimd:schemas:extension:account:1.0:User"
	AccountGroupSchema = "urn:scimd:schemas:extension:account:1.0:Group"
)

func str(name, desc string) schema.SimpleParams {
	return schema.SimpleStringParams(schema.StringParams{Name: name, Description: optional.NewString(desc)})
}

func roStr(name, desc string) schema.SimpleParams {
	return schema.SimpleStringParams(schema.StringParams{Name: name, Description: optional.NewString(desc),
		Mutability: schema.AttributeMutabilityReadOnly()})
}

// grantsAttr is the grants attribute both extensions share.
func grantsAttr(of string) schema.CoreAttribute {
	return schema.ComplexCoreAttribute(schema.ComplexParams{
		Name:        "grants",
		MultiValued: true,
		Description: optional.NewString("Roles granted to the " + of + " at account nodes; access at a node covers every node beneath it."),
		SubAttributes: []schema.SimpleParams{
			schema.SimpleStringParams(schema.StringParams{Name: "role", Required: true,
				Description: optional.NewString("The role's name, one of the tenant's catalogue (e.g. \"Team Leader\").")}),
			str("node", "The id of the account node the role is granted at; the master account when absent."),
			roStr("source", "How the grant was made: \"roles\" (from the core roles attribute) or \"direct\"."),
		},
	})
}

// accountUserSchema is the User extension: lifecycle state, grants, agent
// IDs, teams, voice settings and (on request) effective access.
func accountUserSchema() schema.Schema {
	request := schema.AttributeReturnedRequest()
	return schema.Schema{
		ID:          AccountUserSchema,
		Name:        optional.NewString("Account"),
		Description: optional.NewString("scimd's account domain: roles at account nodes, agent IDs, teams, voice settings and lifecycle."),
		Attributes: []schema.CoreAttribute{
			schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{Name: "state",
				Description:     optional.NewString("The lifecycle state: invited (not yet accepted), active or inactive."),
				Mutability:      schema.AttributeMutabilityReadOnly(),
				CanonicalValues: []string{"invited", "active", "inactive"}})),
			schema.SimpleCoreAttribute(schema.SimpleBooleanParams(schema.BooleanParams{Name: "owner",
				Description: optional.NewString("Whether the user is the tenant's Owner."),
				Mutability:  schema.AttributeMutabilityReadOnly()})),
			grantsAttr("user"),
			schema.ComplexCoreAttribute(schema.ComplexParams{
				Name: "agentIds", MultiValued: true,
				Description: optional.NewString("The user's agent IDs, one per system; a pair belongs to one user, and only Agents hold them."),
				SubAttributes: []schema.SimpleParams{
					schema.SimpleStringParams(schema.StringParams{Name: "value", Required: true, CaseExact: true,
						Description: optional.NewString("The agent's identifier in the system.")}),
					schema.SimpleStringParams(schema.StringParams{Name: "system", Required: true, CaseExact: true,
						Description: optional.NewString("The system the identifier belongs to, e.g. voice or chat.")}),
				},
			}),
			schema.ComplexCoreAttribute(schema.ComplexParams{
				Name: "teams", MultiValued: true,
				Description: optional.NewString("The teams the user is seated on, as member or leader."),
				SubAttributes: []schema.SimpleParams{
					schema.SimpleStringParams(schema.StringParams{Name: "value", Required: true,
						Description: optional.NewString("The team's id (or, when written, its name).")}),
					roStr("display", "The team's name."),
					schema.SimpleBooleanParams(schema.BooleanParams{Name: "leader",
						Description: optional.NewString("Whether the user leads the team.")}),
				},
			}),
			schema.ComplexCoreAttribute(schema.ComplexParams{
				Name:        "voice",
				Description: optional.NewString("Voice settings: extension, location and phone numbers from the tenant's pool."),
				SubAttributes: []schema.SimpleParams{
					str("extension", "The extension, unique in the tenant; generated when not given."),
					str("location", "The voice location's name (default: Main Company Address)."),
					str("primaryNumber", "The primary number (E.164): parked, unassigned and not toll-free."),
					schema.SimpleStringParams(schema.StringParams{Name: "additionalNumbers", MultiValued: true,
						Description: optional.NewString("Additional numbers (E.164), parked and unassigned.")}),
				},
			}),
			schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{Name: "unmappedRoles", MultiValued: true,
				Description: optional.NewString("Values of the core roles attribute that name no role of the tenant: kept, granting nothing."),
				Mutability:  schema.AttributeMutabilityReadOnly()})),
			schema.ComplexCoreAttribute(schema.ComplexParams{
				Name: "effectiveRoles", MultiValued: true, Mutability: schema.AttributeMutabilityReadOnly(), Returned: request,
				Description: optional.NewString("Every role the user holds: its own grants and those of its groups, nested ones included."),
				SubAttributes: []schema.SimpleParams{
					roStr("value", "The role's name."),
					roStr("node", "The id of the node it is held at."),
					roStr("nodeName", "The node's name."),
					roStr("via", "The id of the group that grants it; absent for the user's own grant."),
				},
			}),
			schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{Name: "permissions", MultiValued: true,
				Mutability: schema.AttributeMutabilityReadOnly(), Returned: request,
				Description: optional.NewString("The permissions the user's roles give.")})),
			schema.ComplexCoreAttribute(schema.ComplexParams{
				Name: "accessNodes", MultiValued: true, Mutability: schema.AttributeMutabilityReadOnly(), Returned: request,
				Description: optional.NewString("The account nodes the user has access at (each with everything beneath it)."),
				SubAttributes: []schema.SimpleParams{
					roStr("value", "The node's id."),
					roStr("display", "The node's name."),
				},
			}),
		},
	}
}

// accountGroupSchema is the Group extension: the roles a group grants its
// members, and the team it is linked to.
func accountGroupSchema() schema.Schema {
	return schema.Schema{
		ID:          AccountGroupSchema,
		Name:        optional.NewString("Account group"),
		Description: optional.NewString("What an IdP group means in scimd's account domain: roles for its members, a team."),
		Attributes: []schema.CoreAttribute{
			grantsAttr("group's members"),
			schema.ComplexCoreAttribute(schema.ComplexParams{
				Name:        "team",
				Description: optional.NewString("The team the group is linked to: its members are the team's."),
				SubAttributes: []schema.SimpleParams{
					str("value", "The team's id (or, when written, its name)."),
					roStr("display", "The team's name."),
				},
			}),
		},
	}
}
