package conformance

import (
	"crypto/rand"
	"fmt"
	"net/url"
)

func encheck(id, title, section string, mutates bool, fn func(*tc), req ...Feature) Check {
	return Check{ID: id, Title: title, Section: section, Profiles: entra, Mutates: mutates, Requires: req, run: fn}
}

func init() {
	pe := []Feature{FeatPatch, FeatEnterprise}
	p := []Feature{FeatPatch}
	register("entra",
		encheck("entra-test-connection", "Test Connection: GET /Users?filter=userName eq \"<random GUID>\" answers 200 totalResults 0", "Entra: Test Connection", false, entraTestConnection, FeatFilter),
		encheck("entra-group-lookup-absent", "GET /Groups?excludedAttributes=members&filter=displayName eq \"<GUID>\" answers 200 totalResults 0", "Entra: group matching", false, entraGroupLookupAbsent, FeatFilter),
		encheck("entra-create-user", "POST /Users with Entra's body (enterprise extension, manager, addresses, phoneNumbers) answers 201", "Entra: create user", true, entraCreate, FeatEnterprise),
		encheck("entra-user-roundtrip", "GET returns Entra's attributes: name.formatted, work address, fax number, department, manager.value", "Entra: create user", true, entraRoundTrip, FeatEnterprise),
		encheck("entra-filter-externalid", "GET /Users?filter=externalId eq finds the user", "Entra: user matching", true, entraFilterExternalID, FeatEnterprise, FeatFilter),
		encheck("entra-patch-active-string-false", "{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"} sets active to boolean false", "Entra: disable user", true, entraActiveFalse, pe...),
		encheck("entra-patch-active-string-true", "{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"True\"} sets active to boolean true", "Entra: enable user", true, entraActiveTrue, pe...),
		encheck("entra-patch-capitalised-ops", "capitalised ops Add, Replace and Remove are accepted", "Entra: update user", true, entraCapitalised, pe...),
		encheck("entra-patch-multiple-ops", "several Replace operations in one PATCH are all applied", "Entra: update user", true, entraMultiOps, pe...),
		encheck("entra-patch-dotted-keys", "Replace without path with dotted keys (name.givenName, ...:manager) updates those attributes", "Entra: update user", true, entraDottedKeys, pe...),
		encheck("entra-patch-add-manager", "Add path ...:manager with a plain string sets manager.value", "Entra: update manager", true, entraAddManager, pe...),
		encheck("entra-patch-replace-manager-empty", "Replace ...:manager with {\"value\":\"\"} removes the manager", "Entra: remove manager", true, entraManagerEmpty, pe...),
		encheck("entra-patch-remove-manager", "Remove path ...:manager removes the manager", "Entra: remove manager", true, entraRemoveManager, pe...),
		encheck("entra-patch-employee-number", "Replace path ...:employeeNumber updates the extension attribute", "Entra: update user", true, entraEmployeeNumber, pe...),
		encheck("entra-patch-email-filter-add", "Add emails[type eq \"work\"].value replaces the work email", "Entra: update user", true, entraEmailAdd, pe...),
		encheck("entra-patch-address-street", "Replace addresses[type eq \"work\"].streetAddress updates only the street", "Entra: update user", true, entraAddressStreet, pe...),
		encheck("entra-patch-phone-filter", "Replace phoneNumbers[type eq \"mobile\"].value updates only the mobile number", "Entra: update user", true, entraPhone, pe...),
		encheck("entra-disabled-still-readable", "a disabled user is still returned by GET and by filter", "Entra: disable user", true, entraDisabledReadable, pe...),
		encheck("entra-group-create", "POST /Groups with externalId and displayName answers 201", "Entra: create group", true, entraGroupCreate),
		encheck("entra-group-lookup", "GET /Groups?excludedAttributes=members&filter=displayName eq finds the group", "Entra: group matching", true, entraGroupLookup, FeatFilter),
		encheck("entra-group-add-members", "Add path members with two values adds both", "Entra: group membership", true, entraGroupAdd, p...),
		encheck("entra-group-remove-members", "Remove path members with value [{value:id}] removes only the listed member", "Entra: group membership", true, entraGroupRemove, p...),
		encheck("entra-group-rename", "Replace path displayName renames the group", "Entra: update group", true, entraGroupRename, p...),
		encheck("entra-delete-user", "GET /Users/{id} then DELETE answers 204 and the user is gone", "Entra: delete user", true, entraDelete),
	)
}

