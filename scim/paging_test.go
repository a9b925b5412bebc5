package scim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim"
)

// pagingFixture creates users whose titles have ties and gaps, with
// userNames of mixed case; it returns their ids by userName.
func pagingFixture(t *testing.T, e *env) map[string]string {
	titles := []string{"Engineer", "", "Analyst", "Engineer", "", "Engineer", "Director", "Analyst", "Engineer"}
	names := []string{"alice", "Bob", "carol", "Dave", "erin", "Frank", "grace", "Heidi", "ivan"}
	ids := map[string]string{}
	for i, n := range names {
		extra := map[string]any{"emails": []any{map[string]any{"value": fmt.Sprintf("%c%d@example.com", 'z'-i, i), "primary": true}}}
		if titles[i] != "" {
			extra["title"] = titles[i]
		}
		ids[n] = e.createUser(t, n, extra)
	}
	return ids
}

// walkCursor follows nextCursor from the first page of path (which must
// end in a query string) and returns the resources in order.
func walkCursor(t *testing.T, e *env, path string) []map[string]any {
	t.Helper()
	var all []map[string]any
	cursor, total := "", -1
	for page := 0; ; page++ {
		if page > 50 {
			t.Fatalf("%s: the cursor walk does not end", path)
		}
		r := e.do("GET", path+"&cursor="+url.QueryEscape(cursor), nil)
		res := r.resources(t)
		if total == -1 {
			total = r.total(t)
		} else if r.total(t) != total {
			t.Errorf("%s: totalResults changed from %d to %d between pages", path, total, r.total(t))
		}
		if _, ok := r.Body["startIndex"]; ok {
			t.Errorf("%s: a cursor page has startIndex (RFC 9865 §2.2)", path)
		}
		all = append(all, res...)
		next, _ := r.Body["nextCursor"].(string)
		if next == "" {
			break
		}
		if len(res) == 0 {
			t.Fatalf("%s: an empty page with a nextCursor", path)
		}
		cursor = next
	}
	if len(all) != total {
		t.Errorf("%s: the walk returned %d resources, totalResults is %d", path, len(all), total)
	}
	return all
}

func idsOf(res []map[string]any) []string {
	ids := make([]string, len(res))
	for i, r := range res {
		ids[i], _ = r["id"].(string)
	}
	return ids
}

// checkOnce fails unless got holds every id of want exactly once.
func checkOnce(t *testing.T, what string, got []string, want map[string]string) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for name, id := range want {
		if seen[id] != 1 {
			t.Errorf("%s: %s (%s) returned %d times", what, name, id, seen[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d resources, want %d", what, len(got), len(want))
	}
}

// checkSorted fails unless the values of attr are in order (nulls ignored),
// compared without regard to case.
func checkSorted(t *testing.T, what string, res []map[string]any, attr string, desc bool) {
	t.Helper()
	var vals []string
	for _, r := range res {
		if v, ok := at(r, strings.Split(attr, ".")[0]).(string); ok {
			vals = append(vals, strings.ToLower(v))
		}
	}
	sorted := slices.Clone(vals)
	slices.Sort(sorted)
	if desc {
		slices.Reverse(sorted)
	}
	if !slices.Equal(vals, sorted) {
		t.Errorf("%s: %s in order %v, want %v", what, attr, vals, sorted)
	}
}

// TestCursorPaging walks users with RFC 9865 cursors: every user exactly
// once, in sort order; tampered or foreign cursors are refused.
func TestCursorPaging(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		ids := pagingFixture(t, e)
		for _, c := range []struct {
			query, sortBy string
			desc          bool
		}{
			{"count=2", "", false},
			{"count=4", "", false},
			{"count=2&sortBy=userName", "userName", false},
			{"count=2&sortBy=title", "title", false},
			{"count=3&sortBy=title&sortOrder=descending", "title", true},
			{"count=2&sortBy=emails", "", false},
			{"count=1&sortBy=meta.lastModified&sortOrder=descending", "", false},
		} {
			res := walkCursor(t, e, "/Users?"+c.query)
			checkOnce(t, c.query, idsOf(res), ids)
			if c.sortBy != "" {
				checkSorted(t, c.query, res, c.sortBy, c.desc)
			}
		}
		// A filter narrows the walk.
		res := walkCursor(t, e, "/Users?count=2&sortBy=userName&filter="+url.QueryEscape(`title eq "engineer"`))
		checkOnce(t, "filtered walk", idsOf(res), map[string]string{"alice": ids["alice"], "Dave": ids["Dave"], "Frank": ids["Frank"], "ivan": ids["ivan"]})

		// A user deleted mid-walk does not disturb the rest.
		first := e.do("GET", "/Users?count=3&sortBy=userName&cursor=", nil)
		next, _ := first.Body["nextCursor"].(string)
		if next == "" {
			t.Fatalf("no nextCursor on a first page of 3 of 9:\n%s", first.Raw)
		}
		e.do("DELETE", "/Users/"+ids["erin"], nil).want(t, http.StatusNoContent)
		rest := e.do("GET", "/Users?count=100&sortBy=userName&cursor="+url.QueryEscape(next), nil).resources(t)
		seen := append(idsOf(first.resources(t)), idsOf(rest)...)
		delete(ids, "erin")
		checkOnce(t, "walk with a deletion", seen, ids)

		// Cursors are opaque and bound to their query.
		tampered := []byte(next)
		tampered[len(tampered)/3] ^= 1
		for _, path := range []string{
			"/Users?count=3&sortBy=userName&cursor=" + url.QueryEscape(string(tampered)),
			"/Users?count=3&sortBy=userName&cursor=not-a-cursor",
			"/Users?count=3&sortBy=title&cursor=" + url.QueryEscape(next),
			"/Users?count=3&sortBy=userName&filter=" + url.QueryEscape(`userName pr`) + "&cursor=" + url.QueryEscape(next),
			"/Groups?count=3&cursor=" + url.QueryEscape(next),
		} {
			e.do("GET", path, nil).wantError(t, http.StatusBadRequest, "invalidCursor")
		}
		e.do("GET", "/Users?count=0&cursor=", nil).wantError(t, http.StatusBadRequest, "invalidCount")
		e.do("GET", "/Users?startIndex=2&cursor=", nil).wantError(t, http.StatusBadRequest, "invalidValue")

		// The same walk through POST /Users/.search.
		body := map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "count": 3, "cursor": ""}
		var got []string
		for range 10 {
			r := e.do("POST", "/Users/.search", body)
			got = append(got, idsOf(r.resources(t))...)
			next, _ := r.Body["nextCursor"].(string)
			if next == "" {
				break
			}
			body["cursor"] = next
		}
		checkOnce(t, "POST .search walk", got, ids)
	})
}

