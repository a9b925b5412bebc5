package conformance

import (
	"strings"
)

const secPatch = "RFC 7644 §3.5.2"

func pcheck(id, title, section string, fn func(*tc)) Check {
	return Check{ID: id, Title: title, Section: section, Profiles: rfc, Mutates: true, Requires: []Feature{FeatPatch}, run: fn}
}

func init() {
	register("patch",
		pcheck("patch-replace-nopath", "replace without path sets the attributes in value", "RFC 7644 §3.5.2.3", patchReplaceNoPath),
		pcheck("patch-replace-path", "replace with a simple path", "RFC 7644 §3.5.2.3", patchReplacePath),
		pcheck("patch-add-path", "add with a path sets an unassigned attribute", "RFC 7644 §3.5.2.1", patchAddPath),
		pcheck("patch-add-nopath", "add without path merges value into the resource", "RFC 7644 §3.5.2.1", patchAddNoPath),
		pcheck("patch-add-existing-single", "add to an assigned single-valued attribute replaces it", "RFC 7644 §3.5.2.1", patchAddExisting),
		pcheck("patch-remove-path", "remove with a path unassigns the attribute", "RFC 7644 §3.5.2.2", patchRemovePath),
		pcheck("patch-remove-required-400", "remove of required userName answers 400 mutability", "RFC 7644 §3.5.2.2", patchRemoveRequired),
		pcheck("patch-remove-nopath-400", "remove without path answers 400 noTarget", "RFC 7644 §3.5.2.2", patchRemoveNoPath),
		pcheck("patch-bad-op-400", "an unknown op answers 400 invalidSyntax", "RFC 7644 §3.5.2, §3.12", patchBadOp),
		pcheck("patch-bad-path-400", "a path naming no attribute answers 400 invalidPath", "RFC 7644 §3.5.2, §3.12", patchBadPath),
		pcheck("patch-malformed-path-400", "a syntactically broken path answers 400 invalidPath (or invalidFilter)", "RFC 7644 §3.5.2, §3.12", patchMalformedPath),
		pcheck("patch-no-operations-400", "a PatchOp without Operations answers 400", "RFC 7644 §3.5.2", patchNoOps),
		pcheck("patch-valuefilter-replace", "replace emails[type eq \"work\"].value changes only the work email", "RFC 7644 §3.5.2.3", patchValueFilterReplace),
		pcheck("patch-valuefilter-replace-absent", "replace through a filter matching nothing: 400 noTarget, or (Entra-compatible) the element is created", "RFC 7644 §3.5.2.3", patchValueFilterAbsent),
		pcheck("patch-valuefilter-remove", "remove emails[type eq \"home\"] removes only the matching element", "RFC 7644 §3.5.2.2", patchValueFilterRemove),
		pcheck("patch-remove-filter-nomatch", "remove through a filter matching nothing: 400 noTarget, or success with the resource unchanged", "RFC 7644 §3.5.2.2, §3.12", patchRemoveNoMatch),
		pcheck("patch-add-multivalued-appends", "add to a multi-valued attribute appends and keeps existing values", "RFC 7644 §3.5.2.1", patchAddAppends),
		pcheck("patch-replace-multivalued", "replace of a multi-valued attribute replaces all its values", "RFC 7644 §3.5.2.3", patchReplaceMulti),
		pcheck("patch-replace-subattr", "replace name.familyName keeps name.givenName", "RFC 7644 §3.5.2.3", patchReplaceSubAttr),
		pcheck("patch-replace-complex-merge", "replace of a complex attribute leaves unspecified sub-attributes unchanged", "RFC 7644 §3.5.2.3", patchReplaceComplexMerge),
		pcheck("patch-atomic", "a PATCH whose second operation fails changes nothing", "RFC 7644 §3.5.2", patchAtomic),
		pcheck("patch-response", "PATCH answers 200 with the full resource or 204 with no body", "RFC 7644 §3.5.2", patchResponse),
		pcheck("patch-404", "PATCH /Users/{unknown id} answers 404", "RFC 7644 §3.5.2, §3.12", patchNotFound),
		pcheck("patch-readonly-id-400", "replace of id answers 400 mutability", "RFC 7644 §3.5.2, RFC 7643 §3.1", patchReadOnlyID),
		pcheck("patch-readonly-groups-400", "add to the readOnly User groups attribute answers 400 mutability", "RFC 7644 §3.5.2, RFC 7643 §4.1.2", patchReadOnlyGroups),
		pcheck("patch-lastmodified", "PATCH advances meta.lastModified (never backwards) and keeps meta.created", "RFC 7643 §3.1", patchLastModified),
		pcheck("patch-extension-path", "replace an enterprise attribute addressed by its URN path", "RFC 7644 §3.5.2, §3.10", patchExtensionPath),
		pcheck("patch-group-add-member", "add members to a Group", "RFC 7644 §3.5.2.1", patchGroupAdd),
		pcheck("patch-group-remove-member-filter", "remove members[value eq \"id\"] removes only that member", "RFC 7644 §3.5.2.2", patchGroupRemoveFilter),
		pcheck("patch-group-remove-all-members", "remove path members removes every member", "RFC 7644 §3.5.2.2", patchGroupRemoveAll),
		pcheck("patch-group-replace-members", "replace path members sets the member list", "RFC 7644 §3.5.2.3", patchGroupReplace),
		pcheck("patch-group-add-duplicate", "adding an existing member does not duplicate it", "RFC 7644 §3.5.2.1", patchGroupDuplicate),
	)
}