func guid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (c *tc) entraBody(suffix, managerID string) map[string]any {
	n := c.name(suffix) + "@contoso.example"
	ent := map[string]any{"employeeNumber": "E" + suffix, "department": "Engineering"}
	if managerID != "" {
		ent["manager"] = map[string]any{"value": managerID}
	}
	return map[string]any{
		"schemas":    []any{schemaUser, schemaEnt},
		"externalId": guid(),
		"userName":   n,
		"active":     true,
		"addresses": []any{map[string]any{"type": "work", "formatted": "1 Microsoft Way\nRedmond, WA 98052\nUS", "streetAddress": "1 Microsoft Way",
			"locality": "Redmond", "region": "WA", "postalCode": "98052", "country": "US", "primary": false}},
		"displayName": "Entra " + suffix,
		"emails":      []any{map[string]any{"primary": true, "type": "work", "value": n}},
		"meta":        map[string]any{"resourceType": "User"},
		"name":        map[string]any{"formatted": "Ada " + suffix, "familyName": suffix, "givenName": "Ada"},
		"phoneNumbers": []any{map[string]any{"type": "work", "value": "+1 425 555 0100"}, map[string]any{"type": "mobile", "value": "+1 425 555 0101"},
			map[string]any{"type": "fax", "value": "+1 425 555 0102"}},
		"title":             "Engineer",
		schemaEnt:           ent,
		"preferredLanguage": "en-US",
	}
}

func (c *tc) entraUser(suffix, managerID string) (map[string]any, map[string]any) {
	b := c.entraBody(suffix, managerID)
	return b, c.createUser(b)
}

func (c *tc) entraPatch(typ, rid string, ops ...map[string]any) map[string]any {
	return c.patchOK(typ, rid, ops...)
}

func entraTestConnection(c *tc) {
	l := c.list("/Users" + q("filter", "userName eq "+quote(guid())))
	c.expect(l.total == 0 && len(l.items) == 0, l.r, "want totalResults 0, got %d", l.total)
}

func entraGroupLookupAbsent(c *tc) {
	l := c.list("/Groups" + q("excludedAttributes", "members", "filter", "displayName eq "+quote(guid())))
	c.expect(l.total == 0 && len(l.items) == 0, l.r, "want totalResults 0, got %d", l.total)
}

func entraCreate(c *tc) {
	mgr := c.mkUser("mgr")
	b := c.entraBody("ec", idOf(mgr))
	u, r := c.create("Users", b)
	c.eq(r, str(u, "userName"), b["userName"], "userName")
	c.eq(r, str(u, schemaEnt, "manager", "value"), idOf(mgr), "manager.value")
}

func entraRoundTrip(c *tc) {
	mgr := c.mkUser("mgr")
	_, u := c.entraUser("ert", idOf(mgr))
	g, r := c.get("Users", idOf(u))
	c.eq(r, str(g, "name", "formatted"), "Ada ert", "name.formatted")
	a := objs(g, "addresses")
	c.expect(len(a) == 1 && str(a[0], "type") == "work" && str(a[0], "locality") == "Redmond", r, "work address lost: %s", compact(get(g, "addresses")))
	fax := false
	for _, p := range objs(g, "phoneNumbers") {
		fax = fax || (str(p, "type") == "fax" && str(p, "value") == "+1 425 555 0102")
	}
	c.expect(fax, r, "fax number lost: %s", compact(get(g, "phoneNumbers")))
	c.eq(r, str(g, schemaEnt, "department"), "Engineering", "department")
	c.eq(r, str(g, schemaEnt, "manager", "value"), idOf(mgr), "manager.value")
}

func entraFilterExternalID(c *tc) {
	b, u := c.entraUser("efx", "")
	l := c.filter("Users", "externalId eq "+quote(b["externalId"].(string)))
	c.sameIDs(l, "externalId eq", idOf(u))
}

