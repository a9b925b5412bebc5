package conformance

import (
	"regexp"
)

func init() {
	m := true
	ef := []Feature{FeatETag}
	register("etag",
		Check{ID: "etag-meta-version", Title: "meta.version is present on a created User", Section: "RFC 7644 §3.14, RFC 7643 §3.1", Profiles: rfc, Mutates: m, Requires: ef, run: etagMetaVersion},
		Check{ID: "etag-header-get", Title: "GET returns an ETag header equal to meta.version", Section: "RFC 7644 §3.14", Profiles: rfc, Mutates: m, Requires: ef, run: etagHeaderGet},
		Check{ID: "etag-header-post", Title: "POST returns an ETag header", Section: "RFC 7644 §3.14", Profiles: rfc, Mutates: m, Requires: ef, run: etagHeaderPost},
		Check{ID: "etag-header-put", Title: "PUT returns an ETag header for the new version", Section: "RFC 7644 §3.14", Profiles: rfc, Mutates: m, Requires: ef, run: etagHeaderPut},
		Check{ID: "etag-header-patch", Title: "PATCH returning 200 carries an ETag header for the new version", Section: "RFC 7644 §3.14", Profiles: rfc, Mutates: m, Requires: []Feature{FeatETag, FeatPatch}, run: etagHeaderPatch},
		Check{ID: "etag-syntax", Title: "ETag is a quoted entity-tag, optionally weak (W/\"...\")", Section: "RFC 7232 §2.3", Profiles: rfc, Mutates: m, Requires: ef, run: etagSyntax},
		Check{ID: "etag-changes-on-update", Title: "meta.version changes when the resource changes", Section: "RFC 7644 §3.14", Profiles: rfc, Mutates: m, Requires: ef, run: etagChanges},
		Check{ID: "etag-group-member-change", Title: "a Group's version changes when its members change", Section: "RFC 7644 §3.14", Profiles: rfc, Mutates: m, Requires: ef, run: etagGroupMembers},
		Check{ID: "etag-if-none-match-304", Title: "GET with If-None-Match: current version answers 304", Section: "RFC 7644 §3.14, RFC 7232 §3.2", Profiles: rfc, Mutates: m, Requires: ef, run: etagIfNoneMatch},
		Check{ID: "etag-if-none-match-stale-200", Title: "GET with If-None-Match: stale version answers 200", Section: "RFC 7644 §3.14, RFC 7232 §3.2", Profiles: rfc, Mutates: m, Requires: ef, run: etagIfNoneMatchStale},
		Check{ID: "etag-if-match-stale-put-412", Title: "PUT with If-Match: stale version answers 412", Section: "RFC 7644 §3.14, §3.12", Profiles: rfc, Mutates: m, Requires: ef, run: etagStalePut},
		Check{ID: "etag-if-match-stale-patch-412", Title: "PATCH with If-Match: stale version answers 412", Section: "RFC 7644 §3.14, §3.12", Profiles: rfc, Mutates: m, Requires: []Feature{FeatETag, FeatPatch}, run: etagStalePatch},
		Check{ID: "etag-if-match-stale-delete-412", Title: "DELETE with If-Match: stale version answers 412 and keeps the resource", Section: "RFC 7644 §3.14, §3.12", Profiles: rfc, Mutates: m, Requires: ef, run: etagStaleDelete},
		Check{ID: "etag-if-match-current-put", Title: "PUT with If-Match: current version succeeds", Section: "RFC 7644 §3.14", Profiles: rfc, Mutates: m, Requires: ef, run: etagCurrentPut},
		Check{ID: "etag-if-match-current-patch", Title: "PATCH with If-Match: current version succeeds", Section: "RFC 7644 §3.14", Profiles: rfc, Mutates: m, Requires: []Feature{FeatETag, FeatPatch}, run: etagCurrentPatch},
		Check{ID: "etag-if-match-current-delete", Title: "DELETE with If-Match: current version answers 204", Section: "RFC 7644 §3.14", Profiles: rfc, Mutates: m, Requires: ef, run: etagCurrentDelete},
	)
}

var etagRe = regexp.MustCompile(`^(W/)?"[^"]*"$`)

func (c *tc) etagUser(suffix string) (map[string]any, map[string]any, string) {
	b := c.userBody(suffix)
	u := c.createUser(b)
	g, r := c.get("Users", idOf(u))
	v := str(g, "meta", "version")
	if v == "" {
		v = r.Header.Get("ETag")
	}
	c.must(v != "", r, "no meta.version and no ETag header")
	return b, g, v
}

func etagMetaVersion(c *tc) {
	u, r := c.create("Users", c.userBody("ev"))
	c.expect(str(u, "meta", "version") != "", r, "meta.version missing from the POST response")
}

func etagHeaderGet(c *tc) {
	u := c.mkUser("eg")
	g, r := c.get("Users", idOf(u))
	c.expect(r.Header.Get("ETag") != "", r, "no ETag header")
	c.eq(r, r.Header.Get("ETag"), str(g, "meta", "version"), "ETag header vs meta.version")
}

