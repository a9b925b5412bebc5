package conformance

import (
	"strings"
)

func init() {
	m := true
	register("users",
		Check{ID: "users-create-201", Title: "POST /Users answers 201 with the created User", Section: "RFC 7644 §3.3", Profiles: rfc, Mutates: m, run: usersCreate201},
		Check{ID: "users-create-location", Title: "201 carries a Location header equal to meta.location", Section: "RFC 7644 §3.3, §3.1", Profiles: rfc, Mutates: m, run: usersCreateLocation},
		Check{ID: "users-create-meta", Title: "created User has meta.resourceType User, created and lastModified timestamps", Section: "RFC 7643 §3.1", Profiles: rfc, Mutates: m, run: usersCreateMeta},
		Check{ID: "users-create-schemas", Title: "created User lists the core User schema and a server-assigned id", Section: "RFC 7643 §3, §3.1", Profiles: rfc, Mutates: m, run: usersCreateSchemas},
		Check{ID: "users-create-echo", Title: "created User echoes userName, name, emails and active", Section: "RFC 7644 §3.3", Profiles: rfc, Mutates: m, run: usersCreateEcho},
		Check{ID: "users-create-multivalued", Title: "multi-valued complex attributes (emails, phoneNumbers, addresses) round-trip", Section: "RFC 7643 §2.4, §4.1.2", Profiles: rfc, Mutates: m, run: usersCreateMulti},
		Check{ID: "users-create-active-false", Title: "active false round-trips as a JSON boolean", Section: "RFC 7643 §4.1.1", Profiles: rfc, Mutates: m, run: usersCreateInactive},
		Check{ID: "users-create-primary-once", Title: "at most one primary email is kept (or the request is rejected with 400)", Section: "RFC 7643 §2.4", Profiles: rfc, Mutates: m, run: usersCreatePrimaryOnce},
		Check{ID: "users-create-attr-name-case", Title: "attribute names in requests are case-insensitive (\"USERNAME\")", Section: "RFC 7643 §2.1", Profiles: rfc, Mutates: m, run: usersCreateAttrCase},
		Check{ID: "users-create-missing-username-400", Title: "POST /Users without userName answers 400 invalidValue", Section: "RFC 7644 §3.3, §3.12", Profiles: rfc, Mutates: m, run: usersCreateNoUserName},
		Check{ID: "users-create-enterprise", Title: "enterprise extension attributes round-trip and the extension URN is in schemas", Section: "RFC 7643 §3.3, §4.3", Profiles: rfc, Mutates: m, Requires: []Feature{FeatEnterprise}, run: usersCreateEnterprise},
		Check{ID: "users-get-200", Title: "GET /Users/{id} answers 200 with the same User", Section: "RFC 7644 §3.4.1", Profiles: rfc, Mutates: m, run: usersGet200},
		Check{ID: "users-get-location-header", Title: "meta.location of a fetched User is an absolute URL ending in /Users/{id}", Section: "RFC 7643 §3.1", Profiles: rfc, Mutates: m, run: usersGetLocation},
		Check{ID: "users-get-404", Title: "GET /Users/{unknown id} answers 404 SCIM error", Section: "RFC 7644 §3.4.1, §3.12", Profiles: rfc, run: usersGet404},
		Check{ID: "users-list-200", Title: "GET /Users answers a ListResponse", Section: "RFC 7644 §3.4.2", Profiles: rfc, run: usersList200},
		Check{ID: "users-replace-200", Title: "PUT /Users/{id} answers 200 with the replaced User", Section: "RFC 7644 §3.5.1", Profiles: rfc, Mutates: m, run: usersReplace200},
		Check{ID: "users-replace-clears-omitted", Title: "PUT clears readWrite attributes left out of the body (nickName and title have no server default)", Section: "RFC 7644 §3.5.1", Profiles: rfc, Mutates: m, run: usersReplaceClears},
		Check{ID: "users-replace-readonly-ignored", Title: "PUT ignores client-supplied id and meta", Section: "RFC 7644 §3.5.1", Profiles: rfc, Mutates: m, run: usersReplaceReadOnly},
		Check{ID: "users-replace-immutable", Title: "PUT changing an immutable attribute answers 400 mutability", Section: "RFC 7644 §3.5.1", Profiles: rfc, Mutates: m, run: usersReplaceImmutable},
		Check{ID: "users-replace-timestamps", Title: "PUT keeps meta.created and does not move meta.lastModified backwards", Section: "RFC 7643 §3.1", Profiles: rfc, Mutates: m, run: usersReplaceTimestamps},
		Check{ID: "users-replace-missing-required-400", Title: "PUT without userName answers 400", Section: "RFC 7644 §3.5.1, §3.12", Profiles: rfc, Mutates: m, run: usersReplaceMissingRequired},
		Check{ID: "users-replace-404", Title: "PUT /Users/{unknown id} answers 404", Section: "RFC 7644 §3.5.1, §3.12", Profiles: rfc, Mutates: m, run: usersReplace404},
		Check{ID: "users-delete-204", Title: "DELETE /Users/{id} answers 204 with no body", Section: "RFC 7644 §3.6", Profiles: rfc, Mutates: m, run: usersDelete204},
		Check{ID: "users-delete-then-get-404", Title: "GET after DELETE answers 404", Section: "RFC 7644 §3.6", Profiles: rfc, Mutates: m, run: usersDeleteGet404},
		Check{ID: "users-delete-twice-404", Title: "a second DELETE answers 404", Section: "RFC 7644 §3.6", Profiles: rfc, Mutates: m, run: usersDeleteTwice},
		Check{ID: "users-delete-omitted-from-queries", Title: "a deleted User is omitted from query results", Section: "RFC 7644 §3.6", Profiles: rfc, Mutates: m, Requires: []Feature{FeatFilter}, run: usersDeleteOmitted},
	)
}