func entraActiveFalse(c *tc) {
	_, u := c.entraUser("eaf", "")
	g := c.entraPatch("Users", idOf(u), op("Replace", "active", "False"))
	act, ok := boolean(g, "active")
	c.expect(ok && !act, nil, "active: want boolean false, got %s", compact(get(g, "active")))
}

func entraActiveTrue(c *tc) {
	b := c.entraBody("eat", "")
	b["active"] = false
	u := c.createUser(b)
	g := c.entraPatch("Users", idOf(u), op("Replace", "active", "True"))
	act, ok := boolean(g, "active")
	c.expect(ok && act, nil, "active: want boolean true, got %s", compact(get(g, "active")))
}

func entraCapitalised(c *tc) {
	_, u := c.entraUser("ecap", "")
	g := c.entraPatch("Users", idOf(u), op("Add", "nickName", "Capital"), op("Replace", "title", "Lead"), op("Remove", "preferredLanguage", nil))
	c.eq(nil, str(g, "nickName"), "Capital", "nickName (Add)")
	c.eq(nil, str(g, "title"), "Lead", "title (Replace)")
	c.expect(!has(g, "preferredLanguage"), nil, "preferredLanguage survived Remove")
}

func entraMultiOps(c *tc) {
	_, u := c.entraUser("emo", "")
	g := c.entraPatch("Users", idOf(u), op("Replace", "displayName", "Multi One"), op("Replace", "name.familyName", "Multi"), op("Replace", "title", "Two"))
	c.expect(str(g, "displayName") == "Multi One" && str(g, "name", "familyName") == "Multi" && str(g, "title") == "Two", nil,
		"not all operations applied: displayName %q, familyName %q, title %q", str(g, "displayName"), str(g, "name", "familyName"), str(g, "title"))
}

func entraDottedKeys(c *tc) {
	mgr := c.mkUser("mgr")
	_, u := c.entraUser("edk", "")
	g := c.entraPatch("Users", idOf(u), op("Replace", "", map[string]any{"name.givenName": "Dotted", schemaEnt + ":manager": idOf(mgr)}))
	c.eq(nil, str(g, "name", "givenName"), "Dotted", "name.givenName")
	c.eq(nil, str(g, "name", "familyName"), "edk", "name.familyName (must be kept)")
	c.eq(nil, str(g, schemaEnt, "manager", "value"), idOf(mgr), "manager.value")
}

func entraAddManager(c *tc) {
	mgr := c.mkUser("mgr")
	_, u := c.entraUser("eam", "")
	g := c.entraPatch("Users", idOf(u), op("Add", schemaEnt+":manager", idOf(mgr)))
	c.eq(nil, str(g, schemaEnt, "manager", "value"), idOf(mgr), "manager.value")
}

func (c *tc) noManager(g map[string]any) {
	c.expect(str(g, schemaEnt, "manager", "value") == "", nil, "manager still set: %s", compact(get(g, schemaEnt, "manager")))
	c.eq(nil, str(g, schemaEnt, "department"), "Engineering", "department (must be kept)")
}

func entraManagerEmpty(c *tc) {
	mgr := c.mkUser("mgr")
	_, u := c.entraUser("eme", idOf(mgr))
	c.noManager(c.entraPatch("Users", idOf(u), op("Replace", schemaEnt+":manager", map[string]any{"value": ""})))
}

func entraRemoveManager(c *tc) {
	mgr := c.mkUser("mgr")
	_, u := c.entraUser("erm", idOf(mgr))
	c.noManager(c.entraPatch("Users", idOf(u), op("Remove", schemaEnt+":manager", nil)))
}

func entraEmployeeNumber(c *tc) {
	_, u := c.entraUser("een", "")
	g := c.entraPatch("Users", idOf(u), op("Replace", schemaEnt+":employeeNumber", "E-NEW-1"))
	c.eq(nil, str(g, schemaEnt, "employeeNumber"), "E-NEW-1", "employeeNumber")
}

