package mapping

import (
	"fmt"
	"strings"

	"github.com/elimity-com/scim/schema"

	"github.com/scimd/scimd/store"
)

// Registry holds scimd's resource types and schemas.
type Registry struct {
	User    *ResourceType
	Group   *ResourceType
	Schemas []*Schema
}

// NewRegistry builds the registry: the core User and Group schemas, the
// enterprise User extension, and the store column behind every attribute
// that can be filtered or sorted on.
func NewRegistry() *Registry {
	user := newSchema(schema.CoreUserSchema())
	group := newSchema(schema.CoreGroupSchema())
	enterprise := newSchema(schema.ExtensionEnterpriseUser())
	accountUser := newSchema(accountUserSchema())
	accountGroup := newSchema(accountGroupSchema())
	r := &Registry{
		User: &ResourceType{Name: "User", Endpoint: "/Users", Description: "User Account",
			Schema: user, Extensions: []*Schema{enterprise, accountUser}, Common: commonSchema()},
		Group: &ResourceType{Name: "Group", Endpoint: "/Groups", Description: "Group",
			Schema: group, Extensions: []*Schema{accountGroup}, Common: commonSchema()},
		Schemas: []*Schema{user, group, enterprise, accountUser, accountGroup},
	}
	r.User.bind(userColumns)
	r.Group.bind(groupColumns)
	return r
}

// ResourceTypes lists the resource types.
func (r *Registry) ResourceTypes() []*ResourceType { return []*ResourceType{r.User, r.Group} }

// Schema finds a schema by URN, case-insensitively.
func (r *Registry) Schema(id string) *Schema {
	for _, s := range r.Schemas {
		if strings.EqualFold(s.ID, id) {
			return s
		}
	}
	return nil
}

// userColumns maps attribute paths of User to store columns. A "set.column"
// names a column of a child set (multi-valued attribute rows).
var userColumns = func() map[string]string {
	m := map[string]string{
		"id": "id", "externalId": "external_id",
		"meta.created": "created_at", "meta.lastModified": "last_modified",
		"userName":             "user_name",
		"name.formatted":       "name_formatted",
		"name.familyName":      "name_family_name",
		"name.givenName":       "name_given_name",
		"name.middleName":      "name_middle_name",
		"name.honorificPrefix": "name_honorific_prefix",
		"name.honorificSuffix": "name_honorific_suffix",
		"displayName":          "display_name", "nickName": "nick_name", "profileUrl": "profile_url",
		"title": "title", "userType": "user_type", "preferredLanguage": "preferred_language",
		"locale": "locale", "timezone": "timezone", "active": "active",
		"addresses.formatted": "addresses.formatted", "addresses.streetAddress": "addresses.street_address",
		"addresses.locality": "addresses.locality", "addresses.region": "addresses.region",
		"addresses.postalCode": "addresses.postal_code", "addresses.country": "addresses.country",
		"addresses.type": "addresses.type", "addresses.primary": "addresses.is_primary",
		"groups.value": "groups.value", "groups.display": "groups.display",
		EnterpriseSchema + ":employeeNumber":   "ent_employee_number",
		EnterpriseSchema + ":costCenter":       "ent_cost_center",
		EnterpriseSchema + ":organization":     "ent_organization",
		EnterpriseSchema + ":division":         "ent_division",
		EnterpriseSchema + ":department":       "ent_department",
		EnterpriseSchema + ":manager.value":    "ent_manager_id",
		AccountUserSchema + ":state":           "state",
		AccountUserSchema + ":agentIds.value":  "agentIds.value",
		AccountUserSchema + ":agentIds.system": "agentIds.system",
		AccountUserSchema + ":teams.value":     "teams.value",
		AccountUserSchema + ":teams.leader":    "teams.leader",
		AccountUserSchema + ":grants.node":     "grants.node",
		AccountUserSchema + ":voice.extension": "voice.extension",
	}
	for _, set := range store.ValueAttrs {
		m[set+".value"] = set + ".value"
		m[set+".display"] = set + ".display"
		m[set+".type"] = set + ".type"
		m[set+".primary"] = set + ".is_primary"
	}
	return m
}()

var groupColumns = map[string]string{
	"id": "id", "externalId": "external_id",
	"meta.created": "created_at", "meta.lastModified": "last_modified",
	"displayName":   "display_name",
	"members.value": "members.value",
	"members.type":  "members.type",
}

// bind sets Field on every attribute named in columns.
func (rt *ResourceType) bind(columns map[string]string) {
	for path, col := range columns {
		a, err := rt.ResolvePath(path)
		if err != nil {
			panic(fmt.Sprintf("mapping: %s: %v", path, err))
		}
		f := &store.Field{Column: col, Type: storeType(a.Type), CaseExact: a.CaseExact}
		if set, c, ok := strings.Cut(col, "."); ok {
			f.Set, f.Column = set, c
		}
		a.Field = f
	}
}

func storeType(t Type) store.Type {
	switch t {
	case Boolean:
		return store.TypeBool
	case DateTime:
		return store.TypeTime
	case Integer:
		return store.TypeInt
	case Decimal:
		return store.TypeDecimal
	}
	return store.TypeString
}

// Attr finds a top-level attribute of the resource type: in a schema named
// by uri (empty for the core schema or the common attributes).
func (rt *ResourceType) Attr(uri, name string) *Attr {
	switch {
	case uri == "" || strings.EqualFold(uri, rt.Schema.ID):
		if a := rt.Schema.Attr(name); a != nil {
			return a
		}
		return rt.Common.Attr(name)
	default:
		for _, ext := range rt.Extensions {
			if strings.EqualFold(ext.ID, uri) {
				return ext.Attr(name)
			}
		}
	}
	return nil
}

// Extension finds an extension schema of the resource type by URN.
func (rt *ResourceType) Extension(uri string) *Schema {
	for _, ext := range rt.Extensions {
		if strings.EqualFold(ext.ID, uri) {
			return ext
		}
	}
	return nil
}

// SplitURN splits "urn:...:User:name.givenName" into the schema URN and the
// attribute path, if path starts with one of the resource type's schema URNs.
func (rt *ResourceType) SplitURN(path string) (uri, rest string) {
	for _, s := range append([]*Schema{rt.Schema}, rt.Extensions...) {
		if len(path) > len(s.ID) && strings.EqualFold(path[:len(s.ID)], s.ID) && path[len(s.ID)] == ':' {
			return s.ID, path[len(s.ID)+1:]
		}
	}
	return "", path
}

// ResolvePath finds the attribute named by a path such as "userName",
// "name.givenName", "emails.value" or "urn:...:enterprise:2.0:User:manager.value".
// A bare extension URN is not an attribute; see Extension.
func (rt *ResourceType) ResolvePath(path string) (*Attr, error) {
	uri, rest := rt.SplitURN(path)
	name, sub, hasSub := strings.Cut(rest, ".")
	a := rt.Attr(uri, name)
	if a == nil {
		return nil, fmt.Errorf("%q is not an attribute of %s", path, rt.Name)
	}
	if !hasSub {
		return a, nil
	}
	s := a.SubAttr(sub)
	if s == nil {
		return nil, fmt.Errorf("%q is not an attribute of %s", path, rt.Name)
	}
	return s, nil
}
