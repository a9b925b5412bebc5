package scim_test

// Regression tests of issue 11 ("core hardening"): RFC details and hostile
// input that independent checks found. Each fails without its fix.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
)

// TestContentTypeHasNoParameters: RFC 7644 §8.1 registers
// application/scim+json with no parameters; every answer carries exactly
// that, and a request with a charset is still accepted.
func TestContentTypeHasNoParameters(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		withCharset := header("Content-Type", "application/scim+json; charset=utf-8")
		id := e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "ct@example.com"}, withCharset).
			want(t, http.StatusCreated).id(t)
		for _, r := range []*response{
			e.do("GET", "/Users/"+id, nil),
			e.do("GET", "/Users", nil),
			e.do("GET", "/ServiceProviderConfig", nil),
			e.do("GET", "/Schemas", nil),
			e.do("GET", "/Users/nope", nil),
			e.do("GET", "/Users"+q("filter", "bad filter"), nil),
			e.do("PATCH", "/Users/"+id, patch(op("replace", "title", "x")), withCharset),
		} {
			if ct := r.Header.Get("Content-Type"); ct != "application/scim+json" {
				t.Errorf("%s: Content-Type %q, want exactly application/scim+json", r.what, ct)
			}
		}
	})
}

// TestRepeatedValuesKeptOnce: identical values of a multi-valued attribute
// are kept once (RFC 7643 §2.4), compared as the sub-attribute's caseExact
// says: emails are not case-exact, photo URLs are.
func TestRepeatedValuesKeptOnce(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		id := e.createUser(t, "twice@example.com", map[string]any{
			"emails": []any{
				map[string]any{"value": "Twice@Example.com", "type": "work"},
				map[string]any{"value": "twice@example.com", "type": "Work", "primary": true},
				map[string]any{"value": "twice@example.com", "type": "home"},
			},
			"photos": []any{
				map[string]any{"value": "https://example.com/A.jpg", "type": "photo"},
				map[string]any{"value": "https://example.com/a.jpg", "type": "photo"},
			},
			"addresses": []any{
				map[string]any{"locality": "Oslo", "type": "work"},
				map[string]any{"locality": "OSLO", "type": "work"},
			},
		})
		u := e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK).Body
		eq(t, "emails", u, 2, "emails", "#")
		eq(t, "first email", u, "Twice@Example.com", "emails", 0, "value")
		eq(t, "first email primary (from its repeat)", u, true, "emails", 0, "primary")
		eq(t, "photos (case-exact)", u, 2, "photos", "#")
		eq(t, "addresses", u, 1, "addresses", "#")

		// PATCH add of a value already there adds nothing.
		u = e.do("PATCH", "/Users/"+id, patch(op("add", "emails", []any{map[string]any{"value": "TWICE@example.com", "type": "work"}}))).
			want(t, http.StatusOK).Body
		eq(t, "emails after add", u, 2, "emails", "#")
	})
}

// TestNULInFilterValues: a NUL in a filter's string value (as \u0000) is
// 400 invalidFilter on every backend, wherever the filter stands. It used
// to be a 500 on PostgreSQL, which refuses NUL in text.
func TestNULInFilterValues(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		uid := e.createUser(t, "nul@example.com", nil)
		gid := e.createGroup(t, "nul-group", uid)
		for _, f := range []string{
			`userName eq "a\u0000b"`,
			`externalId eq "\u0000"`,
			`title co "x\u0000"`,
			`emails[value eq "a\u0000"]`,
			`userName eq "ok" or displayName sw "\u0000"`,
			`not (nickName ew "\u0000")`,
		} {
			e.do("GET", "/Users"+q("filter", f), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
			e.do("POST", "/Users/.search", map[string]any{
				"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": f,
			}).wantError(t, http.StatusBadRequest, "invalidFilter")
		}
		e.do("GET", "/Groups"+q("filter", `displayName eq "\u0000"`), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
		e.do("PATCH", "/Groups/"+gid, patch(op("remove", `members[value eq "x\u0000"]`, nil))).
			wantError(t, http.StatusBadRequest, "invalidPath")
		e.do("PATCH", "/Users/"+uid, patch(op("remove", `emails[value eq "\u0000"]`, nil))).
			wantError(t, http.StatusBadRequest, "invalidPath")
	})
}

// TestFilterTypeMismatch: a number or boolean compared with a string
// attribute is 400 invalidFilter; userName gt 5 used to match every user.
func TestFilterTypeMismatch(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		e.createUser(t, "alpha", nil)
		for _, f := range []string{`userName gt 5`, `userName eq 5`, `title co true`, `emails[value eq 1]`, `externalId eq 12.5`} {
			e.do("GET", "/Users"+q("filter", f), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
		}
	})
}