func etagHeaderPost(c *tc) {
	u, r := c.create("Users", c.userBody("ep"))
	c.expect(r.Header.Get("ETag") != "", r, "no ETag header on 201")
	if v := str(u, "meta", "version"); v != "" && r.Header.Get("ETag") != "" {
		c.eq(r, r.Header.Get("ETag"), v, "ETag header vs meta.version")
	}
}

func etagHeaderPut(c *tc) {
	b, g, v := c.etagUser("eput")
	b["title"] = "v2"
	r := c.put("Users", idOf(g), b)
	c.status(r, 200)
	c.expect(r.Header.Get("ETag") != "" && r.Header.Get("ETag") != v, r, "PUT must return the new ETag (old %s, got %q)", v, r.Header.Get("ETag"))
}

func etagHeaderPatch(c *tc) {
	_, g, v := c.etagUser("epatch")
	r := c.patch("Users", idOf(g), op("replace", "title", "v2"))
	c.status(r, 200, 204)
	if r.Status == 204 {
		g2, gr := c.get("Users", idOf(g))
		c.expect(str(g2, "meta", "version") != v, gr, "version unchanged after PATCH")
		return
	}
	c.expect(r.Header.Get("ETag") != "" && r.Header.Get("ETag") != v, r, "PATCH must return the new ETag (old %s, got %q)", v, r.Header.Get("ETag"))
}

func etagSyntax(c *tc) {
	u := c.mkUser("esyn")
	_, r := c.get("Users", idOf(u))
	e := r.Header.Get("ETag")
	c.expect(etagRe.MatchString(e), r, "ETag %q is not a quoted entity-tag", e)
}

func etagChanges(c *tc) {
	b, g, v := c.etagUser("ech")
	b["title"] = "changed"
	c.status(c.put("Users", idOf(g), b), 200)
	g2, r := c.get("Users", idOf(g))
	c.expect(str(g2, "meta", "version") != v, r, "meta.version %s unchanged after PUT", v)
}

func etagGroupMembers(c *tc) {
	u := c.mkUser("egm")
	g := c.mkGroup("egm")
	g1, _ := c.get("Groups", idOf(g))
	b := c.groupBody("x", idOf(u))
	b["displayName"] = str(g, "displayName")
	c.status(c.put("Groups", idOf(g), b), 200)
	g2, r := c.get("Groups", idOf(g))
	c.expect(str(g2, "meta", "version") != "" && str(g2, "meta", "version") != str(g1, "meta", "version"), r, "Group version unchanged (%s) after adding a member", str(g1, "meta", "version"))
}

func etagIfNoneMatch(c *tc) {
	_, g, v := c.etagUser("einm")
	r := c.do("GET", "/Users/"+idOf(g), nil, hdr("If-None-Match", v))
	c.status(r, 304)
}

func etagIfNoneMatchStale(c *tc) {
	_, g, _ := c.etagUser("einms")
	r := c.do("GET", "/Users/"+idOf(g), nil, hdr("If-None-Match", `W/"scimconf-stale"`))
	c.status(r, 200)
}

const staleETag = `W/"scimconf-stale-version"`

func etagStalePut(c *tc) {
	b, g, _ := c.etagUser("esput")
	b["title"] = "stale"
	c.scimError(c.put("Users", idOf(g), b, hdr("If-Match", staleETag)), 412)
	g2, r := c.get("Users", idOf(g))
	c.expect(str(g2, "title") != "stale", r, "PUT with a stale If-Match was applied")
}

func etagStalePatch(c *tc) {
	_, g, _ := c.etagUser("espatch")
	r := c.do("PATCH", "/Users/"+idOf(g), patchBody(op("replace", "title", "stale")), hdr("If-Match", staleETag))
	c.scimError(r, 412)
	g2, gr := c.get("Users", idOf(g))
	c.expect(str(g2, "title") != "stale", gr, "PATCH with a stale If-Match was applied")
}

func etagStaleDelete(c *tc) {
	_, g, _ := c.etagUser("esdel")
	c.scimError(c.del("Users", idOf(g), hdr("If-Match", staleETag)), 412)
	c.get("Users", idOf(g))
}

func etagCurrentPut(c *tc) {
	b, g, v := c.etagUser("ecput")
	b["title"] = "current"
	c.status(c.put("Users", idOf(g), b, hdr("If-Match", v)), 200)
}

func etagCurrentPatch(c *tc) {
	_, g, v := c.etagUser("ecpatch")
	r := c.do("PATCH", "/Users/"+idOf(g), patchBody(op("replace", "title", "current")), hdr("If-Match", v))
	c.status(r, 200, 204)
}

func etagCurrentDelete(c *tc) {
	_, g, v := c.etagUser("ecdel")
	c.status(c.del("Users", idOf(g), hdr("If-Match", v)), 204)
}
