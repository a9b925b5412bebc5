package conformance

import (
	"strings"
)

func init() {
	m := true
	register("groups",
		Check{ID: "groups-create-201", Title: "POST /Groups answers 201 with Location and meta.resourceType Group", Section: "RFC 7644 §3.3, RFC 7643 §4.2", Profiles: rfc, Mutates: m, run: groupsCreate201},
		Check{ID: "groups-create-with-members", Title: "a Group created with members lists them", Section: "RFC 7643 §4.2", Profiles: rfc, Mutates: m, run: groupsCreateMembers},
		Check{ID: "groups-member-type-ref", Title: "members' type (if returned) is User and $ref (if returned) ends in /Users/{id}", Section: "RFC 7643 §4.2, §2.3.7", Profiles: rfc, Mutates: m, run: groupsMemberRef},
		Check{ID: "groups-create-missing-displayname-400", Title: "POST /Groups without displayName answers 400", Section: "RFC 7643 §4.2, RFC 7644 §3.12", Profiles: rfc, Mutates: m, run: groupsNoDisplayName},
		Check{ID: "groups-get-200", Title: "GET /Groups/{id} answers 200 with the same Group", Section: "RFC 7644 §3.4.1", Profiles: rfc, Mutates: m, run: groupsGet200},
		Check{ID: "groups-get-404", Title: "GET /Groups/{unknown id} answers 404 SCIM error", Section: "RFC 7644 §3.4.1, §3.12", Profiles: rfc, run: groupsGet404},
		Check{ID: "groups-list-200", Title: "GET /Groups answers a ListResponse", Section: "RFC 7644 §3.4.2", Profiles: rfc, run: groupsList200},
		Check{ID: "groups-replace-members", Title: "PUT /Groups/{id} replaces the member list", Section: "RFC 7644 §3.5.1", Profiles: rfc, Mutates: m, run: groupsReplaceMembers},
		Check{ID: "groups-replace-displayname", Title: "PUT /Groups/{id} renames the Group", Section: "RFC 7644 §3.5.1", Profiles: rfc, Mutates: m, run: groupsReplaceName},
		Check{ID: "groups-replace-empty-members", Title: "PUT without members leaves the Group empty", Section: "RFC 7644 §3.5.1", Profiles: rfc, Mutates: m, run: groupsReplaceEmpty},
		Check{ID: "groups-delete-204", Title: "DELETE /Groups/{id} answers 204, then GET answers 404", Section: "RFC 7644 §3.6", Profiles: rfc, Mutates: m, run: groupsDelete},
		Check{ID: "groups-delete-keeps-users", Title: "deleting a Group does not delete its member Users", Section: "RFC 7644 §3.6", Profiles: rfc, Mutates: m, run: groupsDeleteKeepsUsers},
		Check{ID: "groups-deleted-user-not-member", Title: "a deleted User no longer appears among a Group's members", Section: "RFC 7644 §3.6", Profiles: rfc, Mutates: m, run: groupsDeletedUser},
		Check{ID: "groups-filter-displayname", Title: "filter displayName eq finds the Group", Section: "RFC 7644 §3.4.2.2", Profiles: rfc, Mutates: m, Requires: []Feature{FeatFilter}, run: groupsFilterName},
		Check{ID: "groups-filter-members-value", Title: "filter members.value eq finds Groups containing a User", Section: "RFC 7644 §3.4.2.2", Profiles: rfc, Mutates: m, Requires: []Feature{FeatFilter}, run: groupsFilterMember},
		Check{ID: "groups-meta", Title: "a Group's meta has resourceType, created, lastModified and location", Section: "RFC 7643 §3.1", Profiles: rfc, Mutates: m, run: groupsMeta},
	)
}

func groupsCreate201(c *tc) {
	g, r := c.create("Groups", c.groupBody("g201"))
	c.expect(r.Header.Get("Location") != "" && r.Header.Get("Location") == str(g, "meta", "location"), r, "Location header %q must equal meta.location %q", r.Header.Get("Location"), str(g, "meta", "location"))
	c.eq(r, str(g, "meta", "resourceType"), "Group", "meta.resourceType")
	c.expect(containsString(arr(g, "schemas"), schemaGroup), r, "schemas lacks %s", schemaGroup)
}

func groupsCreateMembers(c *tc) {
	u1, u2 := c.mkUser("m1"), c.mkUser("m2")
	g := c.mkGroup("gm", idOf(u1), idOf(u2))
	got, r := c.get("Groups", idOf(g))
	ms := memberIDs(got)
	c.expect(len(ms) == 2 && ms[idOf(u1)] == 1 && ms[idOf(u2)] == 1, r, "want members %s and %s, got %s", idOf(u1), idOf(u2), compact(get(got, "members")))
}

