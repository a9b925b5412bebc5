package conformance

import (
	"net/url"
	"strings"
)

// Okta sends Content-Type: application/json (not application/scim+json).
func oktaOpts() []reqOpt {
	return []reqOpt{hdr("Content-Type", "application/json; charset=utf-8"), hdr("Accept", "application/scim+json")}
}

func okcheck(id, title, section string, mutates bool, fn func(*tc), req ...Feature) Check {
	return Check{ID: id, Title: title, Section: section, Profiles: okta, Mutates: mutates, Requires: req, run: fn}
}

func init() {
	p := []Feature{FeatPatch}
	register("okta",
		okcheck("okta-lookup-before-create", "GET /Users?filter=userName eq \"x\"&startIndex=1&count=100 for an absent user answers 200 totalResults 0", "Okta: import/create user", false, oktaLookupAbsent, FeatFilter),
		okcheck("okta-list-users", "GET /Users?startIndex=1&count=100 answers a ListResponse with Resources, startIndex and itemsPerPage", "Okta: import users", false, oktaListUsers),
		okcheck("okta-list-groups", "GET /Groups?startIndex=1&count=100 answers a ListResponse", "Okta: import groups", false, oktaListGroups),
		okcheck("okta-create-user", "POST /Users with Okta's body (application/json, groups [], password) answers 201", "Okta: create user", true, oktaCreate),
		okcheck("okta-lookup-existing", "the userName lookup finds the created user, also when upper-cased", "Okta: create user (match existing)", true, oktaLookupExisting, FeatFilter),
		okcheck("okta-get-user", "GET /Users/{id} answers the user with active true and no password", "Okta: get user", true, oktaGetUser),
		okcheck("okta-put-user", "PUT /Users/{id} with Okta's full body updates the profile", "Okta: update user (PUT)", true, oktaPutUser),
		okcheck("okta-put-deactivate", "PUT with active false deactivates the user", "Okta: deactivate user (PUT)", true, oktaPutDeactivate),
		okcheck("okta-patch-deactivate", "PATCH replace value {active:false} deactivates the user", "Okta: deactivate user", true, oktaDeactivate, p...),
		okcheck("okta-patch-reactivate", "PATCH replace value {active:true} reactivates the user", "Okta: reactivate user", true, oktaReactivate, p...),
		okcheck("okta-patch-password", "PATCH replace value {password} answers 200/204 and hides the password", "Okta: sync password", true, oktaPassword, FeatPatch, FeatChangePassword),
		okcheck("okta-group-create", "POST /Groups {displayName, members: []} answers 201", "Okta: push group", true, oktaGroupCreate),
		okcheck("okta-group-lookup", "GET /Groups?excludedAttributes=members&filter=displayName eq finds the group without members", "Okta: push group (match existing)", true, oktaGroupLookup, FeatFilter),
		okcheck("okta-group-add-members", "PATCH add path members [{value,display}] adds the users", "Okta: push group memberships", true, oktaGroupAdd, p...),
		okcheck("okta-group-remove-member", "PATCH remove members[value eq \"id\"] removes that user only", "Okta: push group memberships", true, oktaGroupRemove, p...),
		okcheck("okta-group-rename", "PATCH replace value {id, displayName} renames the group", "Okta: push group rename", true, oktaGroupRename, p...),
		okcheck("okta-group-get", "GET /Groups/{id} answers the pushed group", "Okta: push group", true, oktaGroupGet),
		okcheck("okta-group-delete", "DELETE /Groups/{id} answers 204", "Okta: delete pushed group", true, oktaGroupDelete),
	)
}

func (c *tc) oktaUserBody(suffix string) map[string]any {
	n := c.name(suffix) + "@example.com"
	return map[string]any{
		"schemas":     []any{schemaUser},
		"userName":    n,
		"name":        map[string]any{"givenName": "Okta", "familyName": "User" + suffix},
		"emails":      []any{map[string]any{"primary": true, "value": n, "type": "work"}},
		"displayName": "Okta User" + suffix,
		"locale":      "en-US",
		"externalId":  "00u" + strings.ReplaceAll(c.name("x"), "-", ""),
		"groups":      []any{},
		"password":    "Okta-Pa55word!",
		"active":      true,
	}
}

func (c *tc) oktaCreateUser(suffix string) (map[string]any, map[string]any, *resp) {
	b := c.oktaUserBody(suffix)
	r := c.do("POST", "/Users", b, oktaOpts()...)
	if r.Status == 201 {
		c.cleanupResource("/Users/" + url.PathEscape(idOf(r.obj)))
	}
	c.must(r.Status == 201 && idOf(r.obj) != "", r, "POST /Users (Okta body, application/json): want 201 with id, got %d", r.Status)
	return b, r.obj, r
}

