package conformance

func init() {
	m := true
	register("projection",
		Check{ID: "proj-attributes-only", Title: "attributes=userName returns userName and no default attributes", Section: "RFC 7644 §3.9", Profiles: rfc, Mutates: m, run: projOnly},
		Check{ID: "proj-attributes-always", Title: "id and schemas are returned even when not requested (meta may be omitted: returned default)", Section: "RFC 7644 §3.9, RFC 7643 §3.1", Profiles: rfc, Mutates: m, run: projAlways},
		Check{ID: "proj-attributes-subattr", Title: "attributes=name.familyName returns only that sub-attribute of name", Section: "RFC 7644 §3.9, §3.10", Profiles: rfc, Mutates: m, run: projSubAttr},
		Check{ID: "proj-attributes-case", Title: "attribute names in attributes= are case-insensitive", Section: "RFC 7644 §3.9, RFC 7643 §2.1", Profiles: rfc, Mutates: m, run: projCase},
		Check{ID: "proj-attributes-urn", Title: "attributes= accepts fully qualified core names", Section: "RFC 7644 §3.10", Profiles: rfc, Mutates: m, run: projURN},
		Check{ID: "proj-attributes-extension", Title: "attributes= accepts an enterprise extension attribute", Section: "RFC 7644 §3.10", Profiles: rfc, Mutates: m, Requires: []Feature{FeatEnterprise}, run: projExtension},
		Check{ID: "proj-excluded", Title: "excludedAttributes=emails drops emails and keeps the rest", Section: "RFC 7644 §3.9", Profiles: rfc, Mutates: m, run: projExcluded},
		Check{ID: "proj-excluded-id-kept", Title: "excludedAttributes=id cannot remove id (returned always)", Section: "RFC 7644 §3.9, RFC 7643 §2.2", Profiles: rfc, Mutates: m, run: projExcludedID},
		Check{ID: "proj-password-never", Title: "attributes=password still does not return the password", Section: "RFC 7643 §2.2, §4.1.1", Profiles: rfc, Mutates: m, run: projPassword},
		Check{ID: "proj-groups-excluded-members", Title: "GET /Groups/{id}?excludedAttributes=members returns no members", Section: "RFC 7644 §3.9", Profiles: rfc, Mutates: m, run: projGroupExcluded},
		Check{ID: "proj-list-attributes", Title: "attributes= applies to every Resource of a list", Section: "RFC 7644 §3.4.2.5, §3.9", Profiles: rfc, Mutates: m, Requires: []Feature{FeatFilter}, run: projList},
		Check{ID: "proj-list-excluded-members", Title: "GET /Groups?excludedAttributes=members returns Groups without members", Section: "RFC 7644 §3.4.2.5, §3.9", Profiles: rfc, Mutates: m, Requires: []Feature{FeatFilter}, run: projListGroups},
		Check{ID: "proj-post-attributes", Title: "POST /Users?attributes=userName projects the created resource", Section: "RFC 7644 §3.9", Profiles: rfc, Mutates: m, run: projPost},
	)
}

func projOnly(c *tc) {
	u := c.mkUser("po")
	g, r := c.get("Users", idOf(u), "attributes", "userName")
	c.eq(r, str(g, "userName"), str(u, "userName"), "userName")
	c.expect(!has(g, "name") && !has(g, "emails") && !has(g, "active"), r, "attributes=userName returned other attributes: %s", compact(g))
}

func projAlways(c *tc) {
	u := c.mkUser("pa")
	g, r := c.get("Users", idOf(u), "attributes", "name")
	c.eq(r, idOf(g), idOf(u), "id (returned always)")
	c.expect(containsString(arr(g, "schemas"), schemaUser), r, "schemas missing from a projected resource")
	c.expect(has(g, "name", "familyName"), r, "requested attribute name missing")
}

func projSubAttr(c *tc) {
	u := c.mkUser("ps")
	g, r := c.get("Users", idOf(u), "attributes", "name.familyName")
	c.eq(r, str(g, "name", "familyName"), "Familyps", "name.familyName")
	c.expect(!has(g, "name", "givenName"), r, "name.givenName returned though only name.familyName was requested")
	c.expect(!has(g, "emails"), r, "emails returned though not requested")
}

