package conformance

import (
	"net/url"
	"strings"
	"time"
)

// fixture is a set of three Users whose userNames share a prefix unique to
// the check, so that every query can be scoped with `userName sw prefix`.
type fixture struct {
	prefix    string
	a, b, cc  map[string]any
	empA      string
	createdAt time.Time
}

func (c *tc) fixture() *fixture {
	base := c.name("fx") + "-"
	fx := &fixture{prefix: base, createdAt: time.Now().Add(-2 * time.Second)}
	ent := c.has(FeatEnterprise)
	mk := func(suffix, given, family, title, display string, active bool, emails []any, extra map[string]any, dept string) map[string]any {
		b := map[string]any{
			"schemas":     []any{schemaUser},
			"userName":    base + suffix,
			"name":        map[string]any{"givenName": given, "familyName": family},
			"title":       title,
			"displayName": display,
			"active":      active,
			"emails":      emails,
			"externalId":  "Ext-" + base + suffix,
		}
		for k, v := range extra {
			b[k] = v
		}
		if ent {
			b["schemas"] = []any{schemaUser, schemaEnt}
			b[schemaEnt] = map[string]any{"employeeNumber": "EMP-" + base + suffix, "department": dept}
		}
		return c.createUser(b)
	}
	em := func(v, t string, primary bool) map[string]any {
		return map[string]any{"value": v, "type": t, "primary": primary}
	}
	// Created out of alphabetical order, so that a server which ignores
	// sortBy and answers in creation order fails the ascending sort checks.
	fx.b = mk("bob", "Bob", "Brown", "Manager", "B_underscore", false,
		[]any{em("bob@example.net", "work", true)}, nil, "Sales")
	fx.cc = mk("carol", "Carol", "Clark", "engineer lead", `C "quoted" \ back`, true,
		[]any{em("carol@example.com", "home", true)}, nil, "Support")
	fx.a = mk("alice", "Alice", "Anderson", "Engineer", "Al 50% off", true,
		[]any{em("alice@example.com", "work", true), em("alice@home.example.org", "home", false)}, map[string]any{"nickName": "al"}, "R&D")
	fx.empA = "EMP-" + base + "alice"
	return fx
}

// scoped runs `userName sw prefix and (expr)`.
func (c *tc) scoped(fx *fixture, expr string, extra ...string) *listResult {
	return c.filter("Users", "userName sw "+quote(fx.prefix)+" and ("+expr+")", extra...)
}

func (c *tc) expectFilter(fx *fixture, expr string, want ...map[string]any) {
	l := c.scoped(fx, expr)
	var ws []string
	for _, w := range want {
		ws = append(ws, idOf(w))
	}
	c.sameIDs(l, "filter "+expr, ws...)
}

func fcheck(id, title, section string, fn func(*tc, *fixture), req ...Feature) Check {
	return Check{ID: id, Title: title, Section: section, Profiles: rfc, Mutates: true, Requires: append([]Feature{FeatFilter}, req...),
		run: func(c *tc) { fn(c, c.fixture()) }}
}

const secFilter = "RFC 7644 §3.4.2.2"

