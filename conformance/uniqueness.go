package conformance

import (
	"strings"
)

func init() {
	m := true
	register("uniqueness",
		Check{ID: "uniq-username-409", Title: "a second POST with the same userName answers 409 uniqueness", Section: "RFC 7644 §3.3, §3.12", Profiles: rfc, Mutates: m, run: uniqUserName},
		Check{ID: "uniq-username-case-409", Title: "a userName differing only in case answers 409 uniqueness (caseExact false)", Section: "RFC 7643 §4.1.1, RFC 7644 §3.12", Profiles: rfc, Mutates: m, run: uniqUserNameCase},
		Check{ID: "uniq-username-filter-case", Title: "filter userName eq with different case finds the User", Section: "RFC 7643 §4.1.1, RFC 7644 §3.4.2.2", Profiles: rfc, Mutates: m, Requires: []Feature{FeatFilter}, run: uniqFilterCase},
		Check{ID: "uniq-externalid-caseexact", Title: "externalId is caseExact: a filter with different case does not match", Section: "RFC 7643 §3.1", Profiles: rfc, Mutates: m, Requires: []Feature{FeatFilter}, run: uniqExternalIDCase},
		Check{ID: "uniq-put-conflict-409", Title: "PUT renaming a User to a taken userName answers 409 uniqueness", Section: "RFC 7644 §3.5.1, §3.12", Profiles: rfc, Mutates: m, run: uniqPutConflict},
		Check{ID: "uniq-patch-conflict-409", Title: "PATCH renaming a User to a taken userName answers 409 uniqueness", Section: "RFC 7644 §3.5.2, §3.12", Profiles: rfc, Mutates: m, Requires: []Feature{FeatPatch}, run: uniqPatchConflict},
		Check{ID: "uniq-reuse-after-delete", Title: "a userName can be used again after its User is deleted", Section: "RFC 7644 §3.6", Profiles: rfc, Mutates: m, run: uniqReuse},
		Check{ID: "uniq-conflict-unchanged", Title: "a rejected duplicate POST leaves the existing User unchanged", Section: "RFC 7644 §3.3", Profiles: rfc, Mutates: m, run: uniqUnchanged},
	)
}

func (c *tc) postDup(body map[string]any) *resp {
	r := c.do("POST", "/Users", body)
	if r.Status < 300 && idOf(r.obj) != "" {
		c.cleanupResource("/Users/" + idOf(r.obj))
	}
	return r
}

func uniqUserName(c *tc) {
	b := c.userBody("dup")
	c.createUser(b)
	c.scimError(c.postDup(b), 409, "uniqueness")
}

func uniqUserNameCase(c *tc) {
	b := c.userBody("dupcase")
	c.createUser(b)
	b2 := c.userBody("other")
	b2["userName"] = strings.ToUpper(b["userName"].(string))
	c.scimError(c.postDup(b2), 409, "uniqueness")
}

func uniqFilterCase(c *tc) {
	u := c.mkUser("fcase")
	l := c.filter("Users", "userName eq "+quote(strings.ToUpper(str(u, "userName"))))
	c.sameIDs(l, "userName eq UPPER-CASE", idOf(u))
}

func uniqExternalIDCase(c *tc) {
	b := c.userBody("ext")
	ext := "ExtID-" + c.name("MiXeD")
	b["externalId"] = ext
	u := c.createUser(b)
	l := c.filter("Users", "externalId eq "+quote(ext))
	c.sameIDs(l, "externalId eq exact", idOf(u))
	l = c.filter("Users", "externalId eq "+quote(strings.ToLower(ext)))
	c.sameIDs(l, "externalId eq lower-case")
}

func uniqPutConflict(c *tc) {
	a, bUser := c.mkUser("pa"), c.userBody("pb")
	bu := c.createUser(bUser)
	bUser["userName"] = str(a, "userName")
	c.scimError(c.put("Users", idOf(bu), bUser), 409, "uniqueness")
}

func uniqPatchConflict(c *tc) {
	a, b := c.mkUser("xa"), c.mkUser("xb")
	c.scimError(c.patch("Users", idOf(b), op("replace", "userName", str(a, "userName"))), 409, "uniqueness")
}

func uniqReuse(c *tc) {
	b := c.userBody("reuse")
	u := c.createUser(b)
	c.status(c.del("Users", idOf(u)), 204)
	u2 := c.createUser(b)
	c.expect(idOf(u2) != "", nil, "no id")
}

func uniqUnchanged(c *tc) {
	b := c.userBody("unch")
	u := c.createUser(b)
	b2 := c.userBody("x")
	b2["userName"] = b["userName"]
	b2["name"] = map[string]any{"givenName": "Intruder", "familyName": "Intruder"}
	c.status(c.postDup(b2), 409)
	g, r := c.get("Users", idOf(u))
	c.eq(r, str(g, "name", "givenName"), "Givenunch", "name.givenName of the original user")
}
