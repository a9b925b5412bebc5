package conformance

import (
	"mime"
	"strings"
)

func init() {
	register("auth",
		Check{ID: "auth-valid-token-200", Title: "GET /Users with the bearer token answers 200", Section: "RFC 7644 §2", Profiles: rfc, run: authValid},
		Check{ID: "auth-no-token-401", Title: "GET /Users without credentials answers 401", Section: "RFC 7644 §2, §3.12", Profiles: rfc, run: authNoToken401},
		Check{ID: "auth-no-token-www-authenticate", Title: "401 carries a WWW-Authenticate challenge", Section: "RFC 7235 §3.1, RFC 6750 §3", Profiles: rfc, run: authWWWAuthenticate},
		Check{ID: "auth-no-token-scim-error", Title: "401 body is a SCIM error with status \"401\"", Section: "RFC 7644 §3.12", Profiles: rfc, run: authNoTokenError},
		Check{ID: "auth-wrong-token-401", Title: "GET /Users with a wrong bearer token answers 401 SCIM error", Section: "RFC 7644 §2, §3.12", Profiles: rfc, run: authWrongToken},
		Check{ID: "auth-malformed-header-401", Title: "Authorization header with an unknown scheme answers 401", Section: "RFC 7644 §2, RFC 7235 §3.1", Profiles: rfc, run: authMalformed},
		Check{ID: "auth-scheme-case-insensitive", Title: "the scheme name \"bearer\" is matched case-insensitively", Section: "RFC 7235 §2.1, RFC 6750 §2.1", Profiles: rfc, run: authSchemeCase},
		Check{ID: "auth-no-token-groups-401", Title: "GET /Groups without credentials answers 401", Section: "RFC 7644 §2", Profiles: rfc, run: authGroups401},
		Check{ID: "auth-no-token-delete-401", Title: "DELETE /Users/{id} without credentials answers 401, not 404", Section: "RFC 7644 §2", Profiles: rfc, run: authDelete401},
		Check{ID: "auth-no-token-patch-401", Title: "PATCH /Users/{id} without credentials answers 401, not 404", Section: "RFC 7644 §2", Profiles: rfc, run: authPatch401},
		Check{ID: "auth-wrong-token-search-401", Title: "POST /.search with a wrong token answers 401", Section: "RFC 7644 §2, §3.4.3", Profiles: rfc, run: authSearch401},
		Check{ID: "auth-no-token-create-401", Title: "POST /Users without credentials answers 401 and creates nothing", Section: "RFC 7644 §2, §3.3", Profiles: rfc, Mutates: true, Requires: []Feature{FeatFilter}, run: authCreate401},
		Check{ID: "auth-discovery-either", Title: "discovery without credentials answers either 200 with the SPC or a 401 SCIM error", Section: "RFC 7644 §4", Profiles: rfc, run: authDiscovery},
	)
	register("media",
		Check{ID: "media-response-scim-json", Title: "a response to Accept: application/scim+json uses Content-Type application/scim+json", Section: "RFC 7644 §8.1, RFC 7231 §5.3.2", Profiles: rfc, run: mediaResponse},
		Check{ID: "media-error-json", Title: "error responses use a JSON Content-Type", Section: "RFC 7644 §3.12, §8.1", Profiles: rfc, run: mediaError},
		Check{ID: "media-request-scim-json", Title: "POST with Content-Type application/scim+json is accepted", Section: "RFC 7644 §3.1, §8.1", Profiles: rfc, Mutates: true, run: mediaRequestSCIM},
	)
}

func authValid(c *tc) {
	r := c.do("GET", "/Users"+q("count", "1"), nil)
	c.status(r, 200)
	c.jsonContentType(r)
}

func authNoToken401(c *tc) {
	c.status(c.do("GET", "/Users", nil, noAuth()), 401)
}

