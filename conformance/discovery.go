package conformance

import (
	"net/url"
	"strings"
)

var (
	rfc   = []Profile{ProfileRFC}
	okta  = []Profile{ProfileOkta}
	entra = []Profile{ProfileEntra}
)

func init() {
	register("discovery",
		Check{ID: "disc-spc-200", Title: "GET /ServiceProviderConfig answers 200 with the SPC schema", Section: "RFC 7644 §4", Profiles: rfc, run: discSPC200},
		Check{ID: "disc-spc-content-type", Title: "SPC response is application/scim+json", Section: "RFC 7644 §3.1, §8.1", Profiles: rfc, run: discSPCContentType},
		Check{ID: "disc-spc-required", Title: "SPC carries patch, bulk, filter, changePassword, sort, etag and authenticationSchemes with boolean supported", Section: "RFC 7643 §5", Profiles: rfc, run: discSPCRequired},
		Check{ID: "disc-spc-auth-schemes", Title: "SPC authenticationSchemes entries have type, name and description", Section: "RFC 7643 §5", Profiles: rfc, run: discSPCAuthSchemes},
		Check{ID: "disc-spc-filter-maxresults", Title: "SPC filter.maxResults is a positive integer when filtering is supported", Section: "RFC 7643 §5", Profiles: rfc, Requires: []Feature{FeatFilter}, run: discSPCFilterMax},
		Check{ID: "disc-spc-bulk-limits", Title: "SPC bulk.maxOperations and bulk.maxPayloadSize are positive when bulk is supported", Section: "RFC 7643 §5", Profiles: rfc, Requires: []Feature{FeatBulk}, run: discSPCBulkLimits},
		Check{ID: "disc-spc-pagination", Title: "SPC pagination object is consistent (cursor, index, defaultPaginationMethod, page sizes, cursorTimeout)", Section: "RFC 9865 §4", Profiles: rfc, run: discSPCPagination},
		Check{ID: "disc-spc-json-accept", Title: "SPC is served to Accept: application/json", Section: "RFC 7644 §3.8", Profiles: rfc, run: discSPCAcceptJSON},
		Check{ID: "disc-schemas-list", Title: "GET /Schemas answers a ListResponse of Schema resources", Section: "RFC 7644 §4", Profiles: rfc, run: discSchemasList},
		Check{ID: "disc-schemas-user", Title: "User schema defines userName as required with server uniqueness", Section: "RFC 7643 §4.1, §7", Profiles: rfc, run: discSchemasUser},
		Check{ID: "disc-schemas-group", Title: "Group schema defines displayName and members", Section: "RFC 7643 §4.2, §7", Profiles: rfc, run: discSchemasGroup},
		Check{ID: "disc-schemas-attr-characteristics", Title: "every schema attribute has valid name, type, multiValued, mutability and returned", Section: "RFC 7643 §7", Profiles: rfc, run: discSchemasCharacteristics},
		Check{ID: "disc-schemas-password", Title: "User password attribute is writeOnly and returned never", Section: "RFC 7643 §4.1.1", Profiles: rfc, run: discSchemasPassword},
		Check{ID: "disc-schemas-groups-readonly", Title: "User groups attribute is readOnly", Section: "RFC 7643 §4.1.2", Profiles: rfc, run: discSchemasGroupsReadOnly},
		Check{ID: "disc-schemas-by-id", Title: "GET /Schemas/{urn} answers the User schema", Section: "RFC 7644 §4", Profiles: rfc, run: discSchemasByID},
		Check{ID: "disc-schemas-unknown-404", Title: "GET /Schemas/{unknown urn} answers 404", Section: "RFC 7644 §3.4.1, §3.12", Profiles: rfc, run: discSchemasUnknown},
		Check{ID: "disc-schemas-enterprise", Title: "enterprise extension schema is published with employeeNumber and manager", Section: "RFC 7643 §4.3", Profiles: rfc, Requires: []Feature{FeatEnterprise}, run: discSchemasEnterprise},
		Check{ID: "disc-rt-list", Title: "GET /ResourceTypes lists User and Group", Section: "RFC 7644 §4", Profiles: rfc, run: discRTList},
		Check{ID: "disc-rt-user", Title: "User resource type has endpoint /Users and the core User schema", Section: "RFC 7643 §6", Profiles: rfc, run: discRTUser},
		Check{ID: "disc-rt-group", Title: "Group resource type has endpoint /Groups and the core Group schema", Section: "RFC 7643 §6", Profiles: rfc, run: discRTGroup},
		Check{ID: "disc-rt-by-id", Title: "GET /ResourceTypes/User answers the User resource type", Section: "RFC 7644 §4", Profiles: rfc, run: discRTByID},
		Check{ID: "disc-rt-unknown-404", Title: "GET /ResourceTypes/{unknown} answers 404", Section: "RFC 7644 §3.4.1, §3.12", Profiles: rfc, run: discRTUnknown},
		Check{ID: "disc-rt-schemas-resolvable", Title: "every schema and schemaExtension named by a resource type is published in /Schemas", Section: "RFC 7643 §6", Profiles: rfc, run: discRTResolvable},
	)
}

