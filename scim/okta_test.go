package scim_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
)

// oktaCT is the Content-Type Okta sends: application/json, not
// application/scim+json.
var oktaCT = header("Content-Type", "application/json; charset=utf-8")

// TestOktaProvisioning replays, in order, what Okta sends to provision a
// user and push a group (fixtures: testdata/okta, from Okta's "SCIM 2.0
// Protocol Reference"), checking every answer.
func TestOktaProvisioning(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		const userName = "test.user@okta.local"
		const pw1, pw2 = "1mz050nq", "Okta-Sync-9q2LwX"
		e.secret(pw1)
		e.secret(pw2)
		lookup := func(name string) *response {
			return e.do("GET", "/Users"+q("filter", `userName eq "`+name+`"`, "startIndex", "1", "count", "100"), nil, oktaCT)
		}

		// Determine if the user already exists: not yet.
		r := lookup(userName)
		if n, res := r.total(t), r.resources(t); n != 0 || len(res) != 0 {
			t.Fatalf("lookup before create: totalResults %d, %d resources, want none", n, len(res))
		}
		eq(t, "empty lookup", r.Body, 1, "startIndex")

		// Create the user.
		created := e.do("POST", "/Users", fixture(t, "okta/create_user.json", map[string]string{
			"userName": userName, "externalId": "00ujl29u0le5T6Aj10h7", "password": pw1,
		}), oktaCT).want(t, http.StatusCreated)
		id := created.id(t)
		for _, c := range []struct {
			want any
			path []any
		}{
			{userName, []any{"userName"}}, {"00ujl29u0le5T6Aj10h7", []any{"externalId"}}, {true, []any{"active"}},
			{"Test", []any{"name", "givenName"}}, {"User", []any{"name", "familyName"}}, {"Test User", []any{"displayName"}},
			{"en-US", []any{"locale"}}, {userName, []any{"emails", 0, "value"}}, {true, []any{"emails", 0, "primary"}},
			{"User", []any{"meta", "resourceType"}},
		} {
			eq(t, "POST /Users", created.Body, c.want, c.path...)
		}
		if _, ok := created.Body["password"]; ok {
			t.Errorf("POST /Users returned a password attribute")
		}
		if loc := created.Header.Get("Location"); loc == "" || loc != at(created.Body, "meta", "location") {
			t.Errorf("Location %q, meta.location %v: want equal and set", loc, at(created.Body, "meta", "location"))
		}
		if et := created.Header.Get("ETag"); et == "" || et != at(created.Body, "meta", "version") {
			t.Errorf("ETag %q, meta.version %v: want equal and set", et, at(created.Body, "meta", "version"))
		}
		checkPassword(t, e, id, pw1)

		// The same lookup now finds the user, whatever the case of userName
		// (caseExact false, RFC 7643 §4.1.1).
		for _, name := range []string{userName, strings.ToUpper(userName)} {
			r := lookup(name)
			if res := r.resources(t); r.total(t) != 1 || len(res) != 1 || res[0]["id"] != id {
				t.Fatalf("lookup %q after create: want exactly user %s\n%s", name, id, r.Raw)
			}
		}
		// Import: the list pages as Okta walks it.
		r = e.do("GET", "/Users"+q("startIndex", "1", "count", "100"), nil, oktaCT)
		if r.total(t) != 1 || len(r.resources(t)) != 1 {
			t.Fatalf("GET /Users?startIndex=1&count=100: want 1 user\n%s", r.Raw)
		}
		eq(t, "import page", r.Body, 1, "itemsPerPage")

		// Retrieve the user, then PUT it back changed.
		got := e.do("GET", "/Users/"+id, nil, oktaCT).want(t, http.StatusOK)
		eq(t, "GET /Users/{id}", got.Body, userName, "userName")
		eq(t, "GET /Users/{id}", got.Body, true, "active")
		put := e.do("PUT", "/Users/"+id, fixture(t, "okta/put_user.json", map[string]string{"userId": id}), oktaCT).want(t, http.StatusOK)
		eq(t, "PUT", put.Body, id, "id")
		eq(t, "PUT", put.Body, "Another", "name", "givenName")
		eq(t, "PUT", put.Body, "Excited", "name", "middleName")
		eq(t, "PUT", put.Body, "test.user@okta.local", "emails", 0, "display")
		checkPassword(t, e, id, pw1) // a PUT without password keeps it

		// Deactivate, then reactivate: each PATCH answers the user (or 204)
		// and only active changes.
		for _, step := range []struct {
			file   string
			active bool
		}{{"okta/deactivate_user.json", false}, {"okta/reactivate_user.json", true}} {
			r := e.do("PATCH", "/Users/"+id, fixture(t, step.file, nil), oktaCT).want(t, http.StatusOK, http.StatusNoContent)
			if r.Status == http.StatusOK {
				eq(t, step.file, r.Body, step.active, "active")
			}
			got := e.do("GET", "/Users/"+id, nil, oktaCT).want(t, http.StatusOK)
			eq(t, "GET after "+step.file, got.Body, step.active, "active")
			eq(t, "GET after "+step.file, got.Body, "Excited", "name", "middleName")
		}

		// Sync the password.
		e.do("PATCH", "/Users/"+id, fixture(t, "okta/password_sync.json", map[string]string{"password": pw2}), oktaCT).
			want(t, http.StatusOK, http.StatusNoContent)
		checkPassword(t, e, id, pw2)

		// A second user for the membership changes.
		other := e.do("POST", "/Users", fixture(t, "okta/create_user.json", map[string]string{
			"userName": "second.user@okta.local", "externalId": "00ujl29u0le5T6Aj10h8", "password": pw1,
		}), oktaCT).want(t, http.StatusCreated).id(t)

		// Push a group: look it up (absent), create it, look it up again.
		groupLookup := func(name string) *response {
			return e.do("GET", "/Groups"+q("excludedAttributes", "members", "filter", `displayName eq "`+name+`"`), nil, oktaCT)
		}
		if n := groupLookup("Test SCIMv2").total(t); n != 0 {
			t.Fatalf("group lookup before push: %d groups", n)
		}
		g := e.do("POST", "/Groups", fixture(t, "okta/create_group.json", nil), oktaCT).want(t, http.StatusCreated)
		gid := g.id(t)
		eq(t, "POST /Groups", g.Body, "Test SCIMv2", "displayName")
		eq(t, "POST /Groups", g.Body, []any{}, "members")
		members := func() []string {
			t.Helper()
			ids := memberIDs(e.do("GET", "/Groups/"+gid, nil, oktaCT).want(t, http.StatusOK).Body)
			slices.Sort(ids)
			return ids
		}
		wantMembers := func(step string, want ...string) {
			t.Helper()
			slices.Sort(want)
			if got := members(); !slices.Equal(got, want) {
				t.Fatalf("after %s: members %v, want %v", step, got, want)
			}
		}

		// Membership: remove a non-member by filter and add the user in one
		// PATCH; add the second user; remove the first (twice: a retried
		// remove still succeeds).
		e.do("PATCH", "/Groups/"+gid, fixture(t, "okta/group_membership.json", map[string]string{"removeId": other, "userId": id}), oktaCT).
			want(t, http.StatusOK, http.StatusNoContent)
		wantMembers("membership PATCH", id)
		r = groupLookup("Test SCIMv2")
		if res := r.resources(t); r.total(t) != 1 || len(res) != 1 || res[0]["id"] != gid {
			t.Fatalf("group lookup: want group %s\n%s", gid, r.Raw)
		} else if _, ok := res[0]["members"]; ok {
			t.Errorf("excludedAttributes=members returned members:\n%s", r.Raw)
		}
		e.do("PATCH", "/Groups/"+gid, fixture(t, "okta/group_add_member.json", map[string]string{"userId": other, "display": "second.user@okta.local"}), oktaCT).
			want(t, http.StatusOK, http.StatusNoContent)
		wantMembers("add member", id, other)
		for range 2 {
			e.do("PATCH", "/Groups/"+gid, fixture(t, "okta/group_remove_member.json", map[string]string{"userId": id}), oktaCT).
				want(t, http.StatusOK, http.StatusNoContent)
			wantMembers("remove member", other)
		}

		// Rename: Okta sends the group's read-only id along; members stay.
		e.do("PATCH", "/Groups/"+gid, fixture(t, "okta/group_rename.json", map[string]string{"groupId": gid, "displayName": "Test SCIMv20"}), oktaCT).
			want(t, http.StatusOK, http.StatusNoContent)
		wantMembers("rename", other)
		r = groupLookup("Test SCIMv20")
		if res := r.resources(t); r.total(t) != 1 || len(res) != 1 || res[0]["id"] != gid || res[0]["displayName"] != "Test SCIMv20" {
			t.Fatalf("group lookup after rename: want group %s\n%s", gid, r.Raw)
		}
		if _, ok := r.resources(t)[0]["members"]; ok {
			t.Errorf("excludedAttributes=members returned members:\n%s", r.Raw)
		}
		if n := groupLookup("Test SCIMv2").total(t); n != 0 {
			t.Errorf("the old group name still matches %d groups", n)
		}

		// Full push of the membership.
		e.do("PATCH", "/Groups/"+gid, fixture(t, "okta/group_replace_members.json", map[string]string{"userId": id, "otherId": other}), oktaCT).
			want(t, http.StatusOK, http.StatusNoContent)
		wantMembers("replace members", id, other)
		u := e.do("GET", "/Users/"+id, nil, oktaCT).want(t, http.StatusOK)
		eq(t, "user's groups", u.Body, gid, "groups", 0, "value")

		// Delete the pushed group.
		e.do("DELETE", "/Groups/"+gid, nil, oktaCT).want(t, http.StatusNoContent)
		e.do("GET", "/Groups/"+gid, nil, oktaCT).wantError(t, http.StatusNotFound, "")
		e.do("DELETE", "/Groups/"+gid, nil, oktaCT).wantError(t, http.StatusNotFound, "")
		u = e.do("GET", "/Users/"+id, nil, oktaCT).want(t, http.StatusOK)
		if gs, _ := u.Body["groups"].([]any); len(gs) != 0 {
			t.Errorf("the user still lists deleted groups: %v", gs)
		}
	})
}

// checkPassword asserts that the stored hash of the user's password is of pw.
func checkPassword(t *testing.T, e *env, id, pw string) {
	t.Helper()
	tn, err := e.store.TenantByName(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.store.GetUser(context.Background(), tn.ID, id, store.Load(0))
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(pw)) != nil {
		t.Errorf("the stored password of %s is not %q", id, pw)
	}
}