func (c *tc) oktaLookup(typ, attr, val string, extra ...string) *listResult {
	return c.list("/"+typ+q(append([]string{"filter", attr + " eq " + quote(val), "startIndex", "1", "count", "100"}, extra...)...), oktaOpts()...)
}

func oktaLookupAbsent(c *tc) {
	l := c.oktaLookup("Users", "userName", c.name("absent")+"@example.com")
	c.expect(containsString(arr(l.r.obj, "schemas"), msgList), l.r, "schemas must contain %s", msgList)
	c.expect(l.total == 0 && len(l.items) == 0, l.r, "want totalResults 0, got %d", l.total)
}

func oktaListUsers(c *tc) {
	l := c.list("/Users"+q("startIndex", "1", "count", "100"), oktaOpts()...)
	si, okS := num(l.r.obj, "startIndex")
	ipp, okI := num(l.r.obj, "itemsPerPage")
	c.expect(okS && si == 1, l.r, "startIndex: want 1, got %s", compact(get(l.r.obj, "startIndex")))
	c.expect(okI && ipp == len(l.items) && ipp <= 100, l.r, "itemsPerPage %s must equal the %d Resources returned", compact(get(l.r.obj, "itemsPerPage")), len(l.items))
	_, exact := l.r.obj["Resources"]
	c.expect(exact || l.total == 0, l.r, "Okta reads the key \"Resources\" exactly")
	schemas, _ := get(l.r.obj, "schemas").([]any)
	c.expect(len(schemas) == 1 && schemas[0] == "urn:ietf:params:scim:api:messages:2.0:ListResponse", l.r,
		"schemas must be [\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"], got %s", compact(get(l.r.obj, "schemas")))
}

func oktaListGroups(c *tc) {
	l := c.list("/Groups"+q("startIndex", "1", "count", "100"), oktaOpts()...)
	c.expect(len(l.items) <= 100 && l.total >= len(l.items), l.r, "bad paging: total %d, %d returned", l.total, len(l.items))
}

func oktaCreate(c *tc) {
	b, u, r := c.oktaCreateUser("oc")
	c.eq(r, str(u, "userName"), b["userName"], "userName")
	act, _ := boolean(u, "active")
	c.expect(act, r, "active must be true")
	c.expect(!has(u, "password"), r, "password returned")
	c.eq(r, str(u, "externalId"), b["externalId"], "externalId")
}

func oktaLookupExisting(c *tc) {
	b, u, _ := c.oktaCreateUser("ol")
	l := c.oktaLookup("Users", "userName", b["userName"].(string))
	c.sameIDs(l, "userName eq", idOf(u))
	l = c.oktaLookup("Users", "userName", strings.ToUpper(b["userName"].(string)))
	c.sameIDs(l, "userName eq (upper-cased)", idOf(u))
}

func oktaGetUser(c *tc) {
	_, u, _ := c.oktaCreateUser("og")
	g, r := c.get("Users", idOf(u))
	act, _ := boolean(g, "active")
	c.expect(act && !has(g, "password"), r, "want active true and no password")
	c.eq(r, str(g, "name", "familyName"), "Userog", "name.familyName")
}

func oktaPutUser(c *tc) {
	b, u, _ := c.oktaCreateUser("op")
	b["id"] = idOf(u)
	b["name"] = map[string]any{"givenName": "Renamed", "familyName": "Userop"}
	b["displayName"] = "Renamed Userop"
	delete(b, "password")
	r := c.do("PUT", "/Users/"+idOf(u), b, oktaOpts()...)
	c.status(r, 200)
	g, gr := c.get("Users", idOf(u))
	c.eq(gr, str(g, "name", "givenName"), "Renamed", "name.givenName")
	c.eq(gr, str(g, "displayName"), "Renamed Userop", "displayName")
}

func oktaPutDeactivate(c *tc) {
	b, u, _ := c.oktaCreateUser("opd")
	b["id"] = idOf(u)
	b["active"] = false
	c.status(c.do("PUT", "/Users/"+idOf(u), b, oktaOpts()...), 200)
	g, r := c.get("Users", idOf(u))
	act, ok := boolean(g, "active")
	c.expect(ok && !act, r, "active: want false, got %s", compact(get(g, "active")))
}

func (c *tc) oktaPatch(typ, rid string, ops ...map[string]any) *resp {
	r := c.do("PATCH", "/"+typ+"/"+rid, patchBody(ops...), oktaOpts()...)
	c.status(r, 200, 204)
	return r
}

