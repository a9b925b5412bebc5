package conformance

func init() {
	m := true
	ff := []Feature{FeatFilter}
	register("search",
		Check{ID: "search-users-post", Title: "POST /Users/.search with a filter answers 200 ListResponse with the matches", Section: "RFC 7644 §3.4.3", Profiles: rfc, Mutates: m, Requires: ff, run: searchUsers},
		Check{ID: "search-same-as-get", Title: "POST /Users/.search and GET /Users agree for the same filter", Section: "RFC 7644 §3.4.3", Profiles: rfc, Mutates: m, Requires: ff, run: searchSameAsGet},
		Check{ID: "search-paging", Title: ".search honours startIndex and count in the body", Section: "RFC 7644 §3.4.3, §3.4.2.4", Profiles: rfc, Mutates: m, Requires: ff, run: searchPaging},
		Check{ID: "search-sort", Title: ".search honours sortBy and sortOrder in the body", Section: "RFC 7644 §3.4.3, §3.4.2.3", Profiles: rfc, Mutates: m, Requires: []Feature{FeatFilter, FeatSort}, run: searchSort},
		Check{ID: "search-attributes", Title: ".search honours attributes in the body", Section: "RFC 7644 §3.4.3, §3.9", Profiles: rfc, Mutates: m, Requires: ff, run: searchAttributes},
		Check{ID: "search-groups-post", Title: "POST /Groups/.search finds a Group", Section: "RFC 7644 §3.4.3", Profiles: rfc, Mutates: m, Requires: ff, run: searchGroups},
		Check{ID: "search-root", Title: "POST /.search at the root finds a User (501 if root search is unsupported)", Section: "RFC 7644 §3.4.3", Profiles: rfc, Mutates: m, Requires: ff, run: searchRoot},
		Check{ID: "search-no-match", Title: "POST /Users/.search matching nothing answers totalResults 0", Section: "RFC 7644 §3.4.3", Profiles: rfc, Requires: ff, run: searchNoMatch},
	)
}

func (c *tc) search(path string, body map[string]any) *listResult {
	body["schemas"] = []any{msgSearch}
	return c.parseList(c.do("POST", path, body))
}

func searchUsers(c *tc) {
	f := c.fixture()
	l := c.search("/Users/.search", map[string]any{"filter": "userName sw " + quote(f.prefix) + " and active eq true"})
	c.expect(containsString(arr(l.r.obj, "schemas"), msgList), l.r, "schemas must contain %s", msgList)
	c.sameIDs(l, ".search", idOf(f.a), idOf(f.cc))
}

func searchSameAsGet(c *tc) {
	f := c.fixture()
	expr := "userName sw " + quote(f.prefix) + ` and emails[type eq "work"]`
	g := c.filter("Users", expr)
	p := c.search("/Users/.search", map[string]any{"filter": expr})
	c.expect(g.total == p.total && g.total == 2, p.r, "GET found %d, POST .search found %d, want 2", g.total, p.total)
	c.expect(len(ids(g.items)) == len(ids(p.items)), p.r, "different Resources")
	for k := range ids(g.items) {
		c.expect(ids(p.items)[k] == 1, p.r, "resource %s missing from .search", k)
	}
}

func searchPaging(c *tc) {
	f := c.fixture()
	l := c.search("/Users/.search", map[string]any{"filter": "userName sw " + quote(f.prefix), "startIndex": 2, "count": 1})
	c.expect(l.total == 3 && len(l.items) == 1, l.r, "want 1 of totalResults 3, got %d of %d", len(l.items), l.total)
	si, _ := num(l.r.obj, "startIndex")
	c.expect(si == 2, l.r, "startIndex: want 2, got %s", compact(get(l.r.obj, "startIndex")))
}

func searchSort(c *tc) {
	f := c.fixture()
	l := c.search("/Users/.search", map[string]any{"filter": "userName sw " + quote(f.prefix), "sortBy": "userName", "sortOrder": "descending"})
	c.order(l, f.cc, f.b, f.a)
}

func searchAttributes(c *tc) {
	f := c.fixture()
	l := c.search("/Users/.search", map[string]any{"filter": "userName eq " + quote(f.prefix+"alice"), "attributes": []any{"userName"}})
	c.must(len(l.items) == 1, l.r, "want 1 Resource, got %d", len(l.items))
	it := l.items[0]
	c.expect(str(it, "userName") != "" && idOf(it) != "", l.r, "userName and id must be returned")
	c.expect(!has(it, "name") && !has(it, "emails") && !has(it, "title"), l.r, "attributes=[userName] still returned other attributes: %s", compact(it))
}

func searchGroups(c *tc) {
	g := c.mkGroup("gsearch")
	l := c.search("/Groups/.search", map[string]any{"filter": "displayName eq " + quote(str(g, "displayName"))})
	c.sameIDs(l, "Groups .search", idOf(g))
}

func searchRoot(c *tc) {
	u := c.mkUser("root")
	r := c.do("POST", "/.search", map[string]any{"schemas": []any{msgSearch}, "filter": "id eq " + quote(idOf(u))})
	if r.Status == 501 {
		c.errorBody(r)
		c.skipf("server answers 501: root search unsupported")
	}
	l := c.parseList(r)
	c.sameIDs(l, "root .search", idOf(u))
}

func searchNoMatch(c *tc) {
	l := c.search("/Users/.search", map[string]any{"filter": `userName eq "scimconf-no-such-user-55aa"`})
	c.expect(l.total == 0 && len(l.items) == 0, l.r, "want no results, got %d", l.total)
}
