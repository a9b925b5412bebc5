package conformance

func init() {
	m := true
	register("errors",
		Check{ID: "err-404-format", Title: "404 for an unknown User is a SCIM error with status \"404\"", Section: "RFC 7644 §3.12", Profiles: rfc, run: err404},
		Check{ID: "err-malformed-json-post-400", Title: "malformed JSON on POST answers 400 invalidSyntax", Section: "RFC 7644 §3.12", Profiles: rfc, Mutates: m, run: errMalformedPost},
		Check{ID: "err-malformed-json-put-400", Title: "malformed JSON on PUT answers 400 invalidSyntax", Section: "RFC 7644 §3.12", Profiles: rfc, Mutates: m, run: errMalformedPut},
		Check{ID: "err-malformed-json-patch-400", Title: "malformed JSON on PATCH answers 400 invalidSyntax", Section: "RFC 7644 §3.12", Profiles: rfc, Mutates: m, Requires: []Feature{FeatPatch}, run: errMalformedPatch},
		Check{ID: "err-malformed-json-search-400", Title: "malformed JSON on POST .search answers 400 invalidSyntax", Section: "RFC 7644 §3.4.3, §3.12", Profiles: rfc, run: errMalformedSearch},
		Check{ID: "err-wrong-type-400", Title: "a value of the wrong JSON type (userName: 123) answers 400 invalidValue or invalidSyntax", Section: "RFC 7644 §3.12, RFC 7643 §2.3", Profiles: rfc, Mutates: m, run: errWrongType},
		Check{ID: "err-unknown-endpoint-404", Title: "an unknown resource endpoint answers 404", Section: "RFC 7644 §3.12", Profiles: rfc, run: errUnknownEndpoint},
		Check{ID: "err-unknown-endpoint-format", Title: "the 404 for an unknown endpoint is a SCIM error", Section: "RFC 7644 §3.12", Profiles: rfc, run: errUnknownEndpointFormat},
		Check{ID: "err-method-delete-collection", Title: "DELETE /Users (the collection) answers 405 or 501", Section: "RFC 7644 §3.12, RFC 7231 §6.5.5", Profiles: rfc, run: errMethodDelete},
		Check{ID: "err-method-put-collection", Title: "PUT /Groups (the collection) answers 405 or 501", Section: "RFC 7644 §3.12, RFC 7231 §6.5.5", Profiles: rfc, run: errMethodPut},
		Check{ID: "err-method-post-resource", Title: "POST /Users/{id} answers 404, 405 or 501 and is not treated as a create", Section: "RFC 7644 §3.3, §3.12", Profiles: rfc, run: errPostResource},
		Check{ID: "err-conflict-format", Title: "409 for a duplicate is a SCIM error with status \"409\"", Section: "RFC 7644 §3.12", Profiles: rfc, Mutates: m, run: errConflictFormat},
		Check{ID: "err-body-too-large-413", Title: "a POST /Users body twice the advertised bulk.maxPayloadSize answers 413 (skipped when no limit is advertised)", Section: "RFC 7644 §3.12, RFC 7643 §5", Profiles: rfc, Mutates: m, run: errTooLarge},
		Check{ID: "err-no-schemas-400", Title: "POST /Users without the REQUIRED schemas attribute answers 400", Section: "RFC 7643 §3, RFC 7644 §3.3", Profiles: rfc, Mutates: m, run: errNoSchemas},
	)
}

func err404(c *tc) {
	r := c.do("GET", "/Users/scimconf-00000000-0000-0000-0000-00000000e404", nil)
	c.scimError(r, 404)
	c.jsonContentType(r)
}

func errMalformedPost(c *tc) {
	r := c.do("POST", "/Users", `{"schemas":["`+schemaUser+`"],"userName":`)
	c.scimError(r, 400, "invalidSyntax")
}

func errMalformedPut(c *tc) {
	u := c.mkUser("mput")
	c.scimError(c.do("PUT", "/Users/"+idOf(u), `{"schemas":["`+schemaUser+`"],"userName":"x",}`), 400, "invalidSyntax")
}

func errMalformedPatch(c *tc) {
	u := c.mkUser("mpatch")
	c.scimError(c.do("PATCH", "/Users/"+idOf(u), `{"schemas":["`+msgPatch+`"],"Operations":[{"op":"replace"`), 400, "invalidSyntax")
}

func errMalformedSearch(c *tc) {
	c.scimError(c.do("POST", "/Users/.search", `{"schemas":["`+msgSearch+`"],"filter":`), 400, "invalidSyntax")
}

func errWrongType(c *tc) {
	r := c.do("POST", "/Users", map[string]any{"schemas": []any{schemaUser}, "userName": 12345, "active": true})
	if r.Status < 300 && idOf(r.obj) != "" {
		c.cleanupResource("/Users/" + idOf(r.obj))
	}
	c.scimError(r, 400, "invalidValue", "invalidSyntax")
}

func errUnknownEndpoint(c *tc) {
	c.status(c.do("GET", "/ScimconfWidgets", nil), 404)
}

func errUnknownEndpointFormat(c *tc) {
	c.scimError(c.do("GET", "/ScimconfWidgets/123", nil), 404)
}

func errMethodDelete(c *tc) {
	r := c.do("DELETE", "/Users", nil)
	c.status(r, 405, 501)
	c.errorBody(r)
}

func errMethodPut(c *tc) {
	r := c.do("PUT", "/Groups", map[string]any{"schemas": []any{schemaGroup}, "displayName": "scimconf-never"})
	c.status(r, 405, 501)
	c.errorBody(r)
}

func errPostResource(c *tc) {
	r := c.do("POST", "/Users/scimconf-00000000-0000-0000-0000-0000000000aa", c.userBody("postres"))
	if r.Status < 300 && idOf(r.obj) != "" {
		c.cleanupResource("/Users/" + idOf(r.obj))
	}
	c.status(r, 404, 405, 501)
	c.errorBody(r)
}

func errConflictFormat(c *tc) {
	b := c.userBody("conf")
	c.createUser(b)
	r := c.do("POST", "/Users", b)
	if r.Status < 300 && idOf(r.obj) != "" {
		c.cleanupResource("/Users/" + idOf(r.obj))
	}
	c.scimError(r, 409)
	c.jsonContentType(r)
}

func errTooLarge(c *tc) {
	max, ok := num(c.spc(), "bulk", "maxPayloadSize")
	if !ok || max <= 0 || max > 64<<20 {
		c.skipf("server's request size limit unknown (SPC bulk.maxPayloadSize is %v)", get(c.spc(), "bulk", "maxPayloadSize"))
	}
	b := c.userBody("big")
	b["displayName"] = padding(2*max + 4096)
	r := c.do("POST", "/Users", b)
	if r.Status < 300 && idOf(r.obj) != "" {
		c.cleanupResource("/Users/" + idOf(r.obj))
	}
	c.scimError(r, 413)
}

func padding(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}

func errNoSchemas(c *tc) {
	b := c.userBody("noschemas")
	delete(b, "schemas")
	r := c.do("POST", "/Users", b)
	if r.Status < 300 && idOf(r.obj) != "" {
		c.cleanupResource("/Users/" + idOf(r.obj))
	}
	c.scimError(r, 400)
}