// TestIndexedStringLimits: strings the database indexes are limited to
// store.MaxIndexedText characters, alike on both stores: longer ones are
// 400 invalidValue naming the attribute and the limit (on PostgreSQL they
// were a 500: a btree entry holds about 2,700 bytes).
func TestIndexedStringLimits(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		long := strings.Repeat("x", 3000)
		limit := fmt.Sprint(store.MaxIndexedText)
		tooLong := func(r *response, attr string) {
			t.Helper()
			r.wantError(t, http.StatusBadRequest, "invalidValue")
			if d := r.Body["detail"].(string); !strings.Contains(d, attr) || !strings.Contains(d, limit) {
				t.Errorf("%s: detail %q does not name %s and the limit %s", r.what, d, attr, limit)
			}
		}
		user := func(extra map[string]any) map[string]any {
			body := map[string]any{"schemas": []any{userSchema}, "userName": "limits@example.com"}
			for k, v := range extra {
				body[k] = v
			}
			return body
		}
		tooLong(e.do("POST", "/Users", user(map[string]any{"userName": long})), "userName")
		tooLong(e.do("POST", "/Users", user(map[string]any{"externalId": long})), "externalId")
		tooLong(e.do("POST", "/Users", user(map[string]any{"emails": []any{map[string]any{"value": long + "@example.com"}}})), "emails")
		tooLong(e.do("POST", "/Groups", map[string]any{"schemas": []any{groupSchema}, "displayName": long}), "displayName")
		tooLong(e.do("POST", "/Groups", map[string]any{"schemas": []any{groupSchema}, "displayName": "g", "externalId": long}), "externalId")

		// At the limit, in four-byte characters (2,048 bytes), it is stored.
		max := strings.Repeat("😀", store.MaxIndexedText)
		id := e.createUser(t, max, map[string]any{"externalId": max, "emails": []any{map[string]any{"value": max}}})
		if res := e.do("GET", "/Users"+q("filter", `emails.value eq "`+max+`"`), nil).resources(t); len(res) != 1 || res[0]["id"] != id {
			t.Errorf("the user with %d-character values is not found by email", store.MaxIndexedText)
		}
		// PUT and PATCH are held to the same limits.
		tooLong(e.do("PUT", "/Users/"+id, user(map[string]any{"userName": long})), "userName")
		tooLong(e.do("PATCH", "/Users/"+id, patch(op("replace", "externalId", long))), "externalId")
		gid := e.createGroup(t, "short")
		tooLong(e.do("PATCH", "/Groups/"+gid, patch(op("replace", "displayName", long))), "displayName")
		// Certificates are not indexed and may be longer.
		e.do("PATCH", "/Users/"+id, patch(op("add", "x509Certificates", []any{map[string]any{"value": strings.Repeat("A", 4000)}}))).
			want(t, http.StatusOK)
	})
}

// TestMultiValuedCap: one multi-valued attribute holds at most MaxValues
// values (400 naming the cap); 5,000 emails in one POST were a 500 on
// SQLite (too many SQL variables).
func TestMultiValuedCap(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		emails := func(n int) []any {
			list := make([]any, n)
			for i := range list {
				list[i] = map[string]any{"value": fmt.Sprintf("e%d@example.com", i)}
			}
			return list
		}
		r := e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "many", "emails": emails(5000)}).
			wantError(t, http.StatusBadRequest, "invalidValue")
		if d := r.Body["detail"].(string); !strings.Contains(d, fmt.Sprint(store.DefaultMaxValues)) || !strings.Contains(d, "emails") {
			t.Errorf("detail %q does not name emails and the cap", d)
		}
		id := e.createUser(t, "many", map[string]any{"emails": emails(store.DefaultMaxValues)})
		u := e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK).Body
		eq(t, "emails at the cap", u, store.DefaultMaxValues, "emails", "#")
		e.do("PATCH", "/Users/"+id, patch(op("add", "emails", []any{map[string]any{"value": "one-more@example.com"}}))).
			wantError(t, http.StatusBadRequest, "invalidValue")
	})
}

// TestPatchOperationCap: a PATCH carries at most MaxOperations operations,
// said in the error.
func TestPatchOperationCap(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{MaxOperations: 50}, func(t *testing.T, e *env) {
		id := e.createUser(t, "ops@example.com", nil)
		ops := func(n int) map[string]any {
			list := make([]map[string]any, n)
			for i := range list {
				list[i] = op("replace", "title", fmt.Sprint("t", i))
			}
			return patch(list...)
		}
		r := e.do("PATCH", "/Users/"+id, ops(51)).wantError(t, http.StatusBadRequest, "invalidValue")
		if d := r.Body["detail"].(string); !strings.Contains(d, "50") {
			t.Errorf("detail %q does not say the cap", d)
		}
		eq(t, "50 operations", e.do("PATCH", "/Users/"+id, ops(50)).want(t, http.StatusOK).Body, "t49", "title")
	})
}