func usersCreate201(c *tc) {
	_, r := c.create("Users", c.userBody("c201"))
	c.expect(r.obj != nil, r, "201 without a JSON body")
	c.jsonContentType(r)
}

func usersCreateLocation(c *tc) {
	u, r := c.create("Users", c.userBody("loc"))
	loc := r.Header.Get("Location")
	c.expect(loc != "", r, "201 without Location header")
	c.expect(loc == str(u, "meta", "location"), r, "Location %q differs from meta.location %q", loc, str(u, "meta", "location"))
}

func (c *tc) checkMeta(r *resp, m map[string]any, rt string) {
	c.eq(r, str(m, "meta", "resourceType"), rt, "meta.resourceType")
	cr, okC := parseTime(str(m, "meta", "created"))
	lm, okL := parseTime(str(m, "meta", "lastModified"))
	c.expect(okC, r, "meta.created %q is not an xsd:dateTime", str(m, "meta", "created"))
	c.expect(okL, r, "meta.lastModified %q is not an xsd:dateTime", str(m, "meta", "lastModified"))
	if okC && okL {
		c.expect(!lm.Before(cr), r, "meta.lastModified %s is before meta.created %s", lm, cr)
	}
	c.expect(str(m, "meta", "location") != "", r, "meta.location missing")
}

func usersCreateMeta(c *tc) {
	u, r := c.create("Users", c.userBody("meta"))
	c.checkMeta(r, u, "User")
}

func usersCreateSchemas(c *tc) {
	u, r := c.create("Users", c.userBody("schemas"))
	c.expect(containsString(arr(u, "schemas"), schemaUser), r, "schemas lacks %s", schemaUser)
	c.expect(!strings.HasPrefix(idOf(u), "bulkId"), r, "id must not be the reserved word bulkId")
}

func usersCreateEcho(c *tc) {
	b := c.userBody("echo")
	u, r := c.create("Users", b)
	c.eq(r, str(u, "userName"), b["userName"], "userName")
	c.eq(r, str(u, "name", "familyName"), "Familyecho", "name.familyName")
	c.eq(r, str(u, "name", "givenName"), "Givenecho", "name.givenName")
	em := objs(u, "emails")
	c.expect(len(em) == 1 && strings.EqualFold(str(em[0], "value"), b["userName"].(string)+"@example.com"), r, "emails not echoed: %s", compact(get(u, "emails")))
	act, ok := boolean(u, "active")
	c.expect(ok && act, r, "active: want true, got %s", compact(get(u, "active")))
}

func usersCreateMulti(c *tc) {
	b := c.userBody("multi")
	b["phoneNumbers"] = []any{map[string]any{"value": "+1-555-0100", "type": "work"}, map[string]any{"value": "+1-555-0101", "type": "mobile"}}
	b["addresses"] = []any{map[string]any{"type": "work", "streetAddress": "1 Main St", "locality": "Springfield", "postalCode": "12345", "country": "US", "primary": true}}
	b["emails"] = append(b["emails"].([]any), map[string]any{"value": "home-" + b["userName"].(string) + "@example.org", "type": "home"})
	u := c.createUser(b)
	g, r := c.get("Users", idOf(u))
	c.expect(len(objs(g, "emails")) == 2, r, "want 2 emails, got %s", compact(get(g, "emails")))
	c.expect(len(objs(g, "phoneNumbers")) == 2, r, "want 2 phoneNumbers, got %s", compact(get(g, "phoneNumbers")))
	a := objs(g, "addresses")
	c.expect(len(a) == 1 && str(a[0], "streetAddress") == "1 Main St" && str(a[0], "locality") == "Springfield", r, "addresses not stored: %s", compact(get(g, "addresses")))
	var mobile bool
	for _, p := range objs(g, "phoneNumbers") {
		mobile = mobile || (str(p, "type") == "mobile" && str(p, "value") == "+1-555-0101")
	}
	c.expect(mobile, r, "mobile phone number lost: %s", compact(get(g, "phoneNumbers")))
}