func init() {
	register("filters",
		fcheck("filter-eq", "eq matches exactly one User", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "userName eq "+quote(f.prefix+"bob"), f.b) }),
		fcheck("filter-ne", "ne excludes the equal value (caseExact false)", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, `title ne "engineer"`, f.b, f.cc) }),
		fcheck("filter-co", "co matches substrings of a multi-valued sub-attribute", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, `emails.value co "example.com"`, f.a, f.cc) }),
		fcheck("filter-sw", "sw matches a prefix", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "userName sw "+quote(f.prefix+"ca"), f.cc) }),
		fcheck("filter-ew", "ew matches a suffix", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, `emails.value ew ".net"`, f.b) }),
		fcheck("filter-pr", "pr matches Users that have a value", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "nickName pr", f.a) }),
		fcheck("filter-gt", "gt compares strings lexicographically", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "userName gt "+quote(f.prefix+"bob"), f.cc) }),
		fcheck("filter-ge", "ge includes the equal value", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "userName ge "+quote(f.prefix+"bob"), f.b, f.cc) }),
		fcheck("filter-lt", "lt compares strings lexicographically", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "userName lt "+quote(f.prefix+"bob"), f.a) }),
		fcheck("filter-le", "le includes the equal value", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "userName le "+quote(f.prefix+"bob"), f.a, f.b) }),
		fcheck("filter-and", "and requires both expressions", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, `title co "engineer" and active eq true`, f.a, f.cc) }),
		fcheck("filter-or", "or accepts either expression", secFilter, func(c *tc, f *fixture) {
			c.expectFilter(f, `name.familyName eq "Anderson" or name.familyName eq "Brown"`, f.a, f.b)
		}),
		fcheck("filter-not", "not negates a parenthesised expression", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "not (userName eq "+quote(f.prefix+"alice")+")", f.b, f.cc) }),
		fcheck("filter-precedence", "and binds tighter than or", "RFC 7644 §3.4.2.2 (Table 5)", func(c *tc, f *fixture) {
			c.expectFilter(f, "userName eq "+quote(f.prefix+"alice")+" or userName eq "+quote(f.prefix+"bob")+" and active eq false", f.a, f.b)
		}),
		fcheck("filter-parentheses", "parentheses override precedence", secFilter, func(c *tc, f *fixture) {
			c.expectFilter(f, "(userName eq "+quote(f.prefix+"alice")+" or userName eq "+quote(f.prefix+"bob")+") and active eq false", f.b)
		}),
		fcheck("filter-boolean-true", "boolean eq true", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "active eq true", f.a, f.cc) }),
		fcheck("filter-boolean-false", "boolean eq false", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "active eq false", f.b) }),
		fcheck("filter-valuepath-and", "brackets apply both conditions to the same multi-valued element", secFilter, func(c *tc, f *fixture) {
			c.expectFilter(f, `emails[type eq "work" and value co "@example.com"]`, f.a)
		}),
		fcheck("filter-valuepath-type", "emails[type eq \"home\"] matches Users with a home email", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, `emails[type eq "home"]`, f.a, f.cc) }),
		fcheck("filter-valuepath-or", "brackets with or inside", secFilter, func(c *tc, f *fixture) {
			c.expectFilter(f, `emails[value ew ".net" or value sw "carol@"]`, f.b, f.cc)
		}),
		fcheck("filter-subattr", "sub-attribute name.familyName eq", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, `name.familyName eq "Brown"`, f.b) }),
		fcheck("filter-subattr-case", "string comparison is case-insensitive for caseExact false (name.familyName)", "RFC 7644 §3.4.2.2, RFC 7643 §2.2", func(c *tc, f *fixture) { c.expectFilter(f, `name.familyName eq "bROWN"`, f.b) }),
		fcheck("filter-co-case", "co is case-insensitive for caseExact false", "RFC 7644 §3.4.2.2, RFC 7643 §2.2", func(c *tc, f *fixture) { c.expectFilter(f, `name.familyName co "NDER"`, f.a) }),
		fcheck("filter-extension", "fully qualified enterprise attribute in a filter", "RFC 7644 §3.4.2.2, §3.10", func(c *tc, f *fixture) {
			c.expectFilter(f, schemaEnt+":employeeNumber eq "+quote(f.empA), f.a)
		}, FeatEnterprise),
		fcheck("filter-extension-ampersand", "a value containing & survives URL encoding", "RFC 7644 §3.4.2.2", func(c *tc, f *fixture) {
			c.expectFilter(f, schemaEnt+`:department eq "R&D"`, f.a)
		}, FeatEnterprise),
		fcheck("filter-core-urn", "attribute qualified with the core User URN", "RFC 7644 §3.10", func(c *tc, f *fixture) {
			c.expectFilter(f, schemaUser+":userName eq "+quote(f.prefix+"carol"), f.cc)
		}),
		fcheck("filter-meta-lastmodified", "meta.lastModified gt compares dateTimes", "RFC 7644 §3.4.2.2", func(c *tc, f *fixture) {
			c.expectFilter(f, "meta.lastModified gt "+quote(f.createdAt.Add(-time.Hour).UTC().Format(time.RFC3339)), f.a, f.b, f.cc)
			c.expectFilter(f, "meta.lastModified gt "+quote(time.Now().Add(24*time.Hour).UTC().Format(time.RFC3339)))
		}),
		fcheck("filter-meta-created", "meta.created lt compares dateTimes", "RFC 7644 §3.4.2.2", func(c *tc, f *fixture) {
			c.expectFilter(f, "meta.created lt "+quote(time.Now().Add(24*time.Hour).UTC().Format(time.RFC3339)), f.a, f.b, f.cc)
		}),
		fcheck("filter-plus-spaces", "'+' for spaces in the query string is decoded", "RFC 7644 §3.4.2.2, HTML form encoding", func(c *tc, f *fixture) {
			raw := "userName+eq+%22" + url.QueryEscape(f.prefix+"bob") + "%22"
			c.sameIDs(c.list("/Users?filter="+raw), "filter with + for spaces", idOf(f.b))
		}),
		fcheck("filter-percent20-spaces", "%20 for spaces in the query string is decoded", "RFC 7644 §3.4.2.2, RFC 3986", func(c *tc, f *fixture) {
			raw := strings.ReplaceAll(url.QueryEscape("userName eq "+quote(f.prefix+"bob")), "+", "%20")
			c.sameIDs(c.list("/Users?filter="+raw), "filter with %20 for spaces", idOf(f.b))
		}),
		fcheck("filter-literal-percent", "'%' in a value is matched literally", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, `displayName co "%"`, f.a) }),
		fcheck("filter-literal-underscore", "'_' in a value is matched literally", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, `displayName co "_"`, f.b) }),
		fcheck("filter-literal-sw-percent", "sw \"%\" matches only values starting with '%'", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, `displayName sw "%"`) }),
		fcheck("filter-literal-quote", "escaped quotes in a value are matched literally", "RFC 7644 §3.4.2.2, RFC 7159 §7", func(c *tc, f *fixture) { c.expectFilter(f, `displayName co "\"quoted\""`, f.cc) }),
		fcheck("filter-literal-backslash", "an escaped backslash in a value is matched literally", "RFC 7644 §3.4.2.2, RFC 7159 §7", func(c *tc, f *fixture) { c.expectFilter(f, `displayName co "\\"`, f.cc) }),
		fcheck("filter-operator-case", "operators are case-insensitive (EQ, Sw)", secFilter, func(c *tc, f *fixture) {
			c.sameIDs(c.filter("Users", "userName Sw "+quote(f.prefix)+" AND userName EQ "+quote(f.prefix+"alice")), "EQ/Sw/AND", idOf(f.a))
		}),
		fcheck("filter-attrname-case", "attribute names in filters are case-insensitive", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "USERNAME eq "+quote(f.prefix+"alice"), f.a) }),
		fcheck("filter-id-eq", "id eq finds the User", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "id eq "+quote(idOf(f.b)), f.b) }),
		fcheck("filter-externalid-eq", "externalId eq finds the User", secFilter, func(c *tc, f *fixture) { c.expectFilter(f, "externalId eq "+quote("Ext-"+f.prefix+"carol"), f.cc) }),
		Check{ID: "filter-no-match-200", Title: "a filter matching nothing answers 200 with totalResults 0", Section: secFilter, Profiles: rfc, Requires: []Feature{FeatFilter}, run: filterNoMatch},
		Check{ID: "filter-unknown-attr-400", Title: "an unknown attribute answers 400 invalidFilter", Section: "RFC 7644 §3.4.2.2, §3.12", Profiles: rfc, Requires: []Feature{FeatFilter}, run: filterBad(`scimconfNoSuchAttribute eq "x"`)},
		Check{ID: "filter-malformed-400", Title: "a filter missing its value answers 400 invalidFilter", Section: "RFC 7644 §3.4.2.2, §3.12", Profiles: rfc, Requires: []Feature{FeatFilter}, run: filterBad(`userName eq`)},
		Check{ID: "filter-unbalanced-paren-400", Title: "unbalanced parentheses answer 400 invalidFilter", Section: "RFC 7644 §3.4.2.2, §3.12", Profiles: rfc, Requires: []Feature{FeatFilter}, run: filterBad(`(userName eq "x"`)},
		Check{ID: "filter-bad-operator-400", Title: "an unknown operator answers 400 invalidFilter", Section: "RFC 7644 §3.4.2.2, §3.12", Profiles: rfc, Requires: []Feature{FeatFilter}, run: filterBad(`userName like "x"`)},
		Check{ID: "filter-unterminated-string-400", Title: "an unterminated string answers 400 invalidFilter", Section: "RFC 7644 §3.4.2.2, §3.12", Profiles: rfc, Requires: []Feature{FeatFilter}, run: filterBad(`userName eq "x`)},
		Check{ID: "filter-gt-boolean-400", Title: "gt on a boolean attribute answers 400 invalidFilter", Section: "RFC 7644 §3.4.2.2", Profiles: rfc, Requires: []Feature{FeatFilter}, run: filterBad(`active gt true`)},
		Check{ID: "filter-groups-co", Title: "Groups filter displayName co", Section: secFilter, Profiles: rfc, Mutates: true, Requires: []Feature{FeatFilter}, run: filterGroupsCo},
	)
}

func filterNoMatch(c *tc) {
	l := c.filter("Users", `userName eq "scimconf-no-such-user-7f3a9c"`)
	c.expect(l.total == 0, l.r, "totalResults: want 0, got %d", l.total)
	c.expect(len(l.items) == 0, l.r, "Resources must be absent or empty, got %d", len(l.items))
}

func filterBad(expr string) func(*tc) {
	return func(c *tc) {
		c.scimError(c.do("GET", "/Users"+q("filter", expr), nil), 400, "invalidFilter")
	}
}

func filterGroupsCo(c *tc) {
	g1 := c.mkGroup("alpha-team")
	c.mkGroup("beta-team")
	// a substring from inside the unique name: drop its first character
	l := c.filter("Groups", "displayName co "+quote(str(g1, "displayName")[1:]))
	c.sameIDs(l, "displayName co", idOf(g1))
}
