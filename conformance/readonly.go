package conformance

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Checks on data that already exists at the endpoint. They change nothing, so
// they also run with --read-only (e.g. against a production tenant). Resources
// the suite itself creates ("scimconf-...") are ignored.

func init() {
	ff := []Feature{FeatFilter}
	register("existing-data",
		Check{ID: "ro-user-get-by-id", Title: "an existing User listed by GET /Users is served by GET /Users/{id}", Section: "RFC 7644 §3.4.1", Profiles: rfc, Requires: ff, run: roUserGet},
		Check{ID: "ro-user-filter-username", Title: "filter userName eq finds exactly an existing User, also upper-cased", Section: "RFC 7644 §3.4.2.2, RFC 7643 §4.1.1", Profiles: rfc, Requires: ff, run: roUserFilter},
		Check{ID: "ro-user-filter-id", Title: "filter id eq finds exactly an existing User", Section: "RFC 7644 §3.4.2.2", Profiles: rfc, Requires: ff, run: roUserFilterID},
		Check{ID: "ro-user-no-password", Title: "no existing User in a page of results carries a password", Section: "RFC 7643 §4.1.1", Profiles: rfc, Requires: ff, run: roNoPassword},
		Check{ID: "ro-user-projection", Title: "attributes=userName on an existing User returns no other default attributes", Section: "RFC 7644 §3.9", Profiles: rfc, Requires: ff, run: roProjection},
		Check{ID: "ro-user-meta", Title: "existing Users carry meta.resourceType User and a meta.location ending in their id", Section: "RFC 7643 §3.1", Profiles: rfc, Requires: ff, run: roUserMeta},
		Check{ID: "ro-group-get-by-id", Title: "an existing Group is served by GET /Groups/{id}", Section: "RFC 7644 §3.4.1", Profiles: rfc, Requires: ff, run: roGroupGet},
		Check{ID: "ro-group-excluded-members", Title: "GET /Groups?excludedAttributes=members returns existing Groups without members", Section: "RFC 7644 §3.9", Profiles: rfc, Requires: ff, run: roGroupExcluded},
		Check{ID: "ro-paging-walk", Title: "walking existing Users page by page sees each exactly once and totalResults of them", Section: "RFC 7644 §3.4.2.4", Profiles: rfc, Requires: ff, run: roPagingWalk},
		Check{ID: "ro-sort-username", Title: "existing Users sorted by userName come back in order", Section: "RFC 7644 §3.4.2.3", Profiles: rfc, Requires: []Feature{FeatFilter, FeatSort}, run: roSort},
		Check{ID: "ro-etag-304", Title: "If-None-Match with an existing User's current version answers 304", Section: "RFC 7644 §3.14", Profiles: rfc, Requires: []Feature{FeatFilter, FeatETag}, run: roETag},
	)
}

// notOurs excludes the suite's own resources from queries.
func notOurs(attr string) string { return "not (" + attr + " sw \"scimconf-\")" }

// existing returns up to n existing resources not created by the suite, or
// skips the check when there are none.
func (c *tc) existing(typ, attr string, n int, extra ...string) (*listResult, []map[string]any) {
	l := c.filter(typ, notOurs(attr), append([]string{"count", strconv.Itoa(n)}, extra...)...)
	if len(l.items) == 0 {
		c.expect(l.total >= 0, l.r, "")
		c.skipf("no existing %s to read (read-only checks need data already at the endpoint)", typ)
	}
	return l, l.items
}

func roUserGet(c *tc) {
	_, us := c.existing("Users", "userName", 1)
	g, r := c.get("Users", idOf(us[0]))
	c.eq(r, str(g, "userName"), str(us[0], "userName"), "userName")
}

func roUserFilter(c *tc) {
	_, us := c.existing("Users", "userName", 1)
	n := str(us[0], "userName")
	c.sameIDs(c.filter("Users", "userName eq "+quote(n)), "userName eq", idOf(us[0]))
	c.sameIDs(c.filter("Users", "userName eq "+quote(strings.ToUpper(n))), "userName eq (upper-cased)", idOf(us[0]))
}

func roUserFilterID(c *tc) {
	_, us := c.existing("Users", "userName", 1)
	c.sameIDs(c.filter("Users", "id eq "+quote(idOf(us[0]))), "id eq", idOf(us[0]))
}

func roNoPassword(c *tc) {
	l, us := c.existing("Users", "userName", 50)
	for _, u := range us {
		c.expect(!has(u, "password"), l.r, "User %s carries a password", idOf(u))
	}
}

func roProjection(c *tc) {
	_, us := c.existing("Users", "userName", 1)
	g, r := c.get("Users", idOf(us[0]), "attributes", "userName")
	c.eq(r, idOf(g), idOf(us[0]), "id")
	for _, k := range []string{"name", "emails", "active", "displayName", "phoneNumbers", "addresses"} {
		c.expect(!has(g, k), r, "attributes=userName still returned %s", k)
	}
}

func roUserMeta(c *tc) {
	l, us := c.existing("Users", "userName", 20)
	for _, u := range us {
		c.expect(str(u, "meta", "resourceType") == "User", l.r, "User %s: meta.resourceType %q", idOf(u), str(u, "meta", "resourceType"))
		c.expect(strings.HasSuffix(str(u, "meta", "location"), "/Users/"+idOf(u)), l.r, "User %s: meta.location %q", idOf(u), str(u, "meta", "location"))
	}
}

func roGroupGet(c *tc) {
	_, gs := c.existing("Groups", "displayName", 1)
	g, r := c.get("Groups", idOf(gs[0]))
	c.eq(r, str(g, "displayName"), str(gs[0], "displayName"), "displayName")
}

func roGroupExcluded(c *tc) {
	l, gs := c.existing("Groups", "displayName", 20, "excludedAttributes", "members")
	for _, g := range gs {
		c.expect(len(arr(g, "members")) == 0, l.r, "Group %s returned members though excluded", idOf(g))
	}
}

func roPagingWalk(c *tc) {
	first, _ := c.existing("Users", "userName", 1)
	total := first.total
	if total > 1000 {
		c.skipf("%d existing users: too many to walk", total)
	}
	size := total/4 + 1
	seen := map[string]int{}
	var last *listResult
	for start := 1; start <= total; start += size {
		last = c.filter("Users", notOurs("userName"), "startIndex", strconv.Itoa(start), "count", strconv.Itoa(size))
		c.must(len(last.items) <= size, last.r, "page holds %d Resources, more than count=%d", len(last.items), size)
		for _, u := range last.items {
			seen[idOf(u)]++
		}
	}
	dups := 0
	for _, n := range seen {
		if n > 1 {
			dups++
		}
	}
	c.expect(dups == 0 && len(seen) == total, last.r, "walking %d users in pages of %d saw %d distinct ids, %d of them more than once", total, size, len(seen), dups)
}

func roSort(c *tc) {
	l, us := c.existing("Users", "userName", 50, "sortBy", "userName", "sortOrder", "ascending")
	var names []string
	for _, u := range us {
		names = append(names, strings.ToLower(str(u, "userName")))
	}
	c.expect(sort.StringsAreSorted(names), l.r, "userNames not in ascending order: %v", names)
}

func roETag(c *tc) {
	_, us := c.existing("Users", "userName", 1)
	_, r := c.get("Users", idOf(us[0]))
	v := r.Header.Get("ETag")
	c.must(v != "", r, "no ETag header though the SPC claims etag support")
	c.status(c.do("GET", "/Users/"+url.PathEscape(idOf(us[0])), nil, hdr("If-None-Match", v)), 304)
}