func (c *tc) getOK(path string) *resp {
	r := c.do("GET", path, nil)
	c.status(r, 200)
	c.must(r.obj != nil, r, "GET %s: body is not a JSON object", path)
	return r
}

func discSPC200(c *tc) {
	r := c.getOK("/ServiceProviderConfig")
	c.expect(containsString(arr(r.obj, "schemas"), schemaSPC), r, "schemas must contain %s", schemaSPC)
}

func discSPCContentType(c *tc) {
	r := c.getOK("/ServiceProviderConfig")
	c.expect(strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), mediaSCIM), r, "Content-Type: want %s, got %q", mediaSCIM, r.Header.Get("Content-Type"))
}

func discSPCRequired(c *tc) {
	r := c.getOK("/ServiceProviderConfig")
	for _, f := range []string{"patch", "bulk", "filter", "changePassword", "sort", "etag"} {
		_, ok := boolean(r.obj, f, "supported")
		c.expect(ok, r, "%s.supported must be a boolean (REQUIRED), got %s", f, compact(get(r.obj, f)))
	}
	_, ok := get(r.obj, "authenticationSchemes").([]any)
	c.expect(ok, r, "authenticationSchemes must be a multi-valued attribute (REQUIRED)")
}

func discSPCAuthSchemes(c *tc) {
	r := c.getOK("/ServiceProviderConfig")
	schemes := objs(r.obj, "authenticationSchemes")
	c.must(len(schemes) > 0, r, "authenticationSchemes is empty; a bearer-token server should advertise e.g. type oauthbearertoken")
	for _, s := range schemes {
		c.expect(str(s, "type") != "" && str(s, "name") != "" && str(s, "description") != "", r, "authentication scheme %s lacks type, name or description", compact(s))
	}
}

func discSPCFilterMax(c *tc) {
	r := c.getOK("/ServiceProviderConfig")
	n, ok := num(r.obj, "filter", "maxResults")
	c.expect(ok && n > 0, r, "filter.maxResults must be a positive integer, got %s", compact(get(r.obj, "filter", "maxResults")))
}

func discSPCBulkLimits(c *tc) {
	r := c.getOK("/ServiceProviderConfig")
	for _, k := range []string{"maxOperations", "maxPayloadSize"} {
		n, ok := num(r.obj, "bulk", k)
		c.expect(ok && n > 0, r, "bulk.%s must be a positive integer, got %s", k, compact(get(r.obj, "bulk", k)))
	}
}

func discSPCPagination(c *tc) {
	r := c.getOK("/ServiceProviderConfig")
	p := obj(r.obj, "pagination")
	if p == nil {
		c.skipf("SPC has no pagination object (RFC 9865 not advertised)")
	}
	cur, okC := boolean(p, "cursor")
	idx, okI := boolean(p, "index")
	c.expect(okC && okI, r, "pagination.cursor and pagination.index must be booleans, got %s", compact(p))
	c.expect(cur || idx, r, "pagination advertises neither cursor nor index")
	if m := str(p, "defaultPaginationMethod"); m != "" {
		c.expect((m == "cursor" && cur) || (m == "index" && idx), r, "defaultPaginationMethod %q names a method the SPC does not support", m)
	}
	def, okD := num(p, "defaultPageSize")
	max, okM := num(p, "maxPageSize")
	if okD {
		c.expect(def > 0, r, "defaultPageSize must be positive, got %d", def)
	}
	if okD && okM {
		c.expect(def <= max, r, "defaultPageSize %d exceeds maxPageSize %d", def, max)
	}
	if v := get(p, "cursorTimeout"); v != nil {
		n, ok := num(p, "cursorTimeout")
		c.expect(ok && n >= 0, r, "cursorTimeout must be a non-negative integer (seconds), got %s", compact(v))
	}
}

