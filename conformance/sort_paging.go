package conformance

import (
	"strconv"
	"strings"
)

func init() {
	m := true
	sf := []Feature{FeatFilter, FeatSort}
	ff := []Feature{FeatFilter}
	register("sort-paging",
		Check{ID: "sort-ascending", Title: "sortBy=userName&sortOrder=ascending orders A→Z", Section: "RFC 7644 §3.4.2.3", Profiles: rfc, Mutates: m, Requires: sf, run: sortAsc},
		Check{ID: "sort-descending", Title: "sortOrder=descending orders Z→A", Section: "RFC 7644 §3.4.2.3", Profiles: rfc, Mutates: m, Requires: sf, run: sortDesc},
		Check{ID: "sort-default-ascending", Title: "sortBy without sortOrder sorts ascending", Section: "RFC 7644 §3.4.2.3", Profiles: rfc, Mutates: m, Requires: sf, run: sortDefault},
		Check{ID: "sort-subattribute", Title: "sortBy=name.familyName sorts by a sub-attribute", Section: "RFC 7644 §3.4.2.3", Profiles: rfc, Mutates: m, Requires: sf, run: sortSubAttr},
		Check{ID: "sort-with-paging", Title: "sorting is applied before paging (startIndex=2&count=1)", Section: "RFC 7644 §3.4.2.3, §3.4.2.4", Profiles: rfc, Mutates: m, Requires: sf, run: sortPaging},
		Check{ID: "sort-stable-repeat", Title: "the same sorted query returns the same order twice", Section: "RFC 7644 §3.4.2.3", Profiles: rfc, Mutates: m, Requires: sf, run: sortStable},
		Check{ID: "page-count", Title: "count=2 returns 2 Resources, itemsPerPage 2 and the true totalResults", Section: "RFC 7644 §3.4.2.4", Profiles: rfc, Mutates: m, Requires: ff, run: pageCount},
		Check{ID: "page-startindex", Title: "startIndex=2&count=1 echoes startIndex 2 with one Resource", Section: "RFC 7644 §3.4.2.4", Profiles: rfc, Mutates: m, Requires: ff, run: pageStartIndex},
		Check{ID: "page-all-once", Title: "walking pages of count=1 sees every Resource exactly once", Section: "RFC 7644 §3.4.2.4", Profiles: rfc, Mutates: m, Requires: ff, run: pageAllOnce},
		Check{ID: "page-count-zero", Title: "count=0 returns totalResults and no Resources", Section: "RFC 7644 §3.4.2.4", Profiles: rfc, Mutates: m, Requires: ff, run: pageCountZero},
		Check{ID: "page-count-negative", Title: "a negative count is interpreted as 0", Section: "RFC 7644 §3.4.2.4", Profiles: rfc, Mutates: m, Requires: ff, run: pageCountNegative},
		Check{ID: "page-startindex-zero", Title: "startIndex=0 is interpreted as 1", Section: "RFC 7644 §3.4.2.4", Profiles: rfc, Mutates: m, Requires: ff, run: pageStartZero},
		Check{ID: "page-startindex-beyond", Title: "startIndex past the end answers 200 with no Resources and the true totalResults", Section: "RFC 7644 §3.4.2.4", Profiles: rfc, Mutates: m, Requires: ff, run: pageBeyond},
		Check{ID: "page-itemsperpage", Title: "itemsPerPage equals the number of Resources returned", Section: "RFC 7644 §3.4.2", Profiles: rfc, run: pageItemsPerPage},
		Check{ID: "page-total-independent", Title: "totalResults does not depend on count", Section: "RFC 7644 §3.4.2", Profiles: rfc, Mutates: m, Requires: ff, run: pageTotalIndependent},
		Check{ID: "page-maxresults-capped", Title: "count above filter.maxResults is capped, not an error", Section: "RFC 7644 §3.4.2.4, RFC 7643 §5", Profiles: rfc, Requires: ff, run: pageMaxResults},
	)
}

func userNames(l *listResult) []string {
	var out []string
	for _, it := range l.items {
		out = append(out, str(it, "userName"))
	}
	return out
}

func (c *tc) order(l *listResult, want ...map[string]any) {
	var ws []string
	for _, w := range want {
		ws = append(ws, str(w, "userName"))
	}
	got := userNames(l)
	c.expect(strings.Join(got, ",") == strings.Join(ws, ","), l.r, "order: want %v, got %v", ws, got)
}

func sortAsc(c *tc) {
	f := c.fixture()
	c.order(c.scoped(f, "active pr", "sortBy", "userName", "sortOrder", "ascending"), f.a, f.b, f.cc)
}

func sortDesc(c *tc) {
	f := c.fixture()
	c.order(c.scoped(f, "active pr", "sortBy", "userName", "sortOrder", "descending"), f.cc, f.b, f.a)
}

func sortDefault(c *tc) {
	f := c.fixture()
	c.order(c.scoped(f, "active pr", "sortBy", "userName"), f.a, f.b, f.cc)
}

func sortSubAttr(c *tc) {
	f := c.fixture()
	c.order(c.scoped(f, "active pr", "sortBy", "name.familyName", "sortOrder", "descending"), f.cc, f.b, f.a)
}