func usersCreateInactive(c *tc) {
	b := c.userBody("inactive")
	b["active"] = false
	u := c.createUser(b)
	g, r := c.get("Users", idOf(u))
	act, ok := boolean(g, "active")
	c.expect(ok && !act, r, "active: want boolean false, got %s", compact(get(g, "active")))
}

func usersCreatePrimaryOnce(c *tc) {
	b := c.userBody("primary")
	n := b["userName"].(string)
	b["emails"] = []any{map[string]any{"value": n + "@a.example", "type": "work", "primary": true}, map[string]any{"value": n + "@b.example", "type": "home", "primary": true}}
	r := c.do("POST", "/Users", b)
	if r.Status == 201 {
		c.cleanupResource("/Users/" + idOf(r.obj))
		g, gr := c.get("Users", idOf(r.obj))
		primaries := 0
		for _, e := range objs(g, "emails") {
			if p, _ := boolean(e, "primary"); p {
				primaries++
			}
		}
		c.expect(primaries <= 1, gr, "%d emails are primary; at most one may be", primaries)
		return
	}
	c.scimError(r, 400)
}

func usersCreateAttrCase(c *tc) {
	n := c.name("attrcase")
	u := c.createUser(map[string]any{"SCHEMAS": []any{schemaUser}, "USERNAME": n, "Active": true})
	g, r := c.get("Users", idOf(u))
	c.eq(r, str(g, "userName"), n, "userName sent as USERNAME")
}

func usersCreateNoUserName(c *tc) {
	b := c.userBody("nouser")
	delete(b, "userName")
	r := c.do("POST", "/Users", b)
	if r.Status < 300 && idOf(r.obj) != "" {
		c.cleanupResource("/Users/" + idOf(r.obj))
	}
	c.scimError(r, 400, "invalidValue")
}

func usersCreateEnterprise(c *tc) {
	b := c.userBody("ent")
	b["schemas"] = []any{schemaUser, schemaEnt}
	b[schemaEnt] = map[string]any{"employeeNumber": "E-" + c.name("n"), "department": "Research", "costCenter": "CC7"}
	u := c.createUser(b)
	g, r := c.get("Users", idOf(u))
	c.expect(containsString(arr(g, "schemas"), schemaEnt), r, "schemas lacks %s", schemaEnt)
	c.eq(r, str(g, schemaEnt, "department"), "Research", "enterprise department")
	c.eq(r, str(g, schemaEnt, "employeeNumber"), b[schemaEnt].(map[string]any)["employeeNumber"], "enterprise employeeNumber")
}

func usersGet200(c *tc) {
	u := c.mkUser("get")
	g, r := c.get("Users", idOf(u))
	c.eq(r, idOf(g), idOf(u), "id")
	c.eq(r, str(g, "userName"), str(u, "userName"), "userName")
	c.jsonContentType(r)
}

func usersGetLocation(c *tc) {
	u := c.mkUser("getloc")
	g, r := c.get("Users", idOf(u))
	loc := str(g, "meta", "location")
	c.expect(strings.HasPrefix(loc, "http") && strings.HasSuffix(loc, "/Users/"+idOf(u)), r, "meta.location %q is not an absolute URL ending in /Users/%s", loc, idOf(u))
}

func usersGet404(c *tc) {
	c.scimError(c.do("GET", "/Users/scimconf-00000000-0000-0000-0000-000000000000", nil), 404)
}

func usersList200(c *tc) {
	l := c.list("/Users")
	c.expect(containsString(arr(l.r.obj, "schemas"), msgList), l.r, "schemas must contain %s", msgList)
	c.expect(l.total >= len(l.items), l.r, "totalResults %d is less than the %d returned resources", l.total, len(l.items))
}

func (c *tc) put(typ, rid string, body any, opts ...reqOpt) *resp {
	return c.do("PUT", "/"+typ+"/"+rid, body, opts...)
}

func usersReplace200(c *tc) {
	u := c.mkUser("put")
	b := c.userBody("x")
	b["userName"] = str(u, "userName")
	b["name"] = map[string]any{"givenName": "Replaced", "familyName": "Person"}
	b["title"] = "Director"
	r := c.put("Users", idOf(u), b)
	c.status(r, 200)
	c.eq(r, str(r.obj, "name", "givenName"), "Replaced", "name.givenName in PUT response")
	g, gr := c.get("Users", idOf(u))
	c.eq(gr, str(g, "title"), "Director", "title after PUT")
	c.eq(gr, str(g, "name", "familyName"), "Person", "name.familyName after PUT")
}