func oktaDeactivate(c *tc) {
	_, u, _ := c.oktaCreateUser("od")
	c.oktaPatch("Users", idOf(u), op("replace", "", map[string]any{"active": false}))
	g, r := c.get("Users", idOf(u))
	act, ok := boolean(g, "active")
	c.expect(ok && !act, r, "active: want false, got %s", compact(get(g, "active")))
}

func oktaReactivate(c *tc) {
	_, u, _ := c.oktaCreateUser("ora")
	c.oktaPatch("Users", idOf(u), op("replace", "", map[string]any{"active": false}))
	c.oktaPatch("Users", idOf(u), op("replace", "", map[string]any{"active": true}))
	g, r := c.get("Users", idOf(u))
	act, _ := boolean(g, "active")
	c.expect(act, r, "active: want true, got %s", compact(get(g, "active")))
}

func oktaPassword(c *tc) {
	_, u, _ := c.oktaCreateUser("opw")
	r := c.oktaPatch("Users", idOf(u), op("replace", "", map[string]any{"password": "Okta-N3wPassword!"}))
	c.expect(!strings.Contains(string(r.Body), "N3wPassword"), r, "password returned")
}

func (c *tc) oktaGroup(suffix string) (string, map[string]any) {
	n := c.name(suffix)
	r := c.do("POST", "/Groups", map[string]any{"schemas": []any{schemaGroup}, "displayName": n, "members": []any{}}, oktaOpts()...)
	if r.Status == 201 {
		c.cleanupResource("/Groups/" + url.PathEscape(idOf(r.obj)))
	}
	c.must(r.Status == 201 && idOf(r.obj) != "", r, "POST /Groups (Okta body): want 201 with id, got %d", r.Status)
	return n, r.obj
}

func oktaGroupCreate(c *tc) {
	n, g := c.oktaGroup("ogc")
	c.eq(nil, str(g, "displayName"), n, "displayName")
}

func oktaGroupLookup(c *tc) {
	u := c.mkUser("oglu")
	n, g := c.oktaGroup("ogl")
	c.oktaPatch("Groups", idOf(g), op("add", "members", []any{map[string]any{"value": idOf(u), "display": str(u, "userName")}}))
	l := c.list("/Groups"+q("excludedAttributes", "members", "filter", "displayName eq "+quote(n)), oktaOpts()...)
	c.sameIDs(l, "displayName eq", idOf(g))
	if len(l.items) == 1 {
		c.expect(len(arr(l.items[0], "members")) == 0, l.r, "members returned though excluded")
	}
}

func oktaGroupAdd(c *tc) {
	u1, u2 := c.mkUser("oga1"), c.mkUser("oga2")
	_, g := c.oktaGroup("oga")
	c.oktaPatch("Groups", idOf(g), op("add", "members", []any{
		map[string]any{"value": idOf(u1), "display": str(u1, "userName")},
		map[string]any{"value": idOf(u2), "display": str(u2, "userName")}}))
	got, _ := c.get("Groups", idOf(g))
	c.expectMembers(got, idOf(u1), idOf(u2))
}

func oktaGroupRemove(c *tc) {
	u1, u2 := c.mkUser("ogr1"), c.mkUser("ogr2")
	_, g := c.oktaGroup("ogr")
	c.oktaPatch("Groups", idOf(g), op("add", "members", []any{map[string]any{"value": idOf(u1)}, map[string]any{"value": idOf(u2)}}))
	c.oktaPatch("Groups", idOf(g), op("remove", "members[value eq "+quote(idOf(u1))+"]", nil))
	got, _ := c.get("Groups", idOf(g))
	c.expectMembers(got, idOf(u2))
}

func oktaGroupRename(c *tc) {
	u := c.mkUser("ogn")
	_, g := c.oktaGroup("ogn")
	c.oktaPatch("Groups", idOf(g), op("add", "members", []any{map[string]any{"value": idOf(u)}}))
	nn := c.name("renamed")
	c.oktaPatch("Groups", idOf(g), op("replace", "", map[string]any{"id": idOf(g), "displayName": nn}))
	got, _ := c.get("Groups", idOf(g))
	c.eq(nil, str(got, "displayName"), nn, "displayName")
	c.expectMembers(got, idOf(u))
}

func oktaGroupGet(c *tc) {
	n, g := c.oktaGroup("ogg")
	got, r := c.get("Groups", idOf(g))
	c.eq(r, str(got, "displayName"), n, "displayName")
}

func oktaGroupDelete(c *tc) {
	_, g := c.oktaGroup("ogd")
	c.status(c.do("DELETE", "/Groups/"+idOf(g), nil, oktaOpts()...), 204)
	c.status(c.do("GET", "/Groups/"+idOf(g), nil), 404)
}