func patchReplaceNoPath(c *tc) {
	u := c.mkUser("rnp")
	g := c.patchOK("Users", idOf(u), op("replace", "", map[string]any{"displayName": "Patched Name", "title": "CTO"}))
	c.eq(nil, str(g, "displayName"), "Patched Name", "displayName")
	c.eq(nil, str(g, "title"), "CTO", "title")
}

func patchReplacePath(c *tc) {
	u := c.mkUser("rp")
	g := c.patchOK("Users", idOf(u), op("replace", "displayName", "Via Path"))
	c.eq(nil, str(g, "displayName"), "Via Path", "displayName")
}

func patchAddPath(c *tc) {
	u := c.mkUser("ap")
	g := c.patchOK("Users", idOf(u), op("add", "nickName", "nick"))
	c.eq(nil, str(g, "nickName"), "nick", "nickName")
}

func patchAddNoPath(c *tc) {
	u := c.mkUser("anp")
	g := c.patchOK("Users", idOf(u), op("add", "", map[string]any{"nickName": "n2", "title": "T2"}))
	c.eq(nil, str(g, "nickName"), "n2", "nickName")
	c.eq(nil, str(g, "userName"), str(u, "userName"), "userName untouched")
}

func patchAddExisting(c *tc) {
	b := c.userBody("aex")
	b["nickName"] = "old"
	u := c.createUser(b)
	g := c.patchOK("Users", idOf(u), op("add", "nickName", "new"))
	c.eq(nil, str(g, "nickName"), "new", "nickName")
}

func patchRemovePath(c *tc) {
	b := c.userBody("rm")
	b["nickName"] = "gone"
	u := c.createUser(b)
	g := c.patchOK("Users", idOf(u), op("remove", "nickName", nil))
	c.expect(!has(g, "nickName"), nil, "nickName still %s", compact(get(g, "nickName")))
}

func patchRemoveRequired(c *tc) {
	u := c.mkUser("rreq")
	c.scimError(c.patch("Users", idOf(u), op("remove", "userName", nil)), 400, "mutability")
	g, r := c.get("Users", idOf(u))
	c.eq(r, str(g, "userName"), str(u, "userName"), "userName after rejected remove")
}

func patchRemoveNoPath(c *tc) {
	u := c.mkUser("rnop")
	c.scimError(c.patch("Users", idOf(u), op("remove", "", nil)), 400, "noTarget")
}

func patchBadOp(c *tc) {
	u := c.mkUser("badop")
	c.scimError(c.patch("Users", idOf(u), op("frobnicate", "nickName", "x")), 400, "invalidSyntax")
}

func patchBadPath(c *tc) {
	u := c.mkUser("badpath")
	c.scimError(c.patch("Users", idOf(u), op("replace", "scimconfNoSuchAttribute", "x")), 400, "invalidPath")
}

func patchMalformedPath(c *tc) {
	u := c.mkUser("mpath")
	c.scimError(c.patch("Users", idOf(u), op("replace", `emails[type eq "work"`, "x")), 400, "invalidPath", "invalidFilter")
}

func patchNoOps(c *tc) {
	u := c.mkUser("noops")
	r := c.do("PATCH", "/Users/"+idOf(u), map[string]any{"schemas": []any{msgPatch}})
	c.scimError(r, 400)
}

func (c *tc) userTwoEmails(suffix string) (map[string]any, string, string) {
	b := c.userBody(suffix)
	n := b["userName"].(string)
	work, home := n+"@work.example", n+"@home.example"
	b["emails"] = []any{map[string]any{"value": work, "type": "work", "primary": true}, map[string]any{"value": home, "type": "home"}}
	return c.createUser(b), work, home
}

