package scim_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/scimd/scimd/scim"
)

// TestTenantIsolation: one tenant's token never reaches another tenant's
// resources, by id, by filter, by list or as a group member.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		uid := e.createUser(t, "alice@a.example", map[string]any{"externalId": "a-1"})
		gid := e.createGroup(t, "a-group", uid)
		b := bearer(e.newTenantToken("tenant-b"))

		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/Users/" + uid, nil},
			{"PUT", "/Users/" + uid, map[string]any{"schemas": []any{userSchema}, "userName": "mallory"}},
			{"PATCH", "/Users/" + uid, patch(op("replace", "active", false))},
			{"DELETE", "/Users/" + uid, nil},
			{"GET", "/Groups/" + gid, nil},
			{"PUT", "/Groups/" + gid, map[string]any{"schemas": []any{groupSchema}, "displayName": "mine"}},
			{"PATCH", "/Groups/" + gid, patch(op("remove", "members", nil))},
			{"DELETE", "/Groups/" + gid, nil},
		} {
			e.do(c.method, c.path, c.body, b).wantError(t, http.StatusNotFound, "")
		}
		for _, path := range []string{
			"/Users", "/Groups", "/Users" + q("filter", `userName eq "alice@a.example"`),
			"/Users" + q("filter", `id eq "`+uid+`"`), "/Groups" + q("filter", `members.value eq "`+uid+`"`),
			"/Users?count=10&cursor=",
		} {
			if r := e.do("GET", path, nil, b); r.total(t) != 0 || len(r.resources(t)) != 0 {
				t.Errorf("tenant B sees tenant A in GET %s:\n%s", path, r.Raw)
			}
		}
		search := map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}}
		if r := e.do("POST", "/.search", search, b); r.total(t) != 0 {
			t.Errorf("tenant B sees tenant A in POST /.search:\n%s", r.Raw)
		}

		// Tenant B may not make A's user a member of its group, and may use
		// the same names: uniqueness is per tenant.
		bg := e.do("POST", "/Groups", map[string]any{"schemas": []any{groupSchema}, "displayName": "a-group"}, b).
			want(t, http.StatusCreated).id(t)
		e.do("PATCH", "/Groups/"+bg, patch(op("add", "members", []any{map[string]any{"value": uid}})), b).
			wantError(t, http.StatusBadRequest, "invalidValue")
		e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "alice@a.example", "externalId": "a-1"}, b).
			want(t, http.StatusCreated)

		// Tenant A's resources are untouched.
		u := e.do("GET", "/Users/"+uid, nil).want(t, http.StatusOK)
		eq(t, "A's user", u.Body, nil, "active")
		if got := memberIDs(e.do("GET", "/Groups/"+gid, nil).want(t, http.StatusOK).Body); !slices.Equal(got, []string{uid}) {
			t.Errorf("A's group members %v", got)
		}
		if r := e.do("GET", "/Users", nil); r.total(t) != 1 {
			t.Errorf("tenant A sees %d users, want its 1", r.total(t))
		}
	})
}

// TestConcurrentMemberAdds: 20 PATCHes at once, each adding a different
// member to one group, lose none.
func TestConcurrentMemberAdds(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		const n = 20
		ids := make([]string, n)
		for i := range ids {
			ids[i] = e.createUser(t, fmt.Sprintf("member%02d@example.com", i), nil)
		}
		gid := e.createGroup(t, "crowd")
		res := make([]*response, n)
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Go(func() {
				res[i] = e.doT(t, "PATCH", "/Groups/"+gid, patch(op("add", "members", []any{map[string]any{"value": id}})))
			})
		}
		wg.Wait()
		for _, r := range res {
			r.want(t, http.StatusOK, http.StatusNoContent)
		}
		got := memberIDs(e.do("GET", "/Groups/"+gid, nil).want(t, http.StatusOK).Body)
		slices.Sort(got)
		slices.Sort(ids)
		if !slices.Equal(got, ids) {
			t.Errorf("after %d concurrent adds: %d members %v", n, len(got), got)
		}
	})
}

// TestConcurrentCreates: 5 POSTs of one userName at once give exactly one
// 201 and four 409 uniqueness (RFC 7644 §3.3).
func TestConcurrentCreates(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		for _, path := range []string{"/Users", "/Groups"} {
			body := map[string]any{"schemas": []any{userSchema}, "userName": "race@example.com"}
			if path == "/Groups" {
				body = map[string]any{"schemas": []any{groupSchema}, "displayName": "race"}
			}
			res := make([]*response, 5)
			var wg sync.WaitGroup
			for i := range res {
				wg.Go(func() { res[i] = e.doT(t, "POST", path, body) })
			}
			wg.Wait()
			created := 0
			for _, r := range res {
				switch r.Status {
				case http.StatusCreated:
					created++
				case http.StatusConflict:
					r.wantError(t, http.StatusConflict, "uniqueness")
				default:
					t.Errorf("concurrent POST %s: status %d\n%s", path, r.Status, r.Raw)
				}
			}
			if created != 1 {
				t.Errorf("concurrent POST %s: %d created, want exactly 1", path, created)
			}
			if r := e.do("GET", path, nil); r.total(t) != 1 {
				t.Errorf("GET %s: %d resources, want 1", path, r.total(t))
			}
		}
	})
}
