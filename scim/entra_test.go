package scim_test

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/scimd/scimd/scim"
)

func guid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// plusEq is a filter as Entra ID encodes it in the URL: spaces as "+".
func plusEq(attr, value string) string {
	return "filter=" + attr + "+eq+%22" + value + "%22"
}

// TestEntraProvisioning replays what the Microsoft Entra provisioning
// service sends (fixtures: testdata/entra, from Microsoft Learn's SCIM
// tutorial and its known-issues page), checking every answer.
func TestEntraProvisioning(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		get := func(id string) map[string]any {
			t.Helper()
			return e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK).Body
		}
		patchUser := func(id, file string, vars map[string]string) map[string]any {
			t.Helper()
			r := e.do("PATCH", "/Users/"+id, fixture(t, file, vars)).want(t, http.StatusOK, http.StatusNoContent)
			if r.Status == http.StatusOK {
				eq(t, file, r.Body, id, "id")
			}
			return get(id)
		}
		find := func(attr, value string) []map[string]any {
			t.Helper()
			return e.do("GET", "/Users?"+plusEq(attr, value), nil).resources(t)
		}

		// Test Connection: a random userName and group name match nothing.
		if r := e.do("GET", "/Users?"+plusEq("userName", guid()), nil); r.total(t) != 0 || len(r.resources(t)) != 0 {
			t.Fatalf("Test Connection: want totalResults 0\n%s", r.Raw)
		}
		if r := e.do("GET", "/Groups?excludedAttributes=members&"+plusEq("displayName", guid()), nil); r.total(t) != 0 {
			t.Fatalf("group lookup: want totalResults 0\n%s", r.Raw)
		}

		// Create a manager, then a user reporting to it with Entra's full body.
		mgrName := "Test_User_" + guid()
		mgr := e.do("POST", "/Users", fixture(t, "entra/create_user_plain.json", map[string]string{
			"externalId": guid(), "userName": mgrName, "emailType": "work",
		})).want(t, http.StatusCreated).id(t)
		userName, extID := "Test_User_"+guid(), guid()
		c := e.do("POST", "/Users", fixture(t, "entra/create_user.json", map[string]string{
			"externalId": extID, "userName": userName, "displayName": "Ada Lovelace", "employeeNumber": "701984", "managerId": mgr,
		})).want(t, http.StatusCreated)
		id := c.id(t)
		for _, doc := range []map[string]any{c.Body, get(id)} {
			eq(t, "created user", doc, "701984", enterpriseSchema, "employeeNumber")
			eq(t, "created user", doc, "Engineering", enterpriseSchema, "department")
			eq(t, "created user", doc, mgr, enterpriseSchema, "manager", "value")
			eq(t, "created user", doc, mgrName, enterpriseSchema, "manager", "displayName")
			eq(t, "created user", doc, "givenName familyName", "name", "formatted")
			eq(t, "created user", doc, "+1 425 555 0101", "phoneNumbers", 1, "value")
			eq(t, "created user", doc, "1 Microsoft Way", "addresses", 0, "streetAddress")
			eq(t, "created user", doc, true, "active")
			if !hasString(doc["schemas"], enterpriseSchema) {
				t.Errorf("schemas lack the enterprise extension: %v", doc["schemas"])
			}
		}

		// Matching by userName and externalId, with "+" for spaces.
		for attr, v := range map[string]string{"userName": userName, "externalId": extID} {
			if res := find(attr, v); len(res) != 1 || res[0]["id"] != id {
				t.Fatalf("filter %s eq %q: want user %s, got %v", attr, v, id, res)
			}
		}

		// Update User [Multi-valued properties].
		u := patchUser(id, "entra/patch_multi_valued.json", nil)
		eq(t, "multi-valued", u, "updatedEmail@microsoft.com", "emails", 0, "value")
		eq(t, "multi-valued", u, "updatedFamilyName", "name", "familyName")
		eq(t, "multi-valued", u, "givenName", "name", "givenName")
		eq(t, "multi-valued", u, 2, "phoneNumbers", "#")

		// Disable with "False", enable with "True", disable with false: the
		// stored value is a boolean and a disabled user is still found.
		for _, step := range []struct {
			file string
			want bool
		}{{"entra/disable_user_string.json", false}, {"entra/enable_user_string.json", true}, {"entra/disable_user.json", false}} {
			eq(t, step.file, patchUser(id, step.file, nil), step.want, "active")
		}
		if res := find("userName", userName); len(res) != 1 || res[0]["active"] != false {
			t.Errorf("a disabled user must still be found, with active false: %v", res)
		}
		if r := e.do("GET", "/Users"+q("filter", "active eq false"), nil); r.total(t) != 1 {
			t.Errorf("filter active eq false: want 1\n%s", r.Raw)
		}

		// Add a single-valued string attribute.
		eq(t, "add nickName", patchUser(id, "entra/add_nickname.json", nil), "Babs", "nickName")

		// Replace several attributes, the legacy way (one op per path).
		u = patchUser(id, "entra/replace_multiple_legacy.json", nil)
		for _, c := range []struct {
			want any
			path []any
		}{
			{"Pvlo", []any{"displayName"}}, {"TestBcwqnm@test.microsoft.com", []any{"emails", 0, "value"}},
			{"Gtfd", []any{"name", "givenName"}}, {"Pkqf", []any{"name", "familyName"}}, {"Eqpj", []any{"externalId"}},
			{"Eqpj", []any{enterpriseSchema, "employeeNumber"}}, {mgr, []any{enterpriseSchema, "manager", "value"}},
		} {
			eq(t, "legacy replace", u, c.want, c.path...)
		}
		// ... and the SCIM-compliant way: no path, dotted keys.
		u = patchUser(id, "entra/replace_multiple.json", nil)
		for _, c := range []struct {
			want any
			path []any
		}{
			{"Bjfe", []any{"displayName"}}, {"TestMhvaes@test.microsoft.com", []any{"emails", 0, "value"}},
			{"Kkom", []any{"name", "givenName"}}, {"Unua", []any{"name", "familyName"}},
			{"Aklq", []any{enterpriseSchema, "employeeNumber"}}, {"Engineering", []any{enterpriseSchema, "department"}},
			{mgr, []any{enterpriseSchema, "manager", "value"}}, {"Babs", []any{"nickName"}},
		} {
			eq(t, "no-path replace", u, c.want, c.path...)
		}

		// Manager as a plain string, then removed with an empty value.
		boss := e.createUser(t, "boss@contoso.example", map[string]any{"displayName": "Bob Boss"})
		u = patchUser(id, "entra/add_manager.json", map[string]string{"managerId": boss})
		eq(t, "add manager", u, boss, enterpriseSchema, "manager", "value")
		eq(t, "add manager", u, "Bob Boss", enterpriseSchema, "manager", "displayName")
		u = patchUser(id, "entra/remove_manager.json", nil)
		eq(t, "remove manager", u, nil, enterpriseSchema, "manager")
		eq(t, "remove manager", u, "Aklq", enterpriseSchema, "employeeNumber")

		// Filtered sub-attribute paths: street of the work address; a work
		// email on a user that has only another email is created.
		u = patchUser(id, "entra/replace_work_street.json", nil)
		eq(t, "work street", u, "2 Microsoft Way", "addresses", 0, "streetAddress")
		eq(t, "work street", u, "Redmond", "addresses", 0, "locality")
		eq(t, "work street", u, 1, "addresses", "#")
		otherName := "Test_User_" + guid()
		other := e.do("POST", "/Users", fixture(t, "entra/create_user_plain.json", map[string]string{
			"externalId": guid(), "userName": otherName, "emailType": "other",
		})).want(t, http.StatusCreated).id(t)
		emails, _ := patchUser(other, "entra/add_work_email.json", map[string]string{"email": "new@contoso.example"})["emails"].([]any)
		if got := emailsByType(emails); len(emails) != 2 || got["work"] != "new@contoso.example" || got["other"] != otherName {
			t.Errorf("Add emails[type eq \"work\"].value on a user without one: emails %v", emails)
		}
		emails, _ = patchUser(id, "entra/add_work_email.json", map[string]string{"email": "again@contoso.example"})["emails"].([]any)
		if got := emailsByType(emails); len(emails) != 1 || got["work"] != "again@contoso.example" {
			t.Errorf("Add emails[type eq \"work\"].value on a user with one: emails %v", emails)
		}

		// Update User [Single-valued properties]: the joining attribute.
		newName := guid() + "@testuser.com"
		eq(t, "rename", patchUser(id, "entra/patch_single_valued.json", map[string]string{"userName": newName}), newName, "userName")
		if res := find("userName", newName); len(res) != 1 || res[0]["id"] != id {
			t.Errorf("lookup by the new userName: %v", res)
		}

		// Groups.
		g := e.do("POST", "/Groups", fixture(t, "entra/create_group.json", nil)).want(t, http.StatusCreated)
		gid := g.id(t)
		eq(t, "create group", g.Body, "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "externalId")
		if res := e.do("GET", "/Groups?excludedAttributes=members&"+plusEq("displayName", "displayName"), nil).resources(t); len(res) != 1 || res[0]["id"] != gid {
			t.Fatalf("group lookup by displayName: %v", res)
		}
		members := func() []string {
			t.Helper()
			ids := memberIDs(e.do("GET", "/Groups/"+gid, nil).want(t, http.StatusOK).Body)
			slices.Sort(ids)
			return ids
		}
		groupPatch := func(file string, want ...string) {
			t.Helper()
			e.do("PATCH", "/Groups/"+gid, fixture(t, file, map[string]string{"u1": id, "u2": other})).want(t, http.StatusOK, http.StatusNoContent)
			slices.Sort(want)
			if got := members(); !slices.Equal(got, want) {
				t.Fatalf("after %s: members %v, want %v", file, got, want)
			}
		}
		groupPatch("entra/group_add_members.json", id, other)
		groupPatch("entra/group_remove_members.json", other) // only u1 goes
		groupPatch("entra/group_add_members.json", id, other)
		groupPatch("entra/group_remove_member_filter.json", other)
		groupPatch("entra/group_rename.json", other)
		r := e.do("GET", "/Groups/"+gid+"?excludedAttributes=members", nil).want(t, http.StatusOK)
		eq(t, "renamed group", r.Body, "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName", "displayName")
		if _, ok := r.Body["members"]; ok {
			t.Errorf("GET /Groups/{id}?excludedAttributes=members returned members")
		}

		// Delete a user: it is gone, and so is its membership.
		e.do("DELETE", "/Users/"+other, nil).want(t, http.StatusNoContent)
		e.do("GET", "/Users/"+other, nil).wantError(t, http.StatusNotFound, "")
		if got := members(); len(got) != 0 {
			t.Errorf("the deleted user is still a member: %v", got)
		}
		e.do("DELETE", "/Groups/"+gid, nil).want(t, http.StatusNoContent)
		e.do("GET", "/Groups/"+gid, nil).wantError(t, http.StatusNotFound, "")
	})
}

// emailsByType maps the type of each email to its value.
func emailsByType(emails []any) map[string]any {
	m := map[string]any{}
	for _, e := range emails {
		t, _ := at(e, "type").(string)
		m[t] = at(e, "value")
	}
	return m
}