func emailOf(u map[string]any, typ string) (string, int) {
	v, n := "", 0
	for _, e := range objs(u, "emails") {
		if str(e, "type") == typ {
			v = str(e, "value")
			n++
		}
	}
	return v, n
}

func patchValueFilterReplace(c *tc) {
	u, _, home := c.userTwoEmails("vfr")
	g := c.patchOK("Users", idOf(u), op("replace", `emails[type eq "work"].value`, "changed@work.example"))
	w, _ := emailOf(g, "work")
	h, _ := emailOf(g, "home")
	c.eq(nil, w, "changed@work.example", "work email")
	c.eq(nil, h, home, "home email (must be untouched)")
}

func patchValueFilterAbsent(c *tc) {
	u, work, _ := c.userTwoEmails("vfa")
	r := c.patch("Users", idOf(u), op("replace", `emails[type eq "other"].value`, "other@x.example"))
	if r.Status == 400 {
		c.errorBody(r, "noTarget")
		return
	}
	c.must(r.Status == 200 || r.Status == 204, r, "want 400 noTarget or success, got %d", r.Status)
	g, gr := c.get("Users", idOf(u))
	o, _ := emailOf(g, "other")
	c.eq(gr, o, "other@x.example", "created email of type other")
	w, _ := emailOf(g, "work")
	c.eq(gr, w, work, "work email (must be untouched)")
}

func patchValueFilterRemove(c *tc) {
	u, work, _ := c.userTwoEmails("vfrm")
	g := c.patchOK("Users", idOf(u), op("remove", `emails[type eq "home"]`, nil))
	_, n := emailOf(g, "home")
	w, _ := emailOf(g, "work")
	c.expect(n == 0, nil, "home email still present: %s", compact(get(g, "emails")))
	c.eq(nil, w, work, "work email")
}

func patchRemoveNoMatch(c *tc) {
	u, _, _ := c.userTwoEmails("rnm")
	r := c.patch("Users", idOf(u), op("remove", `emails[type eq "scimconf-none"]`, nil))
	if r.Status == 400 {
		c.errorBody(r, "noTarget")
		return
	}
	c.must(r.Status == 200 || r.Status == 204, r, "want 400 noTarget or 200/204, got %d", r.Status)
	g, gr := c.get("Users", idOf(u))
	c.expect(len(objs(g, "emails")) == 2, gr, "emails changed by a remove that matched nothing: %s", compact(get(g, "emails")))
}

func patchAddAppends(c *tc) {
	u, work, home := c.userTwoEmails("app")
	g := c.patchOK("Users", idOf(u), op("add", "emails", []any{map[string]any{"value": "third@x.example", "type": "other"}}))
	w, _ := emailOf(g, "work")
	h, _ := emailOf(g, "home")
	o, _ := emailOf(g, "other")
	c.expect(w == work && h == home && o == "third@x.example", nil, "want work, home and other emails, got %s", compact(get(g, "emails")))
}

func patchReplaceMulti(c *tc) {
	u, _, _ := c.userTwoEmails("rmv")
	g := c.patchOK("Users", idOf(u), op("replace", "emails", []any{map[string]any{"value": "only@x.example", "type": "work"}}))
	em := objs(g, "emails")
	c.expect(len(em) == 1 && str(em[0], "value") == "only@x.example", nil, "want only the new email, got %s", compact(get(g, "emails")))
}

func patchReplaceSubAttr(c *tc) {
	u := c.mkUser("rsa")
	g := c.patchOK("Users", idOf(u), op("replace", "name.familyName", "Newfamily"))
	c.eq(nil, str(g, "name", "familyName"), "Newfamily", "name.familyName")
	c.eq(nil, str(g, "name", "givenName"), "Givenrsa", "name.givenName (must be kept)")
}

func patchReplaceComplexMerge(c *tc) {
	u := c.mkUser("rcm")
	g := c.patchOK("Users", idOf(u), op("replace", "name", map[string]any{"familyName": "Merged"}))
	c.eq(nil, str(g, "name", "familyName"), "Merged", "name.familyName")
	c.eq(nil, str(g, "name", "givenName"), "Givenrcm", "name.givenName (sub-attributes not specified are left unchanged)")
}

func patchAtomic(c *tc) {
	u := c.mkUser("atom")
	r := c.patch("Users", idOf(u), op("replace", "displayName", "ShouldNotStick"), op("replace", "scimconfNoSuchAttribute", "x"))
	c.status(r, 400)
	g, gr := c.get("Users", idOf(u))
	c.expect(str(g, "displayName") != "ShouldNotStick", gr, "first operation of a failed PATCH was applied")
}