// TestIndexPagingAndSort pages with startIndex/count (RFC 7644 §3.4.2.4):
// pages over ties are stable and cover every user once; sorting follows
// the attribute's case sensitivity (§3.4.2.3).
func TestIndexPagingAndSort(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		ids := pagingFixture(t, e)
		for _, query := range []string{"sortBy=title", "sortBy=title&sortOrder=descending", "sortBy=userName", "", "sortBy=emails&sortOrder=descending"} {
			var pages [2][]string
			for round := range pages {
				for start := 1; start <= 9; start += 2 {
					r := e.do("GET", fmt.Sprintf("/Users?%s&startIndex=%d&count=2", query, start), nil)
					res := r.resources(t)
					if r.total(t) != 9 || len(res) != min(2, 10-start) {
						t.Fatalf("%s startIndex=%d: totalResults %d, %d resources", query, start, r.total(t), len(res))
					}
					eq(t, query, r.Body, start, "startIndex")
					eq(t, query, r.Body, len(res), "itemsPerPage")
					pages[round] = append(pages[round], idsOf(res)...)
				}
			}
			checkOnce(t, "index pages "+query, pages[0], ids)
			if !slices.Equal(pages[0], pages[1]) {
				t.Errorf("%s: two walks gave different orders:\n%v\n%v", query, pages[0], pages[1])
			}
		}
		all := e.do("GET", "/Users?sortBy=userName", nil).resources(t)
		checkSorted(t, "sortBy=userName", all, "userName", false)
		all = e.do("GET", "/Users?sortBy=userName&sortOrder=descending", nil).resources(t)
		checkSorted(t, "sortBy=userName descending", all, "userName", true)
		all = e.do("GET", "/Users?sortBy=title", nil).resources(t)
		checkSorted(t, "sortBy=title", all, "title", false)

		// Past the end, and count=0: only the total.
		r := e.do("GET", "/Users?startIndex=50&count=10", nil)
		if r.total(t) != 9 || len(r.resources(t)) != 0 {
			t.Errorf("startIndex past the end: %s", r.Raw)
		}
		r = e.do("GET", "/Users?count=0", nil)
		if r.total(t) != 9 || len(r.resources(t)) != 0 {
			t.Errorf("count=0: %s", r.Raw)
		}
		e.do("GET", "/Users?sortBy=groups", nil).wantError(t, http.StatusBadRequest, "invalidValue")
	})
}
