package scim_test

import (
	"net/http"
	"testing"

	"github.com/scimd/scimd/scim"
)

// primaries lists the values of the elements of a multi-valued attribute
// that are primary.
func primaries(doc map[string]any, attr string) []any {
	var out []any
	list, _ := doc[attr].([]any)
	for _, el := range list {
		if at(el, "primary") == true {
			out = append(out, at(el, "value"))
		}
	}
	return out
}

// TestPatchPrimary: RFC 7644 §3.5.2: "a PATCH operation that sets a
// value's "primary" sub-attribute to "true" SHALL cause the server to
// automatically set "primary" to "false" for any other values in the
// array." (A POST or PUT with two primaries stays a 400, RFC 7643 §2.4.)
func TestPatchPrimary(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		id := e.createUser(t, "primary@example.com", map[string]any{"emails": []any{
			map[string]any{"value": "work@example.com", "type": "work", "primary": true},
			map[string]any{"value": "home@example.com", "type": "home"},
		}})
		steps := []struct {
			name string
			body map[string]any
			want string
		}{
			{"add a primary value", patch(op("add", "emails", []any{map[string]any{"value": "new@example.com", "type": "other", "primary": true}})), "new@example.com"},
			{"primary by filter", patch(op("replace", `emails[type eq "home"].primary`, true)), "home@example.com"},
			{"no-path add", patch(op("add", "", map[string]any{"emails": []any{map[string]any{"value": "np@example.com", "primary": true}}})), "np@example.com"},
			{"Entra string True", patch(op("Replace", `emails[type eq "work"].primary`, "True")), "work@example.com"},
		}
		for _, s := range steps {
			r := e.do("PATCH", "/Users/"+id, s.body).want(t, http.StatusOK)
			if got := primaries(r.Body, "emails"); len(got) != 1 || got[0] != s.want {
				t.Errorf("%s: primary emails %v, want [%s]\n%s", s.name, got, s.want, r.Raw)
			}
		}
		// Two new primaries in one value are still refused.
		e.do("PATCH", "/Users/"+id, patch(op("replace", "emails", []any{
			map[string]any{"value": "a@example.com", "primary": true}, map[string]any{"value": "b@example.com", "primary": true},
		}))).wantError(t, http.StatusBadRequest, "invalidValue")
		// Addresses follow the same rule.
		e.do("PATCH", "/Users/"+id, patch(op("add", "addresses", []any{map[string]any{"type": "work", "locality": "Oslo", "primary": true}}))).
			want(t, http.StatusOK)
		r := e.do("PATCH", "/Users/"+id, patch(op("add", "addresses", []any{map[string]any{"type": "home", "locality": "Bergen", "primary": true}}))).
			want(t, http.StatusOK)
		if n := 0; true {
			for _, a := range r.Body["addresses"].([]any) {
				if at(a, "primary") == true {
					n++
					eq(t, "primary address", a, "Bergen", "locality")
				}
			}
			if n != 1 {
				t.Errorf("%d primary addresses, want 1", n)
			}
		}
	})
}

// TestPatchAtomic: RFC 7644 §3.5.2: a PATCH whose operations do not all
// succeed changes nothing.
func TestPatchAtomic(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		id := e.createUser(t, "atomic@example.com", map[string]any{"displayName": "Before"})
		gid := e.createGroup(t, "atomic")
		e.do("PATCH", "/Users/"+id, patch(op("replace", "displayName", "After"), op("replace", "shoeSize", "9"))).
			wantError(t, http.StatusBadRequest, "invalidPath")
		e.do("PATCH", "/Users/"+id, patch(op("replace", "displayName", "After"), op("replace", "active", "maybe"))).
			wantError(t, http.StatusBadRequest, "invalidValue")
		eq(t, "user after failed PATCHes", e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK).Body, "Before", "displayName")
		e.do("PATCH", "/Groups/"+gid, patch(
			op("replace", "displayName", "renamed"),
			op("add", "members", []any{map[string]any{"value": id}}),
			op("add", "members", []any{map[string]any{"value": "nobody"}}),
		)).wantError(t, http.StatusBadRequest, "invalidValue")
		g := e.do("GET", "/Groups/"+gid, nil).want(t, http.StatusOK).Body
		eq(t, "group after a failed PATCH", g, "atomic", "displayName")
		if ids := memberIDs(g); len(ids) != 0 {
			t.Errorf("a failed PATCH added members %v", ids)
		}
	})
}

// TestPatchOddValues: values that normalise to nothing must not break a
// later operation of the same request (it answered 500: a nil element of
// emails reached a type assertion in the filter engine).
func TestPatchOddValues(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		id := e.createUser(t, "odd@example.com", map[string]any{"emails": []any{map[string]any{"value": "w@example.com", "type": "work"}}})
		for _, body := range []map[string]any{
			patch(op("add", "emails", []any{""}), op("replace", `emails[type ne "work"].value`, "x@example.com")),
			patch(op("add", "emails", []any{""}), op("remove", `emails[type ne "work"].display`, nil)),
			patch(op("add", "emails", []any{nil}), op("add", `emails[not (type eq "work")]`, map[string]any{"display": "d"})),
		} {
			r := e.do("PATCH", "/Users/"+id, body)
			if r.Status != http.StatusOK && r.Status != http.StatusBadRequest {
				t.Errorf("PATCH %v: status %d, want 200 or 400\n%s", body["Operations"], r.Status, r.Raw)
			}
		}
		u := e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK).Body
		eq(t, "work email", u, "w@example.com", "emails", 0, "value")
	})
}

// Entra ID can put a value-filter path as a key of a no-path value.
func TestPatchNoPathValueFilterKey(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		id := e.createUser(t, "vf@example.com", map[string]any{
			"emails": []any{map[string]any{"value": "old@example.com", "type": "work"}},
		})
		e.do("PATCH", "/Users/"+id, patch(op("Replace", "", map[string]any{
			`emails[type eq "work"].value`: "new@example.com",
			"displayName":                  "VF",
		}))).want(t, http.StatusOK)
		u := e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK).Body
		emails, _ := u["emails"].([]any)
		if len(emails) != 1 || emails[0].(map[string]any)["value"] != "new@example.com" || u["displayName"] != "VF" {
			t.Errorf("after PATCH: emails=%v displayName=%v", u["emails"], u["displayName"])
		}
	})
}