func discSPCAcceptJSON(c *tc) {
	r := c.do("GET", "/ServiceProviderConfig", nil, hdr("Accept", mediaJSON))
	c.status(r, 200)
	c.expect(containsString(arr(r.obj, "schemas"), schemaSPC), r, "schemas must contain %s", schemaSPC)
}

func discSchemasList(c *tc) {
	l := c.list("/Schemas")
	c.expect(containsString(arr(l.r.obj, "schemas"), msgList), l.r, "schemas must contain %s", msgList)
	c.expect(len(l.items) > 0 && l.total >= len(l.items), l.r, "want at least one schema with totalResults >= len(Resources), got total=%d len=%d", l.total, len(l.items))
	for _, s := range l.items {
		c.expect(str(s, "id") != "" && get(s, "attributes") != nil, l.r, "schema %q lacks id or attributes", str(s, "id"))
	}
}

// schemaAttr finds an attribute definition of a schema by name.
func schemaAttr(schema map[string]any, name string) map[string]any {
	for _, a := range objs(schema, "attributes") {
		if strings.EqualFold(str(a, "name"), name) {
			return a
		}
	}
	return nil
}

func (c *tc) schema(urn string) (map[string]any, *resp) {
	l := c.list("/Schemas")
	for _, s := range l.items {
		if str(s, "id") == urn {
			return s, l.r
		}
	}
	c.fatalf(l.r, "/Schemas does not contain %s", urn)
	return nil, nil
}

func discSchemasUser(c *tc) {
	s, r := c.schema(schemaUser)
	a := schemaAttr(s, "userName")
	c.must(a != nil, r, "User schema has no userName attribute")
	req, _ := boolean(a, "required")
	c.expect(req, r, "userName must be required, got %s", compact(a))
	c.expect(str(a, "uniqueness") == "server" || str(a, "uniqueness") == "global", r, "userName uniqueness must be server (or global), got %q", str(a, "uniqueness"))
}

func discSchemasGroup(c *tc) {
	s, r := c.schema(schemaGroup)
	c.expect(schemaAttr(s, "displayName") != nil, r, "Group schema has no displayName")
	m := schemaAttr(s, "members")
	c.must(m != nil, r, "Group schema has no members")
	mv, _ := boolean(m, "multiValued")
	c.expect(mv, r, "members must be multiValued")
}

var (
	attrTypes    = map[string]bool{"string": true, "boolean": true, "decimal": true, "integer": true, "datetime": true, "binary": true, "reference": true, "complex": true}
	mutabilities = map[string]bool{"readOnly": true, "readWrite": true, "immutable": true, "writeOnly": true}
	returneds    = map[string]bool{"always": true, "never": true, "default": true, "request": true}
)

func (c *tc) checkAttrs(r *resp, where string, attrs []map[string]any) {
	for _, a := range attrs {
		n := where + "." + str(a, "name")
		_, mvOK := boolean(a, "multiValued")
		c.expect(str(a, "name") != "" && attrTypes[strings.ToLower(str(a, "type"))] && mvOK, r, "%s: needs name, a valid type and boolean multiValued: %s", n, compact(a))
		if m := str(a, "mutability"); m != "" {
			c.expect(mutabilities[m], r, "%s: invalid mutability %q", n, m)
		}
		if rt := str(a, "returned"); rt != "" {
			c.expect(returneds[rt], r, "%s: invalid returned %q", n, rt)
		}
		c.checkAttrs(r, n, objs(a, "subAttributes"))
	}
}

func discSchemasCharacteristics(c *tc) {
	l := c.list("/Schemas")
	c.must(len(l.items) > 0, l.r, "no schemas")
	for _, s := range l.items {
		c.checkAttrs(l.r, str(s, "id"), objs(s, "attributes"))
	}
}