func sortPaging(c *tc) {
	f := c.fixture()
	c.order(c.scoped(f, "active pr", "sortBy", "userName", "startIndex", "2", "count", "1"), f.b)
}

func sortStable(c *tc) {
	f := c.fixture()
	l1 := c.scoped(f, "active pr", "sortBy", "active")
	l2 := c.scoped(f, "active pr", "sortBy", "active")
	c.expect(strings.Join(userNames(l1), ",") == strings.Join(userNames(l2), ","), l2.r, "two identical sorted queries disagree: %v vs %v", userNames(l1), userNames(l2))
	c.expect(len(l1.items) == 3, l1.r, "want 3 resources, got %d", len(l1.items))
}

func pageCount(c *tc) {
	f := c.fixture()
	l := c.scoped(f, "active pr", "count", "2")
	c.expect(len(l.items) == 2, l.r, "want 2 Resources, got %d", len(l.items))
	ipp, _ := num(l.r.obj, "itemsPerPage")
	c.expect(ipp == 2, l.r, "itemsPerPage: want 2, got %s", compact(get(l.r.obj, "itemsPerPage")))
	c.expect(l.total == 3, l.r, "totalResults: want 3, got %d", l.total)
}

func pageStartIndex(c *tc) {
	f := c.fixture()
	l := c.scoped(f, "active pr", "startIndex", "2", "count", "1")
	si, _ := num(l.r.obj, "startIndex")
	c.expect(si == 2, l.r, "startIndex: want 2, got %s", compact(get(l.r.obj, "startIndex")))
	c.expect(len(l.items) == 1 && l.total == 3, l.r, "want 1 Resource of totalResults 3, got %d of %d", len(l.items), l.total)
}

func pageAllOnce(c *tc) {
	f := c.fixture()
	seen := map[string]int{}
	var last *listResult
	for i := 1; i <= 4; i++ {
		l := c.scoped(f, "active pr", "startIndex", strconv.Itoa(i), "count", "1")
		last = l
		for _, it := range l.items {
			seen[idOf(it)]++
		}
	}
	ok := len(seen) == 3
	for _, u := range []map[string]any{f.a, f.b, f.cc} {
		ok = ok && seen[idOf(u)] == 1
	}
	c.expect(ok, last.r, "pages of count=1 did not return each of the 3 users exactly once: %v", seen)
}

func pageCountZero(c *tc) {
	f := c.fixture()
	l := c.scoped(f, "active pr", "count", "0")
	c.expect(l.total == 3 && len(l.items) == 0, l.r, "count=0: want totalResults 3 and no Resources, got %d and %d", l.total, len(l.items))
}

func pageCountNegative(c *tc) {
	f := c.fixture()
	l := c.scoped(f, "active pr", "count", "-1")
	c.expect(l.total == 3 && len(l.items) == 0, l.r, "count=-1: want totalResults 3 and no Resources, got %d and %d", l.total, len(l.items))
}

func pageStartZero(c *tc) {
	f := c.fixture()
	l := c.scoped(f, "active pr", "startIndex", "0")
	c.expect(len(l.items) == 3, l.r, "startIndex=0: want all 3 Resources, got %d", len(l.items))
	if si, ok := num(l.r.obj, "startIndex"); ok {
		c.expect(si == 1, l.r, "startIndex=0 must be interpreted as 1, response says %d", si)
	}
}

func pageBeyond(c *tc) {
	f := c.fixture()
	l := c.scoped(f, "active pr", "startIndex", "10", "count", "5")
	c.expect(l.total == 3 && len(l.items) == 0, l.r, "want totalResults 3 and no Resources, got %d and %d", l.total, len(l.items))
}

func pageItemsPerPage(c *tc) {
	l := c.list("/Users" + q("count", "2"))
	if ipp, ok := num(l.r.obj, "itemsPerPage"); ok || l.total > len(l.items) {
		c.expect(ok && ipp == len(l.items), l.r, "itemsPerPage %s must equal the %d Resources returned (REQUIRED for partial results)", compact(get(l.r.obj, "itemsPerPage")), len(l.items))
	} else {
		c.expect(len(l.items) == l.total, l.r, "without itemsPerPage all %d results must be returned, got %d", l.total, len(l.items))
	}
}

func pageTotalIndependent(c *tc) {
	f := c.fixture()
	a := c.scoped(f, "active pr", "count", "1")
	b := c.scoped(f, "active pr", "count", "0")
	c.expect(a.total == b.total, b.r, "totalResults differs between count=1 (%d) and count=0 (%d)", a.total, b.total)
	c.expect(len(a.items) <= 1, a.r, "count=1 returned %d Resources", len(a.items))
}

func pageMaxResults(c *tc) {
	max, ok := num(c.spc(), "filter", "maxResults")
	if !ok || max <= 0 {
		c.skipf("SPC advertises no filter.maxResults")
	}
	l := c.list("/Users" + q("count", strconv.Itoa(max+1000)))
	c.expect(len(l.items) <= max, l.r, "returned %d Resources, more than maxResults %d", len(l.items), max)
	if ipp, ok := num(l.r.obj, "itemsPerPage"); ok {
		c.expect(ipp <= max, l.r, "itemsPerPage %d exceeds maxResults %d", ipp, max)
	}
}
