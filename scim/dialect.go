package scim

import (
	"context"

	"github.com/scimd/scimd/store"
)

// A dialect is the variant of SCIM a client speaks. scimd follows the
// RFCs strictly by default; the few places where a real IdP's requests
// need another reading are switches here, chosen per IdP connection by
// its client profile (`scimd token create --idp okta|entra|generic|auto`).
// Deviations that cost strict clients nothing (accepting "Replace" for
// "replace", say) apply to every client and are listed in Deviations too.
type dialect struct {
	name string
	// replaceCreates: see patchRules.replaceCreates.
	replaceCreates bool
}

var (
	genericDialect = dialect{name: store.IdPGeneric}
	oktaDialect    = dialect{name: store.IdPOkta}
	entraDialect   = dialect{name: store.IdPEntra, replaceCreates: true}
)

// dialectOf picks the dialect of a request from its connection's profile.
// Under "auto" a request is read as Entra ID's when it carries what only
// Entra sends (entraSigns: capitalised PATCH operation names), else
// strictly.
func dialectOf(ctx context.Context, entraSigns bool) dialect {
	switch connection(ctx).IdP {
	case store.IdPEntra:
		return entraDialect
	case store.IdPOkta:
		return oktaDialect
	case store.IdPGeneric:
		return genericDialect
	}
	if entraSigns {
		return entraDialect
	}
	return genericDialect
}

// Deviation is one place where an IdP's requests bend an RFC rule, what
// scimd does about it, and the test that replays the IdP's request.
type Deviation struct {
	IdP       string
	Sends     string
	Rule      string
	Behaviour string
	Test      string
}

// Deviations is the table of IdP dialects, documented in the README (a
// test keeps the two the same).
var Deviations = []Deviation{
	{"Entra ID", `replace of emails[type eq "work"].value on a user without a work email`,
		"RFC 7644 §3.5.2.3: replace through a filter that matches nothing is 400 noTarget",
		"creates the element the filter describes, for the entra profile and, under auto, for requests that write operation names capitalised; 400 noTarget for generic and okta",
		"TestEntraProvisioning, TestClientProfiles"},
	{"Entra ID", `operation names capitalised ("Replace", "Add", "Remove")`,
		`RFC 7644 §3.5.2: op is "add", "remove" or "replace"`,
		"accepted from every client; under auto it marks a request as Entra's", "TestEntraProvisioning"},
	{"Entra ID", `booleans as strings ("False")`, "RFC 7643 §2.3.2: a boolean is true or false",
		`"true"/"false" in any case accepted from every client (the meaning is unambiguous)`, "TestEntraProvisioning"},
	{"Entra ID", `dotted keys in a no-path value ("name.givenName"), manager as a plain id string`,
		"RFC 7644 §3.5.2: a no-path value is an object of attributes",
		"read as the attributes they name, from every client", "TestEntraProvisioning"},
	{"Entra ID", `{"op":"Remove","path":"members","value":[{"value":"id"}]}`,
		"RFC 7644 §3.5.2.2: remove of members without a filter removes all of them",
		"removes only the listed members, from every client (the other reading empties the group)", "TestEntraProvisioning"},
	{"Okta", "Content-Type: application/json", "RFC 7644 §8.1: application/scim+json",
		"accepted from every client", "TestOktaProvisioning"},
	{"Okta", `the group's id inside a no-path replace value when renaming it`,
		"RFC 7643 §2.2: id is readOnly",
		"read-only attributes in a no-path value are ignored, for every client", "TestOktaProvisioning"},
}