func usersReplaceClears(c *tc) {
	b := c.userBody("clear")
	b["nickName"] = "Nick"
	b["title"] = "Boss"
	u := c.createUser(b)
	delete(b, "nickName")
	delete(b, "title")
	c.status(c.put("Users", idOf(u), b), 200)
	g, r := c.get("Users", idOf(u))
	c.expect(!has(g, "nickName"), r, "nickName survived a PUT that omitted it: %s", compact(get(g, "nickName")))
	c.expect(!has(g, "title"), r, "title survived a PUT that omitted it: %s", compact(get(g, "title")))
}

func usersReplaceReadOnly(c *tc) {
	b := c.userBody("ro")
	u := c.createUser(b)
	b["id"] = "scimconf-client-chosen-id"
	b["meta"] = map[string]any{"created": "2001-01-01T00:00:00Z", "resourceType": "Group"}
	r := c.put("Users", idOf(u), b)
	c.status(r, 200)
	g, gr := c.get("Users", idOf(u))
	c.eq(gr, idOf(g), idOf(u), "id after PUT with a different id in the body")
	c.eq(gr, str(g, "meta", "resourceType"), "User", "meta.resourceType")
	c.expect(!strings.HasPrefix(str(g, "meta", "created"), "2001-01-01"), gr, "client-supplied meta.created was stored")
}

func usersReplaceImmutable(c *tc) {
	s, _ := c.schema(schemaUser)
	var attr string
	for _, a := range objs(s, "attributes") {
		if str(a, "mutability") == "immutable" && str(a, "type") == "string" && !isTrue(a, "multiValued") {
			attr = str(a, "name")
		}
	}
	if attr == "" {
		c.skipf("the User schema declares no single-valued immutable string attribute")
	}
	b := c.userBody("immut")
	b[attr] = "first-value"
	u := c.createUser(b)
	b[attr] = "second-value"
	c.scimError(c.put("Users", idOf(u), b), 400, "mutability")
}

// isTrue reports whether m[key] is the boolean true.
func isTrue(m map[string]any, key string) bool {
	v, _ := boolean(m, key)
	return v
}

func usersReplaceTimestamps(c *tc) {
	b := c.userBody("ts")
	u := c.createUser(b)
	b["title"] = "Changed"
	r := c.put("Users", idOf(u), b)
	c.status(r, 200)
	g, gr := c.get("Users", idOf(u))
	c.eq(gr, str(g, "meta", "created"), str(u, "meta", "created"), "meta.created after PUT")
	before, _ := parseTime(str(u, "meta", "lastModified"))
	after, ok := parseTime(str(g, "meta", "lastModified"))
	c.expect(ok && !after.Before(before), gr, "meta.lastModified moved from %s to %s", before, after)
}

func usersReplaceMissingRequired(c *tc) {
	b := c.userBody("req")
	u := c.createUser(b)
	delete(b, "userName")
	r := c.put("Users", idOf(u), b)
	c.scimError(r, 400, "invalidValue", "invalidSyntax", "mutability")
	g, gr := c.get("Users", idOf(u))
	c.eq(gr, str(g, "userName"), str(u, "userName"), "userName after rejected PUT")
}

func usersReplace404(c *tc) {
	b := c.userBody("put404")
	c.scimError(c.put("Users", "scimconf-00000000-0000-0000-0000-000000000404", b), 404)
}

func (c *tc) del(typ, rid string, opts ...reqOpt) *resp {
	return c.do("DELETE", "/"+typ+"/"+rid, nil, opts...)
}

func usersDelete204(c *tc) {
	u := c.mkUser("del")
	r := c.del("Users", idOf(u))
	c.status(r, 204)
	c.expect(len(strings.TrimSpace(string(r.Body))) == 0, r, "204 must not carry a body")
}

func usersDeleteGet404(c *tc) {
	u := c.mkUser("delget")
	c.status(c.del("Users", idOf(u)), 204)
	c.scimError(c.do("GET", "/Users/"+idOf(u), nil), 404)
}

func usersDeleteTwice(c *tc) {
	u := c.mkUser("del2")
	c.status(c.del("Users", idOf(u)), 204)
	c.scimError(c.del("Users", idOf(u)), 404)
}

func usersDeleteOmitted(c *tc) {
	u := c.mkUser("delq")
	c.status(c.del("Users", idOf(u)), 204)
	l := c.filter("Users", "userName eq "+quote(str(u, "userName")))
	c.expect(l.total == 0 && len(l.items) == 0, l.r, "deleted user still returned by a query")
}