func patchResponse(c *tc) {
	u := c.mkUser("resp")
	r := c.patch("Users", idOf(u), op("replace", "title", "Resp"))
	switch r.Status {
	case 200:
		c.eq(r, idOf(r.obj), idOf(u), "id in PATCH response")
		c.eq(r, str(r.obj, "title"), "Resp", "title in PATCH response")
		c.eq(r, str(r.obj, "userName"), str(u, "userName"), "userName in PATCH response")
	case 204:
		c.expect(len(strings.TrimSpace(string(r.Body))) == 0, r, "204 must not carry a body")
	default:
		c.fatalf(r, "want 200 or 204, got %d", r.Status)
	}
}

func patchNotFound(c *tc) {
	c.scimError(c.patch("Users", "scimconf-00000000-0000-0000-0000-000000000404", op("replace", "title", "x")), 404)
}

func patchReadOnlyID(c *tc) {
	u := c.mkUser("roid")
	c.scimError(c.patch("Users", idOf(u), op("replace", "id", "scimconf-new-id")), 400, "mutability")
	c.get("Users", idOf(u))
}

func patchReadOnlyGroups(c *tc) {
	u := c.mkUser("rog")
	g := c.mkGroup("rog")
	c.scimError(c.patch("Users", idOf(u), op("add", "groups", []any{map[string]any{"value": idOf(g)}})), 400, "mutability")
}

func patchLastModified(c *tc) {
	u := c.mkUser("plm")
	g := c.patchOK("Users", idOf(u), op("replace", "title", "LM"))
	before, _ := parseTime(str(u, "meta", "lastModified"))
	after, ok := parseTime(str(g, "meta", "lastModified"))
	c.expect(ok && !after.Before(before), nil, "meta.lastModified went from %s to %s", before, after)
	c.eq(nil, str(g, "meta", "created"), str(u, "meta", "created"), "meta.created")
}

func patchExtensionPath(c *tc) {
	c.needs(FeatEnterprise)
	u := c.mkUser("pext")
	g := c.patchOK("Users", idOf(u), op("replace", schemaEnt+":department", "Finance"))
	c.eq(nil, str(g, schemaEnt, "department"), "Finance", "enterprise department")
}

func members(ids ...string) []any {
	out := []any{}
	for _, id := range ids {
		out = append(out, map[string]any{"value": id})
	}
	return out
}

func (c *tc) expectMembers(g map[string]any, want ...string) {
	ms := memberIDs(g)
	ok := len(ms) == len(want)
	for _, w := range want {
		ok = ok && ms[w] == 1
	}
	c.expect(ok, nil, "members: want exactly %v, got %s", want, compact(get(g, "members")))
}

func patchGroupAdd(c *tc) {
	u1, u2 := c.mkUser("ga1"), c.mkUser("ga2")
	g := c.mkGroup("ga", idOf(u1))
	got := c.patchOK("Groups", idOf(g), op("add", "members", members(idOf(u2))))
	c.expectMembers(got, idOf(u1), idOf(u2))
}

func patchGroupRemoveFilter(c *tc) {
	u1, u2, u3 := c.mkUser("gr1"), c.mkUser("gr2"), c.mkUser("gr3")
	g := c.mkGroup("gr", idOf(u1), idOf(u2), idOf(u3))
	got := c.patchOK("Groups", idOf(g), op("remove", `members[value eq `+quote(idOf(u2))+`]`, nil))
	c.expectMembers(got, idOf(u1), idOf(u3))
}

func patchGroupRemoveAll(c *tc) {
	u1, u2 := c.mkUser("gra1"), c.mkUser("gra2")
	g := c.mkGroup("gra", idOf(u1), idOf(u2))
	got := c.patchOK("Groups", idOf(g), op("remove", "members", nil))
	c.expectMembers(got)
}

func patchGroupReplace(c *tc) {
	u1, u2, u3 := c.mkUser("grp1"), c.mkUser("grp2"), c.mkUser("grp3")
	g := c.mkGroup("grp", idOf(u1), idOf(u2))
	got := c.patchOK("Groups", idOf(g), op("replace", "members", members(idOf(u3))))
	c.expectMembers(got, idOf(u3))
}

func patchGroupDuplicate(c *tc) {
	u := c.mkUser("gdup")
	g := c.mkGroup("gdup", idOf(u))
	got := c.patchOK("Groups", idOf(g), op("add", "members", members(idOf(u))))
	c.expectMembers(got, idOf(u))
}