func discSchemasPassword(c *tc) {
	s, r := c.schema(schemaUser)
	a := schemaAttr(s, "password")
	if a == nil {
		c.skipf("User schema defines no password attribute")
	}
	c.expect(str(a, "mutability") == "writeOnly", r, "password mutability: want writeOnly, got %q", str(a, "mutability"))
	c.expect(str(a, "returned") == "never", r, "password returned: want never, got %q", str(a, "returned"))
}

func discSchemasGroupsReadOnly(c *tc) {
	s, r := c.schema(schemaUser)
	a := schemaAttr(s, "groups")
	if a == nil {
		c.skipf("User schema defines no groups attribute")
	}
	c.expect(str(a, "mutability") == "readOnly", r, "groups mutability: want readOnly, got %q", str(a, "mutability"))
}

func discSchemasByID(c *tc) {
	r := c.getOK("/Schemas/" + schemaUser)
	c.eq(r, str(r.obj, "id"), schemaUser, "id of /Schemas/{urn}")
	c.expect(schemaAttr(r.obj, "userName") != nil, r, "schema lacks userName attribute")
}

func discSchemasUnknown(c *tc) {
	r := c.do("GET", "/Schemas/urn:example:scimconf:unknown:2.0:Nothing", nil)
	c.scimError(r, 404)
}

func discSchemasEnterprise(c *tc) {
	s, r := c.schema(schemaEnt)
	c.expect(schemaAttr(s, "employeeNumber") != nil, r, "enterprise schema lacks employeeNumber")
	c.expect(schemaAttr(s, "manager") != nil, r, "enterprise schema lacks manager")
}

func (c *tc) resourceType(name string) (map[string]any, *resp) {
	l := c.list("/ResourceTypes")
	for _, rt := range l.items {
		if str(rt, "name") == name || str(rt, "id") == name {
			return rt, l.r
		}
	}
	c.fatalf(l.r, "/ResourceTypes has no %s", name)
	return nil, nil
}

func discRTList(c *tc) {
	l := c.list("/ResourceTypes")
	c.expect(containsString(arr(l.r.obj, "schemas"), msgList), l.r, "schemas must contain %s", msgList)
	c.expect(findByAttr(l.items, "name", "User") != nil, l.r, "no User resource type")
	c.expect(findByAttr(l.items, "name", "Group") != nil, l.r, "no Group resource type")
}

func (c *tc) checkRT(name, endpoint, schema string) {
	rt, r := c.resourceType(name)
	c.expect(containsString(arr(rt, "schemas"), schemaRT), r, "%s resource type schemas must contain %s", name, schemaRT)
	c.eq(r, str(rt, "endpoint"), endpoint, name+" endpoint")
	c.eq(r, str(rt, "schema"), schema, name+" schema")
}

func discRTUser(c *tc)  { c.checkRT("User", "/Users", schemaUser) }
func discRTGroup(c *tc) { c.checkRT("Group", "/Groups", schemaGroup) }

func discRTByID(c *tc) {
	r := c.getOK("/ResourceTypes/User")
	c.eq(r, str(r.obj, "name"), "User", "name")
	c.eq(r, str(r.obj, "endpoint"), "/Users", "endpoint")
}

func discRTUnknown(c *tc) {
	c.scimError(c.do("GET", "/ResourceTypes/"+url.PathEscape("ScimconfNoSuchType"), nil), 404)
}

func discRTResolvable(c *tc) {
	l := c.list("/ResourceTypes")
	have := map[string]bool{}
	sl := c.list("/Schemas")
	for _, s := range sl.items {
		have[str(s, "id")] = true
	}
	c.must(len(l.items) > 0, l.r, "no resource types")
	for _, rt := range l.items {
		c.expect(have[str(rt, "schema")], sl.r, "resource type %s names schema %q which /Schemas does not list", str(rt, "name"), str(rt, "schema"))
		for _, e := range objs(rt, "schemaExtensions") {
			_, reqOK := boolean(e, "required")
			c.expect(have[str(e, "schema")] && reqOK, sl.r, "resource type %s extension %s: schema must be listed in /Schemas and required a boolean", str(rt, "name"), compact(e))
		}
	}
}
