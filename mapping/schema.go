// Package mapping converts between SCIM resources (JSON documents) and the
// store's records, and maps SCIM attribute paths to store columns. The
// schema registry here is the one table that the filter compiler, sortBy,
// attributes/excludedAttributes, PATCH and the decoders all read.
package mapping

import (
	"strings"

	"github.com/elimity-com/scim/schema"

	"github.com/scimd/scimd/store"
)

// Schema URNs.
const (
	UserSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// Type is an attribute's data type (RFC 7643 §2.3).
type Type string

// Data types.
const (
	String    Type = "string"
	Boolean   Type = "boolean"
	Decimal   Type = "decimal"
	Integer   Type = "integer"
	DateTime  Type = "dateTime"
	Binary    Type = "binary"
	Reference Type = "reference"
	Complex   Type = "complex"
)

// Mutability values (RFC 7643 §2.2).
const (
	ReadOnly  = "readOnly"
	ReadWrite = "readWrite"
	Immutable = "immutable"
	WriteOnly = "writeOnly"
)

// Returned values (RFC 7643 §2.2).
const (
	ReturnAlways  = "always"
	ReturnNever   = "never"
	ReturnDefault = "default"
	ReturnRequest = "request"
)

// Attr is one attribute of a schema with its characteristics and, where it
// can be filtered or sorted on, the store field behind it.
type Attr struct {
	Name        string
	Type        Type
	MultiValued bool
	CaseExact   bool
	Required    bool
	Mutability  string
	Returned    string
	Uniqueness  string
	Sub         []*Attr
	// Schema is the URN of the schema the attribute belongs to.
	Schema string
	// Parent is the complex attribute this is a sub-attribute of.
	Parent *Attr
	// Field is the column behind the attribute; nil when it cannot be
	// filtered or sorted on.
	Field *store.Field
}

// SubAttr finds a sub-attribute by name, case-insensitively.
func (a *Attr) SubAttr(name string) *Attr {
	for _, s := range a.Sub {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

// Path is the attribute's full name, e.g. "name.givenName" or
// "urn:...:enterprise:2.0:User:manager.value" for extensions.
func (a *Attr) Path() string {
	p := a.Name
	if a.Parent != nil {
		p = a.Parent.Path() + "." + a.Name
	} else if a.Schema != UserSchema && a.Schema != GroupSchema && a.Schema != "" {
		p = a.Schema + ":" + a.Name
	}
	return p
}

// Schema is a SCIM schema: its definition for discovery and its attributes.
type Schema struct {
	ID    string
	Attrs []*Attr
	// Def is the definition served at /Schemas.
	Def schema.Schema
}

// Attr finds a top-level attribute by name, case-insensitively.
func (s *Schema) Attr(name string) *Attr {
	for _, a := range s.Attrs {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// ResourceType is a SCIM resource type: User or Group.
type ResourceType struct {
	Name        string // "User"
	Endpoint    string // "/Users"
	Description string
	Schema      *Schema
	Extensions  []*Schema
	// Common holds id, externalId and meta, shared by every resource type.
	Common *Schema
}

// newSchema converts an elimity schema definition into attributes.
func newSchema(def schema.Schema) *Schema {
	s := &Schema{ID: def.ID, Def: def}
	for _, a := range def.Attributes {
		s.Attrs = append(s.Attrs, convertAttr(a, def.ID, nil))
	}
	return s
}

func convertAttr(a schema.CoreAttribute, urn string, parent *Attr) *Attr {
	out := &Attr{
		Name:        a.Name(),
		Type:        Type(a.AttributeType()),
		MultiValued: a.MultiValued(),
		CaseExact:   a.CaseExact(),
		Required:    a.Required(),
		Mutability:  a.Mutability(),
		Returned:    a.Returned(),
		Uniqueness:  a.Uniqueness(),
		Schema:      urn,
		Parent:      parent,
	}
	for _, sub := range a.SubAttributes() {
		out.Sub = append(out.Sub, convertAttr(sub, urn, out))
	}
	return out
}

// commonSchema holds id, externalId and meta (RFC 7643 §3.1). They belong to
// no schema URN of their own; Schema is left empty.
func commonSchema() *Schema {
	s := &Schema{}
	for _, a := range schema.CommonAttributes() {
		if a.Name() == "schemas" {
			continue
		}
		s.Attrs = append(s.Attrs, convertAttr(a, "", nil))
	}
	return s
}