func groupsMemberRef(c *tc) {
	u := c.mkUser("ref")
	g := c.mkGroup("gref", idOf(u))
	got, r := c.get("Groups", idOf(g))
	ms := objs(got, "members")
	c.must(len(ms) == 1, r, "want one member, got %s", compact(get(got, "members")))
	if t := str(ms[0], "type"); t != "" {
		c.eq(r, t, "User", "members[0].type")
	}
	if ref := str(ms[0], "$ref"); ref != "" {
		c.expect(strings.HasSuffix(ref, "/Users/"+idOf(u)), r, "members[0].$ref %q does not end in /Users/%s", ref, idOf(u))
	}
	c.eq(r, str(ms[0], "value"), idOf(u), "members[0].value")
}

func groupsNoDisplayName(c *tc) {
	r := c.do("POST", "/Groups", map[string]any{"schemas": []any{schemaGroup}, "members": []any{}})
	if r.Status < 300 && idOf(r.obj) != "" {
		c.cleanupResource("/Groups/" + idOf(r.obj))
	}
	c.scimError(r, 400)
}

func groupsGet200(c *tc) {
	g := c.mkGroup("gget")
	got, r := c.get("Groups", idOf(g))
	c.eq(r, str(got, "displayName"), str(g, "displayName"), "displayName")
	c.eq(r, idOf(got), idOf(g), "id")
}

func groupsGet404(c *tc) {
	c.scimError(c.do("GET", "/Groups/scimconf-00000000-0000-0000-0000-000000000000", nil), 404)
}

func groupsList200(c *tc) {
	l := c.list("/Groups")
	c.expect(containsString(arr(l.r.obj, "schemas"), msgList), l.r, "schemas must contain %s", msgList)
	c.expect(l.total >= len(l.items), l.r, "totalResults %d below the %d returned", l.total, len(l.items))
}

func groupsReplaceMembers(c *tc) {
	u1, u2, u3 := c.mkUser("r1"), c.mkUser("r2"), c.mkUser("r3")
	g := c.mkGroup("grep", idOf(u1), idOf(u2))
	b := c.groupBody("x", idOf(u2), idOf(u3))
	b["displayName"] = str(g, "displayName")
	c.status(c.put("Groups", idOf(g), b), 200)
	got, r := c.get("Groups", idOf(g))
	ms := memberIDs(got)
	c.expect(len(ms) == 2 && ms[idOf(u2)] == 1 && ms[idOf(u3)] == 1, r, "after PUT want members {u2,u3}, got %s", compact(get(got, "members")))
}

func groupsReplaceName(c *tc) {
	g := c.mkGroup("gren")
	nn := c.name("renamed")
	b := map[string]any{"schemas": []any{schemaGroup}, "displayName": nn}
	r := c.put("Groups", idOf(g), b)
	c.status(r, 200)
	c.eq(r, str(r.obj, "displayName"), nn, "displayName in PUT response")
	got, gr := c.get("Groups", idOf(g))
	c.eq(gr, str(got, "displayName"), nn, "displayName after PUT")
}

func groupsReplaceEmpty(c *tc) {
	u := c.mkUser("e1")
	g := c.mkGroup("gempty", idOf(u))
	c.status(c.put("Groups", idOf(g), map[string]any{"schemas": []any{schemaGroup}, "displayName": str(g, "displayName")}), 200)
	got, r := c.get("Groups", idOf(g))
	c.expect(len(objs(got, "members")) == 0, r, "members survived a PUT that omitted them: %s", compact(get(got, "members")))
}

func groupsDelete(c *tc) {
	g := c.mkGroup("gdel")
	r := c.del("Groups", idOf(g))
	c.status(r, 204)
	c.scimError(c.do("GET", "/Groups/"+idOf(g), nil), 404)
}

func groupsDeleteKeepsUsers(c *tc) {
	u := c.mkUser("keep")
	g := c.mkGroup("gkeep", idOf(u))
	c.status(c.del("Groups", idOf(g)), 204)
	c.get("Users", idOf(u))
}

func groupsDeletedUser(c *tc) {
	u1, u2 := c.mkUser("gone"), c.mkUser("stay")
	g := c.mkGroup("gdu", idOf(u1), idOf(u2))
	c.status(c.del("Users", idOf(u1)), 204)
	got, r := c.get("Groups", idOf(g))
	ms := memberIDs(got)
	c.expect(ms[idOf(u1)] == 0, r, "deleted user %s is still a member", idOf(u1))
	c.expect(ms[idOf(u2)] == 1, r, "remaining member %s was lost", idOf(u2))
}

func groupsFilterName(c *tc) {
	g := c.mkGroup("gf")
	l := c.filter("Groups", "displayName eq "+quote(str(g, "displayName")))
	c.sameIDs(l, "displayName eq", idOf(g))
}

func groupsFilterMember(c *tc) {
	u, other := c.mkUser("fm"), c.mkUser("fo")
	g1 := c.mkGroup("gfm1", idOf(u))
	g2 := c.mkGroup("gfm2", idOf(u), idOf(other))
	c.mkGroup("gfm3", idOf(other))
	l := c.filter("Groups", "members.value eq "+quote(idOf(u)))
	c.sameIDs(l, "members.value eq", idOf(g1), idOf(g2))
}

func groupsMeta(c *tc) {
	g := c.mkGroup("gmeta")
	got, r := c.get("Groups", idOf(g))
	c.checkMeta(r, got, "Group")
}
