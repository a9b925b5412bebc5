package conformance

import (
	"fmt"
	"strings"
)

func init() {
	m := true
	bf := []Feature{FeatBulk}
	register("bulk",
		Check{ID: "bulk-post-user", Title: "a Bulk POST creates a User: BulkResponse, status \"201\", location", Section: "RFC 7644 §3.7, §3.7.3", Profiles: rfc, Mutates: m, Requires: bf, run: bulkPost},
		Check{ID: "bulk-bulkid-reference", Title: "\"bulkId:x\" in a member value resolves to the new User's id", Section: "RFC 7644 §3.7.2", Profiles: rfc, Mutates: m, Requires: bf, run: bulkRef},
		Check{ID: "bulk-status-per-operation", Title: "each operation reports its own status (201 and 404 in one request)", Section: "RFC 7644 §3.7.3", Profiles: rfc, Mutates: m, Requires: bf, run: bulkStatuses},
		Check{ID: "bulk-put-patch-delete", Title: "Bulk PUT, PATCH and DELETE operations are applied", Section: "RFC 7644 §3.7", Profiles: rfc, Mutates: m, Requires: bf, run: bulkMethods},
		Check{ID: "bulk-fail-on-errors", Title: "failOnErrors=1 stops processing after the first error", Section: "RFC 7644 §3.7.3", Profiles: rfc, Mutates: m, Requires: bf, run: bulkFailOnErrors},
		Check{ID: "bulk-max-operations-413", Title: "more than maxOperations operations answers 413", Section: "RFC 7644 §3.7.4", Profiles: rfc, Requires: bf, run: bulkMaxOps},
		Check{ID: "bulk-max-payload-413", Title: "a request over maxPayloadSize answers 413", Section: "RFC 7644 §3.7.4", Profiles: rfc, Requires: bf, run: bulkMaxPayload},
		Check{ID: "bulk-bad-schema-400", Title: "a BulkRequest without its schema or Operations answers 400", Section: "RFC 7644 §3.7", Profiles: rfc, Requires: bf, run: bulkBadRequest},
	)
}

func bulkReq(failOnErrors int, ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	b := map[string]any{"schemas": []any{msgBulkRequest}, "Operations": list}
	if failOnErrors > 0 {
		b["failOnErrors"] = failOnErrors
	}
	return b
}

func bop(method, path, bulkID string, data any) map[string]any {
	o := map[string]any{"method": method, "path": path}
	if bulkID != "" {
		o["bulkId"] = bulkID
	}
	if data != nil {
		o["data"] = data
	}
	return o
}

// bulk posts and returns the Operations of the BulkResponse; it schedules
// deletion of everything created.
func (c *tc) bulk(body map[string]any) ([]map[string]any, *resp) {
	r := c.do("POST", "/Bulk", body)
	ops := objs(r.obj, "Operations")
	for _, o := range ops {
		if strings.EqualFold(str(o, "method"), "POST") && strings.HasPrefix(fmt.Sprint(get(o, "status")), "2") {
			if loc := str(o, "location"); loc != "" {
				c.cleanupResource(loc)
			}
		}
	}
	c.status(r, 200)
	c.expect(containsString(arr(r.obj, "schemas"), msgBulkResp), r, "schemas must contain %s", msgBulkResp)
	return ops, r
}

func opStatus(o map[string]any) string {
	switch s := get(o, "status").(type) {
	case string:
		return s
	case map[string]any:
		return str(s, "code")
	}
	return fmt.Sprint(get(o, "status"))
}

func bulkPost(c *tc) {
	ops, r := c.bulk(bulkReq(0, bop("POST", "/Users", "u1", c.userBody("bulk"))))
	c.must(len(ops) == 1, r, "want 1 operation result, got %d", len(ops))
	_, isStr := get(ops[0], "status").(string)
	c.expect(isStr, r, "operation status must be a string, got %s", compact(get(ops[0], "status")))
	c.eq(r, opStatus(ops[0]), "201", "operation status")
	c.eq(r, str(ops[0], "bulkId"), "u1", "bulkId echoed")
	c.expect(strings.Contains(str(ops[0], "location"), "/Users/"), r, "location %q is not a /Users/{id} URL", str(ops[0], "location"))
}

func lastSegment(s string) string { return s[strings.LastIndex(s, "/")+1:] }