func entraEmailAdd(c *tc) {
	_, u := c.entraUser("eem", "")
	nv := "new-" + c.name("mail") + "@contoso.example"
	g := c.entraPatch("Users", idOf(u), op("Add", `emails[type eq "work"].value`, nv))
	w, n := emailOf(g, "work")
	c.expect(w == nv && n == 1, nil, "want exactly one work email %s, got %s", nv, compact(get(g, "emails")))
}

func entraAddressStreet(c *tc) {
	_, u := c.entraUser("eas", "")
	g := c.entraPatch("Users", idOf(u), op("Replace", `addresses[type eq "work"].streetAddress`, "2 New Street"))
	a := objs(g, "addresses")
	c.expect(len(a) == 1 && str(a[0], "streetAddress") == "2 New Street" && str(a[0], "locality") == "Redmond", nil,
		"want street changed and locality kept, got %s", compact(get(g, "addresses")))
}

func entraPhone(c *tc) {
	_, u := c.entraUser("eph", "")
	g := c.entraPatch("Users", idOf(u), op("Replace", `phoneNumbers[type eq "mobile"].value`, "+1 425 555 0199"))
	got := map[string]string{}
	for _, p := range objs(g, "phoneNumbers") {
		got[str(p, "type")] = str(p, "value")
	}
	c.expect(got["mobile"] == "+1 425 555 0199" && got["work"] == "+1 425 555 0100" && got["fax"] == "+1 425 555 0102", nil,
		"want only the mobile number changed, got %s", compact(get(g, "phoneNumbers")))
}

func entraDisabledReadable(c *tc) {
	_, u := c.entraUser("edr", "")
	c.entraPatch("Users", idOf(u), op("Replace", "active", "False"))
	if c.has(FeatFilter) {
		l := c.filter("Users", "userName eq "+quote(str(u, "userName")))
		c.sameIDs(l, "filter for a disabled user", idOf(u))
	}
}

func (c *tc) entraGroup(suffix string) (string, map[string]any) {
	n := c.name(suffix)
	g, _ := c.create("Groups", map[string]any{"schemas": []any{schemaGroup}, "externalId": guid(), "displayName": n, "members": []any{}})
	return n, g
}

func entraGroupCreate(c *tc) {
	n, g := c.entraGroup("egc")
	c.eq(nil, str(g, "displayName"), n, "displayName")
}

func entraGroupLookup(c *tc) {
	n, g := c.entraGroup("egl")
	l := c.list("/Groups" + q("excludedAttributes", "members", "filter", "displayName eq "+quote(n)))
	c.sameIDs(l, "displayName eq", idOf(g))
}

func entraGroupAdd(c *tc) {
	u1, u2 := c.mkUser("ega1"), c.mkUser("ega2")
	_, g := c.entraGroup("ega")
	got := c.entraPatch("Groups", idOf(g), op("Add", "members", members(idOf(u1), idOf(u2))))
	c.expectMembers(got, idOf(u1), idOf(u2))
}

func entraGroupRemove(c *tc) {
	u1, u2, u3 := c.mkUser("egr1"), c.mkUser("egr2"), c.mkUser("egr3")
	_, g := c.entraGroup("egr")
	c.entraPatch("Groups", idOf(g), op("Add", "members", members(idOf(u1), idOf(u2), idOf(u3))))
	got := c.entraPatch("Groups", idOf(g), op("Remove", "members", members(idOf(u2))))
	c.expectMembers(got, idOf(u1), idOf(u3))
}

func entraGroupRename(c *tc) {
	u := c.mkUser("egn")
	_, g := c.entraGroup("egn")
	c.entraPatch("Groups", idOf(g), op("Add", "members", members(idOf(u))))
	nn := c.name("renamed")
	got := c.entraPatch("Groups", idOf(g), op("Replace", "displayName", nn))
	c.eq(nil, str(got, "displayName"), nn, "displayName")
	c.expectMembers(got, idOf(u))
}

func entraDelete(c *tc) {
	u := c.mkUser("edel")
	c.get("Users", idOf(u))
	c.status(c.do("DELETE", "/Users/"+url.PathEscape(idOf(u)), nil), 204)
	c.status(c.do("GET", "/Users/"+url.PathEscape(idOf(u)), nil), 404)
}
