package conformance

import (
	"strconv"
)

func init() {
	m := true
	cf := []Feature{FeatCursor, FeatFilter}
	register("cursor",
		Check{ID: "cursor-first-page", Title: "cursor= (empty) returns the first page with nextCursor when more results exist", Section: "RFC 9865 §2.1, §2.2", Profiles: rfc, Mutates: m, Requires: cf, run: cursorFirst},
		Check{ID: "cursor-walk-all", Title: "following nextCursor until absent sees every Resource exactly once", Section: "RFC 9865 §2", Profiles: rfc, Mutates: m, Requires: cf, run: cursorWalk},
		Check{ID: "cursor-last-page", Title: "a page holding the last result has no nextCursor", Section: "RFC 9865 §2.2", Profiles: rfc, Mutates: m, Requires: cf, run: cursorLast},
		Check{ID: "cursor-count-honoured", Title: "every cursor page holds at most count Resources", Section: "RFC 9865 §2.1", Profiles: rfc, Mutates: m, Requires: cf, run: cursorCount},
		Check{ID: "cursor-search-post", Title: "POST /Users/.search pages with cursor and nextCursor", Section: "RFC 9865 §2.4, RFC 7644 §3.4.3", Profiles: rfc, Mutates: m, Requires: cf, run: cursorSearch},
		Check{ID: "cursor-total-results", Title: "totalResults, when present on a cursor page, is the accurate total (SHOULD)", Section: "RFC 9865 §2", Profiles: rfc, Mutates: m, Requires: cf, run: cursorTotal},
		Check{ID: "cursor-invalid-400", Title: "a garbage cursor answers 400 invalidCursor", Section: "RFC 9865 §2.3", Profiles: rfc, Requires: []Feature{FeatCursor}, run: cursorInvalid},
		Check{ID: "cursor-max-page-size", Title: "count above pagination.maxPageSize is capped (or rejected with 400 invalidCount)", Section: "RFC 9865 §2.1, §4", Profiles: rfc, Requires: []Feature{FeatCursor}, run: cursorMaxPage},
	)
}

func nextCursor(l *listResult) string { return str(l.r.obj, "nextCursor") }

// cursorPage GETs one cursor page of the fixture; totalResults may be
// omitted (RFC 9865 §2).
func (c *tc) cursorPage(f *fixture, cursor string, count int) *listResult {
	path := "/Users" + q("filter", "userName sw "+quote(f.prefix)+" and (active pr)", "cursor", cursor, "count", strconv.Itoa(count))
	return c.parseListTotal(c.do("GET", path, nil), false)
}

func cursorFirst(c *tc) {
	f := c.fixture()
	l := c.cursorPage(f, "", 1)
	c.expect(len(l.items) == 1, l.r, "want 1 Resource, got %d", len(l.items))
	c.expect(nextCursor(l) != "", l.r, "first page of 3 results with count=1 has no nextCursor")
}

func (c *tc) walkCursor(f *fixture, count int) (map[string]int, *listResult) {
	seen := map[string]int{}
	cur := ""
	var l *listResult
	for i := 0; i < 10; i++ {
		l = c.cursorPage(f, cur, count)
		c.expect(len(l.items) <= count, l.r, "page holds %d Resources, more than count=%d", len(l.items), count)
		for _, it := range l.items {
			seen[idOf(it)]++
		}
		cur = nextCursor(l)
		if cur == "" {
			return seen, l
		}
	}
	c.fatalf(l.r, "nextCursor still present after 10 pages of 3 results")
	return nil, nil
}

func (c *tc) seenOnce(seen map[string]int, l *listResult, f *fixture) {
	ok := len(seen) == 3
	for _, u := range []map[string]any{f.a, f.b, f.cc} {
		ok = ok && seen[idOf(u)] == 1
	}
	c.expect(ok, l.r, "cursor walk did not see each of the 3 users exactly once: %v", seen)
}

func cursorWalk(c *tc) {
	f := c.fixture()
	seen, l := c.walkCursor(f, 1)
	c.seenOnce(seen, l, f)
}

func cursorTotal(c *tc) {
	f := c.fixture()
	l := c.cursorPage(f, "", 1)
	if l.total == -1 {
		c.expect(true, l.r, "")
		c.skipf("totalResults omitted (allowed with cursor paging, RFC 9865 §2)")
	}
	c.expect(l.total == 3, l.r, "totalResults: want 3 (accurate, SHOULD), got %d", l.total)
}

func cursorLast(c *tc) {
	f := c.fixture()
	l := c.cursorPage(f, "", 10)
	c.expect(len(l.items) == 3, l.r, "want all 3 Resources, got %d", len(l.items))
	c.expect(!has(l.r.obj, "nextCursor") || nextCursor(l) == "", l.r, "the only page has nextCursor %q", nextCursor(l))
}

func cursorCount(c *tc) {
	f := c.fixture()
	seen, l := c.walkCursor(f, 2)
	c.seenOnce(seen, l, f)
}

func cursorSearch(c *tc) {
	f := c.fixture()
	seen := map[string]int{}
	cur := ""
	var l *listResult
	for i := 0; i < 10; i++ {
		body := map[string]any{"schemas": []any{msgSearch}, "filter": "userName sw " + quote(f.prefix), "cursor": cur, "count": 1}
		l = c.parseListTotal(c.do("POST", "/Users/.search", body), false)
		for _, it := range l.items {
			seen[idOf(it)]++
		}
		if cur = nextCursor(l); cur == "" {
			c.seenOnce(seen, l, f)
			return
		}
	}
	c.fatalf(l.r, "nextCursor still present after 10 pages")
}

func cursorInvalid(c *tc) {
	r := c.do("GET", "/Users"+q("cursor", "scimconf-not-a-cursor-!!", "count", "1"), nil)
	c.scimError(r, 400, "invalidCursor")
}

func cursorMaxPage(c *tc) {
	max, ok := num(c.spc(), "pagination", "maxPageSize")
	if !ok || max <= 0 {
		c.skipf("SPC advertises no pagination.maxPageSize")
	}
	r := c.do("GET", "/Users"+q("cursor", "", "count", strconv.Itoa(max+100)), nil)
	if r.Status == 400 {
		// RFC 9865 §2.3 defines invalidCount for a count above maxPageSize.
		c.errorBody(r, "invalidCount")
		return
	}
	l := c.parseListTotal(r, false)
	c.expect(len(l.items) <= max, l.r, "returned %d Resources, more than maxPageSize %d", len(l.items), max)
}