func projCase(c *tc) {
	u := c.mkUser("pc")
	g, r := c.get("Users", idOf(u), "attributes", "USERNAME")
	c.eq(r, str(g, "userName"), str(u, "userName"), "userName requested as USERNAME")
	c.expect(!has(g, "emails"), r, "emails returned though not requested")
}

func projURN(c *tc) {
	u := c.mkUser("pu")
	g, r := c.get("Users", idOf(u), "attributes", schemaUser+":userName")
	c.eq(r, str(g, "userName"), str(u, "userName"), "userName")
	c.expect(!has(g, "emails"), r, "emails returned though not requested")
}

func projExtension(c *tc) {
	b := c.userBody("pe")
	b["schemas"] = []any{schemaUser, schemaEnt}
	b[schemaEnt] = map[string]any{"employeeNumber": "42", "department": "Ops"}
	u := c.createUser(b)
	g, r := c.get("Users", idOf(u), "attributes", schemaEnt+":employeeNumber")
	c.eq(r, str(g, schemaEnt, "employeeNumber"), "42", "enterprise employeeNumber")
	c.expect(!has(g, schemaEnt, "department"), r, "department returned though not requested")
	c.expect(!has(g, "emails"), r, "emails returned though not requested")
}

func projExcluded(c *tc) {
	u := c.mkUser("px")
	g, r := c.get("Users", idOf(u), "excludedAttributes", "emails")
	c.expect(!has(g, "emails"), r, "emails returned though excluded")
	c.eq(r, str(g, "userName"), str(u, "userName"), "userName")
	c.expect(has(g, "name"), r, "name missing though only emails was excluded")
}

func projExcludedID(c *tc) {
	u := c.mkUser("pid")
	g, r := c.get("Users", idOf(u), "excludedAttributes", "id")
	c.eq(r, idOf(g), idOf(u), "id")
}

func projPassword(c *tc) {
	b := c.userBody("ppw")
	b["password"] = "Scimconf-Pa55word!"
	u := c.createUser(b)
	g, r := c.get("Users", idOf(u), "attributes", "password")
	c.expect(!has(g, "password"), r, "password returned")
}

func projGroupExcluded(c *tc) {
	u := c.mkUser("pgm")
	g := c.mkGroup("pgx", idOf(u))
	got, r := c.get("Groups", idOf(g), "excludedAttributes", "members")
	c.expect(!has(got, "members") || len(arr(got, "members")) == 0, r, "members returned though excluded")
	c.eq(r, str(got, "displayName"), str(g, "displayName"), "displayName")
}

func projList(c *tc) {
	f := c.fixture()
	l := c.scoped(f, "active pr", "attributes", "userName")
	c.must(len(l.items) == 3, l.r, "want 3 Resources, got %d", len(l.items))
	for _, it := range l.items {
		c.expect(idOf(it) != "" && str(it, "userName") != "", l.r, "id and userName required in %s", compact(it))
		c.expect(!has(it, "emails") && !has(it, "name") && !has(it, "title"), l.r, "unrequested attributes returned: %s", compact(it))
	}
}

func projListGroups(c *tc) {
	u := c.mkUser("plg")
	g := c.mkGroup("plg", idOf(u))
	l := c.filter("Groups", "displayName eq "+quote(str(g, "displayName")), "excludedAttributes", "members")
	c.must(len(l.items) == 1, l.r, "want 1 Group, got %d", len(l.items))
	c.expect(!has(l.items[0], "members") || len(arr(l.items[0], "members")) == 0, l.r, "members returned though excluded")
}

func projPost(c *tc) {
	b := c.userBody("ppost")
	r := c.do("POST", "/Users"+q("attributes", "userName"), b)
	if r.Status == 201 {
		c.cleanupResource("/Users/" + idOf(r.obj))
	}
	c.status(r, 201)
	c.eq(r, str(r.obj, "userName"), b["userName"], "userName")
	c.expect(!has(r.obj, "emails") && !has(r.obj, "name"), r, "attributes=userName on POST still returned emails/name")
}