// TestManagerMustBeTenantUser: the enterprise manager must be a user of
// the same tenant: another tenant's user, or an id that exists nowhere, is
// 400 invalidValue, on POST, PUT and PATCH.
func TestManagerMustBeTenantUser(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		other := e.newTenantToken("other-tenant")
		foreign := e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "boss"}, bearer(other)).
			want(t, http.StatusCreated).id(t)
		own := e.createUser(t, "own-boss", nil)
		for _, mgr := range []string{foreign, "00000000-0000-0000-0000-000000000000"} {
			ext := map[string]any{enterpriseSchema: map[string]any{"manager": map[string]any{"value": mgr}}}
			body := map[string]any{"schemas": []any{userSchema, enterpriseSchema}, "userName": "report"}
			for k, v := range ext {
				body[k] = v
			}
			e.do("POST", "/Users", body).wantError(t, http.StatusBadRequest, "invalidValue")
			id := e.createUser(t, "report-"+mgr[:4], nil)
			body["userName"] = "report-" + mgr[:4]
			e.do("PUT", "/Users/"+id, body).wantError(t, http.StatusBadRequest, "invalidValue")
			e.do("PATCH", "/Users/"+id, patch(op("add", enterpriseSchema+":manager", mgr))).wantError(t, http.StatusBadRequest, "invalidValue")
		}
		id := e.createUser(t, "report-ok", nil)
		u := e.do("PATCH", "/Users/"+id, patch(op("add", enterpriseSchema+":manager", own))).want(t, http.StatusOK).Body
		eq(t, "own manager", u, own, enterpriseSchema, "manager", "value")
	})
}

// TestKeysDifferingInCase: one body naming an attribute twice, by keys
// that differ in case or by a URN-qualified, dotted or nested spelling,
// is 400 invalidSyntax naming it: it used to be stored in whichever order
// the map gave.
func TestKeysDifferingInCase(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		base := `{"schemas":["` + userSchema + `"],`
		for _, body := range []string{
			base + `"userName":"a","UserName":"b"}`,
			base + `"userName":"a","active":true,"ACTIVE":false}`,
			base + `"userName":"a","name":{"givenName":"x","GIVENNAME":"y"}}`,
			base + `"userName":"a","` + userSchema + `:userName":"b"}`,
			base + `"userName":"a","name.givenName":"x","name":{"givenName":"y"}}`,
			base + `"userName":"a","` + enterpriseSchema + `":{"department":"x"},"` + enterpriseSchema + `:department":"y"}`,
		} {
			for i := 0; i < 3; i++ {
				r := e.do("POST", "/Users", body).wantError(t, http.StatusBadRequest, "invalidSyntax")
				if d := r.Body["detail"].(string); !strings.Contains(strings.ToLower(d), "username") &&
					!strings.Contains(strings.ToLower(d), "active") && !strings.Contains(d, "givenName") && !strings.Contains(d, "department") {
					t.Errorf("detail %q does not name the attribute", d)
				}
			}
		}
		// Different parts of name, dotted and nested, are fine.
		e.do("POST", "/Users", base+`"userName":"a","name.givenName":"x","name":{"familyName":"y"}}`).want(t, http.StatusCreated)
		id := e.createUser(t, "patched", nil)
		e.do("PATCH", "/Users/"+id, `{"schemas":["`+patchOpSchema+`"],"Operations":[{"op":"replace","value":{"title":"a","TITLE":"b"}}]}`).
			wantError(t, http.StatusBadRequest, "invalidSyntax")
		e.do("PATCH", "/Users/"+id, `{"schemas":["`+patchOpSchema+`"],"Operations":[{"op":"replace","OP":"add","path":"title","value":"a"}]}`).
			wantError(t, http.StatusBadRequest, "invalidSyntax")
	})
}

// TestCursorBoundToTenant: a paging cursor works only for the tenant that
// received it: replayed by another tenant it is 400 invalidCursor, and
// that tenant learns nothing (not even the other's totalResults).
func TestCursorBoundToTenant(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		for i := 0; i < 3; i++ {
			e.createUser(t, fmt.Sprint("paged", i), nil)
		}
		r := e.do("GET", "/Users?cursor=&count=1", nil).want(t, http.StatusOK)
		next, _ := r.Body["nextCursor"].(string)
		if next == "" {
			t.Fatalf("no nextCursor:\n%s", r.Raw)
		}
		e.do("GET", "/Users?count=1&cursor="+next, nil).want(t, http.StatusOK)
		other := e.newTenantToken("replayer")
		e.do("GET", "/Users?count=1&cursor="+next, nil, bearer(other)).wantError(t, http.StatusBadRequest, "invalidCursor")
	})
}

// TestUncleanPathsAreSCIMErrors: a path with ".." or "//" under the SCIM
// base is a SCIM 404, not net/http's plain 307 redirect.
func TestUncleanPathsAreSCIMErrors(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		client := *e.srv.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		for _, p := range []string{"/Users/../Groups", "/Users/./x", "//Users", "/Users//x"} {
			req, _ := http.NewRequest("GET", e.srv.URL+scim.BasePath+p, nil)
			req.URL.Opaque = "//" + req.URL.Host + scim.BasePath + p // keep the path as written
			req.Header.Set("Authorization", "Bearer "+e.token)
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/scim+json" {
				t.Errorf("GET %s: %d %q, want a SCIM 404", p, res.StatusCode, res.Header.Get("Content-Type"))
			}
		}
	})
}