func authWWWAuthenticate(c *tc) {
	r := c.do("GET", "/Users", nil, noAuth())
	c.status(r, 401)
	h := r.Header.Get("WWW-Authenticate")
	c.expect(h != "", r, "401 without a WWW-Authenticate header")
	// A bearer-token endpoint challenges with the Bearer scheme (RFC 6750
	// §3); one that advertises only other schemes may challenge otherwise.
	bearer := true
	if spc, err := c.env.serviceProviderConfig(c.ctx); err == nil && len(objs(spc, "authenticationSchemes")) > 0 {
		bearer = false
		for _, s := range objs(spc, "authenticationSchemes") {
			bearer = bearer || strings.Contains(strings.ToLower(str(s, "type")+" "+str(s, "name")), "bearer")
		}
	}
	if h != "" && bearer {
		c.expect(strings.Contains(strings.ToLower(h), "bearer"), r, "WWW-Authenticate %q offers no Bearer challenge", h)
	}
}

func authNoTokenError(c *tc) { c.scimError(c.do("GET", "/Users", nil, noAuth()), 401) }

func authWrongToken(c *tc) {
	r := c.do("GET", "/Users", nil, hdr("Authorization", "Bearer scimconf-not-a-valid-token-0000"))
	c.scimError(r, 401)
}

func authMalformed(c *tc) {
	spc := c.spc()
	for _, s := range objs(spc, "authenticationSchemes") {
		if strings.EqualFold(str(s, "type"), "httpbasic") {
			c.skipf("SPC advertises httpbasic; a Basic header may be valid")
		}
	}
	c.status(c.do("GET", "/Users", nil, hdr("Authorization", "Basic c2NpbWNvbmY6bm9wZQ==")), 401)
	c.status(c.do("GET", "/Users", nil, hdr("Authorization", "Bearer")), 401)
}

func authSchemeCase(c *tc) {
	if c.env.target.Token == "" {
		c.skipf("no token configured")
	}
	c.status(c.do("GET", "/Users"+q("count", "1"), nil, hdr("Authorization", "bearer "+c.env.target.Token)), 200)
}

func authGroups401(c *tc) { c.scimError(c.do("GET", "/Groups", nil, noAuth()), 401) }

func authDelete401(c *tc) {
	c.status(c.do("DELETE", "/Users/scimconf-00000000-no-such-id", nil, noAuth()), 401)
}

func authPatch401(c *tc) {
	c.status(c.do("PATCH", "/Users/scimconf-00000000-no-such-id", patchBody(op("replace", "active", false)), noAuth()), 401)
}

func authSearch401(c *tc) {
	r := c.do("POST", "/.search", map[string]any{"schemas": []any{msgSearch}, "filter": `userName eq "x"`}, hdr("Authorization", "Bearer scimconf-wrong"))
	c.status(r, 401)
}

func authCreate401(c *tc) {
	body := c.userBody("noauth")
	r := c.do("POST", "/Users", body, noAuth())
	if r.Status < 300 && idOf(r.obj) != "" {
		c.cleanupResource("/Users/" + idOf(r.obj))
	}
	c.status(r, 401)
	l := c.filter("Users", "userName eq "+quote(body["userName"].(string)))
	c.expect(l.total == 0, l.r, "an unauthenticated POST created the user")
}

func authDiscovery(c *tc) {
	r := c.do("GET", "/ServiceProviderConfig", nil, noAuth())
	switch r.Status {
	case 200:
		c.expect(containsString(arr(r.obj, "schemas"), schemaSPC), r, "unauthenticated SPC lacks schema %s", schemaSPC)
	case 401:
		c.errorBody(r)
	default:
		c.fatalf(r, "want 200 or 401, got %d", r.Status)
	}
}

func mediaResponse(c *tc) {
	r := c.do("GET", "/Users"+q("count", "1"), nil)
	c.status(r, 200)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	c.eq(r, mt, mediaSCIM, "Content-Type media type")
}

func mediaError(c *tc) {
	r := c.do("GET", "/Users/scimconf-00000000-no-such-id", nil)
	c.status(r, 404)
	c.jsonContentType(r)
}

func mediaRequestSCIM(c *tc) {
	u := c.mkUser("media")
	c.expect(idOf(u) != "", nil, "no id")
}