func bulkRef(c *tc) {
	ops, r := c.bulk(bulkReq(0,
		bop("POST", "/Users", "u1", c.userBody("bref")),
		bop("POST", "/Groups", "g1", map[string]any{"schemas": []any{schemaGroup}, "displayName": c.name("bref"), "members": []any{map[string]any{"value": "bulkId:u1"}}})))
	c.must(len(ops) == 2, r, "want 2 operation results, got %d", len(ops))
	var uid, gid string
	for _, o := range ops {
		switch str(o, "bulkId") {
		case "u1":
			uid = lastSegment(str(o, "location"))
		case "g1":
			gid = lastSegment(str(o, "location"))
		}
	}
	c.must(uid != "" && gid != "", r, "missing locations for bulkIds u1/g1")
	g, gr := c.get("Groups", gid)
	ms := memberIDs(g)
	c.expect(len(ms) == 1 && ms[uid] == 1, gr, "group members: want [%s], got %s", uid, compact(get(g, "members")))
}

func bulkStatuses(c *tc) {
	ops, r := c.bulk(bulkReq(0,
		bop("POST", "/Users", "ok", c.userBody("bst")),
		bop("DELETE", "/Users/scimconf-00000000-0000-0000-0000-000000000404", "", nil)))
	c.must(len(ops) == 2, r, "want 2 operation results, got %d", len(ops))
	c.eq(r, opStatus(ops[0]), "201", "status of the POST")
	c.eq(r, opStatus(ops[1]), "404", "status of the DELETE of an unknown id")
}

func bulkMethods(c *tc) {
	u1, u2, u3 := c.userBody("bm1"), c.mkUser("bm2"), c.mkUser("bm3")
	created := c.createUser(u1)
	u1["title"] = "BulkPut"
	ops, r := c.bulk(bulkReq(0,
		bop("PUT", "/Users/"+idOf(created), "", u1),
		bop("PATCH", "/Users/"+idOf(u2), "", patchBody(op("replace", "title", "BulkPatch"))),
		bop("DELETE", "/Users/"+idOf(u3), "", nil)))
	c.must(len(ops) == 3, r, "want 3 operation results, got %d", len(ops))
	c.eq(r, opStatus(ops[0]), "200", "PUT status")
	c.expect(opStatus(ops[1]) == "200" || opStatus(ops[1]) == "204", r, "PATCH status: want 200 or 204, got %s", opStatus(ops[1]))
	c.eq(r, opStatus(ops[2]), "204", "DELETE status")
	g1, gr := c.get("Users", idOf(created))
	c.eq(gr, str(g1, "title"), "BulkPut", "title after bulk PUT")
	g2, gr2 := c.get("Users", idOf(u2))
	c.eq(gr2, str(g2, "title"), "BulkPatch", "title after bulk PATCH")
	c.status(c.do("GET", "/Users/"+idOf(u3), nil), 404)
}

func bulkFailOnErrors(c *tc) {
	after := c.userBody("bfoe")
	ops, r := c.bulk(bulkReq(1,
		bop("DELETE", "/Users/scimconf-00000000-0000-0000-0000-000000000404", "", nil),
		bop("POST", "/Users", "late", after)))
	c.expect(len(ops) == 1, r, "with failOnErrors=1 processing must stop after the first error; got %d operation results", len(ops))
	l := c.list("/Users" + q("filter", "userName eq "+quote(after["userName"].(string))))
	c.expect(l.total == 0, l.r, "the operation after the error was performed")
}

func bulkMaxOps(c *tc) {
	max, ok := num(c.spc(), "bulk", "maxOperations")
	if !ok || max <= 0 || max > 10000 {
		c.skipf("SPC bulk.maxOperations not usable: %v", get(c.spc(), "bulk", "maxOperations"))
	}
	var ops []map[string]any
	for i := 0; i <= max; i++ {
		ops = append(ops, bop("DELETE", fmt.Sprintf("/Users/scimconf-nonexistent-%d", i), "", nil))
	}
	c.scimError(c.do("POST", "/Bulk", bulkReq(0, ops...)), 413)
}

func bulkMaxPayload(c *tc) {
	max, ok := num(c.spc(), "bulk", "maxPayloadSize")
	if !ok || max <= 0 || max > 64<<20 {
		c.skipf("SPC bulk.maxPayloadSize not usable: %v", get(c.spc(), "bulk", "maxPayloadSize"))
	}
	pad := strings.Repeat("x", max+1024)
	body := bulkReq(0, bop("DELETE", "/Users/scimconf-nonexistent", "", nil))
	body["scimconfPadding"] = pad
	c.scimError(c.do("POST", "/Bulk", body), 413)
}

func bulkBadRequest(c *tc) {
	c.scimError(c.do("POST", "/Bulk", map[string]any{"failOnErrors": 1}), 400)
}
