package scim_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim"
)

// TestFilterSemantics: co/sw/ew match their operand literally (LIKE
// metacharacters are not wildcards), and case-insensitive attributes
// compare without regard to case beyond ASCII (RFC 7644 §3.4.2.2), the
// same on every backend.
func TestFilterSemantics(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		for _, n := range []string{"a_b", "axb", "100%", `back\slash`, "Änne@x", "ǅemal", "İstanbul"} {
			e.createUser(t, n, map[string]any{"title": n})
		}
		for filter, want := range map[string][]string{
			`userName co "_"`:          {"a_b"},
			`title co "_"`:             {"a_b"},
			`userName co "%"`:          {"100%"},
			`userName sw "a_"`:         {"a_b"},
			`userName ew "%"`:          {"100%"},
			`userName co "\\"`:         {`back\slash`},
			`userName eq "ÄNNE@X"`:     {"Änne@x"},
			`title eq "änne@x"`:        {"Änne@x"},
			`userName co "NNE"`:        {"Änne@x"},
			`userName eq "ǆemal"`:      {"ǅemal"},
			`userName sw "A"`:          {"a_b", "axb"},
			`not (userName co "a")`:    {"100%", "Änne@x"},
			`userName pr and title pr`: {"100%", "a_b", "axb", `back\slash`, "Änne@x", "ǅemal", "İstanbul"},
		} {
			var got []string
			for _, u := range e.do("GET", "/Users"+q("filter", filter, "attributes", "userName"), nil).resources(t) {
				got = append(got, u["userName"].(string))
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("filter %s: %q, want %q", filter, got, want)
			}
		}
		// Uniqueness folds case the same way (RFC 7643 §4.1.1: userName is caseExact false).
		for _, n := range []string{"änne@x", "ǆemal", "A_B"} {
			e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": n}).wantError(t, 409, "uniqueness")
		}
	})
}

// TestHugeFilters: filters and PATCH paths too deeply nested or too long
// are refused before parsing. (filter-parser recurses once per level: a
// filter of 100,000 nested parentheses, 200 kB in one GET or .search,
// overflowed the stack and killed the whole server process.)
func TestHugeFilters(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		e.createUser(t, "deep@example.com", nil)
		nest := func(n int, inner string) string {
			return strings.Repeat("(", n) + inner + strings.Repeat(")", n)
		}
		search := func(f string) map[string]any {
			return map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": f}
		}
		deep := nest(100000, "userName pr")
		e.do("GET", "/Users?filter="+url.QueryEscape(deep), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
		e.do("POST", "/Users/.search", search(deep)).wantError(t, http.StatusBadRequest, "invalidFilter")
		e.do("POST", "/.search", search(deep)).wantError(t, http.StatusBadRequest, "invalidFilter")
		// A PATCH is checked before the user is even looked up (so that no
		// parsing happens while a write lock is held): bounded, then refused.
		e.do("PATCH", "/Users/x", patch(op("remove", "emails["+nest(100000, `type eq "work"`)+"]", nil))).
			wantError(t, http.StatusBadRequest, "invalidPath")
		id := e.createUser(t, "target@example.com", nil)
		e.do("PATCH", "/Users/"+id, patch(op("remove", "emails["+nest(100000, `type eq "work"`)+"]", nil))).
			wantError(t, http.StatusBadRequest, "invalidPath")

		// Reasonable nesting and length still work; parentheses in a string do not count.
		if n := e.do("GET", "/Users?filter="+url.QueryEscape(nest(60, "userName pr")), nil).total(t); n != 2 {
			t.Errorf("60 levels of parentheses: %d users, want 2", n)
		}
		long := strings.Repeat(`id eq "2819c223-7f76-453a-919d-413861904646" or `, 150) + `userName eq "deep@example.com"`
		if n := e.do("POST", "/Users/.search", search(long)).total(t); n != 1 {
			t.Errorf("a %d-byte filter of 151 terms: %d users, want 1", len(long), n)
		}
		if n := e.do("GET", "/Users"+q("filter", `userName eq "`+strings.Repeat("(", 500)+`"`), nil).total(t); n != 0 {
			t.Errorf("parentheses inside a string: %d users, want 0", n)
		}
		e.do("GET", "/Users?filter="+url.QueryEscape(strings.Repeat(`title pr or `, 1000)+"title pr"), nil).
			wantError(t, http.StatusBadRequest, "invalidFilter")
		e.do("GET", "/Users", nil).want(t, http.StatusOK)
	})
}

// RFC 7644 §3.5.2.2's example path has no space between eq and the value.
func TestOperatorWithoutSpaceBeforeValue(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		uid := e.createUser(t, "nospace@example.com", nil)
		other := e.createUser(t, "keep@example.com", nil)
		gid := e.createGroup(t, "nospace", uid, other)
		e.do("PATCH", "/Groups/"+gid, patch(op("remove", `members[value eq"`+uid+`"]`, nil))).want(t, http.StatusOK, http.StatusNoContent)
		g := e.do("GET", "/Groups/"+gid, nil).want(t, http.StatusOK).Body
		members, _ := g["members"].([]any)
		if len(members) != 1 || members[0].(map[string]any)["value"] != other {
			t.Errorf("members after remove = %v, want only %s", g["members"], other)
		}
		if n := e.do("GET", "/Users"+q("filter", `userName eq"NOSPACE@example.com"`), nil).total(t); n != 1 {
			t.Errorf(`userName eq"..." found %d users, want 1`, n)
		}
	})
}
