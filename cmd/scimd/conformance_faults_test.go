package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/scimd/scimd/conformance"
)

// fault is one bug of a SCIM server, emulated by rewriting HTTP around an
// unchanged scimd.
type fault struct {
	name string
	// catch lists checks of which at least one must FAIL under the fault.
	catch []string
	// keep lists checks that must still pass: the fault is narrow and does
	// not merely break the server as a whole.
	keep []string
	wrap func(http.Handler) http.Handler
}

// faults is the catalogue. Each comment names the rule the fault breaks.
var faults = []fault{
	{
		// RFC 7643 §4.1.1: userName is caseExact false, so RFC 7644
		// §3.4.2.2 "eq" must match it case-insensitively. The server
		// compares userName case-sensitively in filters.
		name:  "username-filter-case-sensitive",
		catch: []string{"uniq-username-filter-case", "okta-lookup-existing", "ro-user-filter-username"},
		keep:  []string{"filter-eq", "okta-lookup-before-create"},
		wrap: rewrite(nil, func(c *call) {
			f, _ := c.param("filter")
			m := userNameEq.FindStringSubmatch(f)
			if m == nil || c.out.status != 200 || !(c.is("GET", "/Users") || c.is("POST", "/Users/.search")) {
				return
			}
			var want string
			if json.Unmarshal([]byte(m[1]), &want) != nil {
				return
			}
			c.out.editList(func(l map[string]any) {
				var kept []any
				for _, r := range resources(l) {
					if r["userName"] == want {
						kept = append(kept, r)
					}
				}
				l["Resources"], l["totalResults"], l["itemsPerPage"] = kept, len(kept), len(kept)
			})
		}),
	},
	{
		// RFC 7644 §3.4.2: totalResults is the total number of results
		// the query matched. The server counts one too many.
		name:  "total-results-off-by-one",
		catch: []string{"filter-eq", "page-count", "filter-no-match-200", "entra-test-connection"},
		keep:  []string{"users-create-201"},
		wrap: rewrite(nil, func(c *call) {
			c.out.editList(func(l map[string]any) {
				if n, ok := l["totalResults"].(json.Number); ok {
					i, _ := n.Int64()
					l["totalResults"] = i + 1
				}
			})
		}),
	},
	{
		// RFC 7644 §3.9: excludedAttributes removes the named attributes
		// from the response. The server ignores the parameter.
		name:  "excluded-attributes-ignored",
		catch: []string{"proj-excluded", "proj-groups-excluded-members", "proj-list-excluded-members", "okta-group-lookup", "ro-group-excluded-members"},
		keep:  []string{"proj-attributes-only"},
		wrap: rewrite(func(c *call) {
			c.setParam("excludedAttributes", "", true)
		}, nil),
	},
	{
		// RFC 7644 §3.5.2.2: remove with a value filter path
		// (members[value eq "x"]) removes only the matching values. The
		// server drops the filter (and Entra's value list) and empties
		// the whole member list.
		name:  "member-remove-removes-all",
		catch: []string{"patch-group-remove-member-filter", "okta-group-remove-member", "entra-group-remove-members"},
		keep:  []string{"patch-group-add-member", "patch-group-remove-all-members"},
		wrap: rewrite(func(c *call) {
			if !c.is("PATCH", "/Groups/") {
				return
			}
			for _, o := range c.ops() {
				p, _ := o["path"].(string)
				op, _ := o["op"].(string)
				if !strings.EqualFold(op, "remove") || !strings.HasPrefix(strings.ToLower(p), "members") {
					continue
				}
				o["path"] = "members"
				delete(o, "value")
			}
		}, nil),
	},
	{
		// RFC 7644 §3.12: a 400 (and the 409 uniqueness error) carries the
		// scimType that says what is wrong. The server leaves it out.
		name:  "error-without-scimtype",
		catch: []string{"uniq-username-409", "filter-unknown-attr-400", "patch-bad-path-400", "err-malformed-json-post-400"},
		keep:  []string{"err-404-format"},
		wrap: rewrite(nil, func(c *call) {
			c.out.editError(func(m map[string]any) { delete(m, "scimType") })
		}),
	},
	{
		// RFC 7644 §3.12: the error "status" is the HTTP status code
		// "expressed as a JSON string". The server sends a number.
		name:  "error-status-number",
		catch: []string{"err-404-format", "auth-no-token-scim-error", "err-conflict-format", "users-get-404"},
		keep:  []string{"users-create-201"},
		wrap: rewrite(nil, func(c *call) {
			c.out.editError(func(m map[string]any) { m["status"] = c.out.status })
		}),
	},
	{
		// RFC 7644 §3.3: a successful POST answers 201 Created. The server
		// answers 200.
		name:  "create-answers-200",
		catch: []string{"users-create-201", "groups-create-201", "okta-create-user", "entra-group-create"},
		keep:  []string{"users-list-200", "users-get-404"},
		wrap: rewrite(nil, func(c *call) {
			if c.r.Method == http.MethodPost && c.out.status == http.StatusCreated {
				c.out.status = http.StatusOK
			}
		}),
	},
	{
		// RFC 7644 §3.14, RFC 7232 §3.1: a request with a stale If-Match
		// fails with 412 Precondition Failed. The server ignores If-Match.
		name:  "if-match-ignored",
		catch: []string{"etag-if-match-stale-put-412", "etag-if-match-stale-patch-412", "etag-if-match-stale-delete-412"},
		keep:  []string{"etag-if-match-current-put", "etag-if-none-match-304"},
		wrap:  rewrite(func(c *call) { c.r.Header.Del("If-Match") }, nil),
	},
	{
		// RFC 7644 §3.14: a server that supports versioning returns the
		// version in an ETag header. The server never sends it.
		name:  "no-etag-header",
		catch: []string{"etag-header-get", "etag-header-post", "etag-header-put", "etag-header-patch"},
		keep:  []string{"etag-meta-version"},
		wrap:  rewrite(nil, func(c *call) { c.out.header.Del("ETag") }),
	},
	{
		// RFC 7644 §3.3: a 201 "SHALL" carry a Location header with the
		// resource's URI. The server leaves it out.
		name:  "no-location-on-create",
		catch: []string{"users-create-location", "groups-create-201"},
		keep:  []string{"users-create-201"},
		wrap: rewrite(nil, func(c *call) {
			if c.out.status == http.StatusCreated {
				c.out.header.Del("Location")
			}
		}),
	},
	{
		// RFC 7643 §4.1.1, §7: password has returned "never". The server
		// returns the stored password hash with every User.
		name:  "password-returned",
		catch: []string{"mut-password-not-returned-post", "mut-password-not-returned-get", "mut-password-not-returned-list", "proj-password-never", "okta-get-user", "ro-user-no-password"},
		keep:  []string{"users-create-echo"},
		wrap: rewrite(nil, func(c *call) {
			c.out.editResources(func(r map[string]any) {
				if hasSchema(r, userURN) {
					r["password"] = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
				}
			})
		}),
	},
	{
		// RFC 7644 §3.4.2.4: startIndex is the 1-based index of the first
		// result. The server ignores it and always serves the first page.
		name:  "start-index-ignored",
		catch: []string{"page-startindex", "page-all-once", "sort-with-paging", "page-startindex-beyond", "search-paging"},
		keep:  []string{"page-count"},
		wrap:  rewrite(func(c *call) { c.setParam("startIndex", "", true) }, nil),
	},
	{
		// RFC 7644 §3.4.2: itemsPerPage is the number of resources returned
		// in this page. The server puts totalResults there.
		name:  "items-per-page-is-total",
		catch: []string{"page-count", "page-itemsperpage"},
		keep:  []string{"page-startindex"},
		wrap: rewrite(nil, func(c *call) {
			c.out.editList(func(l map[string]any) {
				if _, ok := l["itemsPerPage"]; ok {
					l["itemsPerPage"] = l["totalResults"]
				}
			})
		}),
	},
	{
		// Entra ID sends booleans as strings ("value":"False"); RFC 7643
		// §2.3.2 types active as boolean, and Entra-compatible servers
		// accept the strings. The server answers 400 invalidValue.
		name:  "entra-string-booleans-refused",
		catch: []string{"entra-patch-active-string-false", "entra-patch-active-string-true"},
		keep:  []string{"entra-patch-capitalised-ops", "okta-patch-deactivate"},
		wrap: rewrite(func(c *call) {
			if c.r.Method != http.MethodPatch {
				return
			}
			for _, o := range c.ops() {
				if stringBool(o["value"]) {
					c.out = scimError(400, "invalidValue", "a boolean must be a JSON boolean, not a string")
					return
				}
			}
		}, nil),
	},
	{
		// RFC 7644 §3.5.2 names the ops "add", "remove", "replace"; Entra
		// ID sends "Add", "Replace", "Remove" and servers accept them
		// case-insensitively. The server refuses capitalised ops.
		name:  "capitalised-patch-ops-refused",
		catch: []string{"entra-patch-capitalised-ops", "entra-patch-multiple-ops", "entra-group-add-members"},
		keep:  []string{"patch-replace-path", "okta-group-add-members"},
		wrap: rewrite(func(c *call) {
			if c.r.Method != http.MethodPatch {
				return
			}
			for _, o := range c.ops() {
				if op, _ := o["op"].(string); op != strings.ToLower(op) {
					c.out = scimError(400, "invalidSyntax", "unknown op "+op)
					return
				}
			}
		}, nil),
	},
	{
		// RFC 9865 §2.2: the page holding the last result has no
		// nextCursor. The server always hands out one more cursor, which
		// leads to another empty page with a cursor.
		name:  "cursor-never-ends",
		catch: []string{"cursor-last-page", "cursor-walk-all", "cursor-search-post"},
		keep:  []string{"cursor-first-page"},
		wrap: rewrite(func(c *call) {
			if v, _ := c.param("cursor"); v == endlessCursor {
				c.out = &reply{status: 200, header: http.Header{"Content-Type": {"application/scim+json"}}}
				c.out.setJSON(map[string]any{"schemas": []any{listResponseURN}, "Resources": []any{}, "itemsPerPage": 0, "nextCursor": endlessCursor})
			}
		}, func(c *call) {
			if _, ok := c.param("cursor"); ok {
				c.out.editList(func(l map[string]any) {
					if l["nextCursor"] == nil || l["nextCursor"] == "" {
						l["nextCursor"] = endlessCursor
					}
				})
			}
		}),
	},
	{
		// RFC 9865 §2.1, §2.3: cursor selects the page to return, and an
		// invalid cursor answers 400 invalidCursor. The server ignores the
		// value and serves the first page again.
		name:  "cursor-value-ignored",
		catch: []string{"cursor-walk-all", "cursor-count-honoured", "cursor-invalid-400"},
		keep:  []string{"cursor-first-page", "cursor-last-page"},
		wrap: rewrite(func(c *call) {
			if v, ok := c.param("cursor"); ok && v != "" {
				c.setParam("cursor", "", false)
			}
		}, nil),
	},
	{
		// RFC 7235 §3.1, RFC 6750 §3: a 401 carries a WWW-Authenticate
		// challenge. The server sends a bare 401.
		name:  "401-without-www-authenticate",
		catch: []string{"auth-no-token-www-authenticate"},
		keep:  []string{"auth-no-token-401", "auth-no-token-scim-error"},
		wrap: rewrite(nil, func(c *call) {
			if c.out.status == http.StatusUnauthorized {
				c.out.header.Del("WWW-Authenticate")
			}
		}),
	},
	{
		// RFC 7644 §3.12: errors are JSON bodies with the Error schema.
		// The server answers errors as text/plain sentences.
		name:  "errors-as-text-plain",
		catch: []string{"err-404-format", "media-error-json", "auth-no-token-scim-error", "users-get-404", "err-conflict-format"},
		keep:  []string{"users-create-201"},
		wrap: rewrite(nil, func(c *call) {
			if m := c.out.json(); c.out.status >= 400 && m != nil {
				c.out.header.Set("Content-Type", "text/plain; charset=utf-8")
				c.out.body = []byte(strings.TrimSpace(jsonText(m["detail"])) + "\n")
			}
		}),
	},
	{
		// RFC 7643 §3.1: meta.location is the URI of the resource, the same
		// as the Location header. The server leaves it out.
		name:  "meta-location-missing",
		catch: []string{"users-get-location-header", "users-create-location", "groups-meta", "ro-user-meta"},
		keep:  []string{"users-create-201"},
		wrap: rewrite(nil, func(c *call) {
			if c.out.status < 300 {
				c.out.editResources(func(r map[string]any) {
					if meta, ok := r["meta"].(map[string]any); ok {
						delete(meta, "location")
					}
				})
			}
		}),
	},
	{
		// RFC 7644 §3.6: a successful DELETE answers 204 No Content. The
		// server answers 200 with a JSON message.
		name:  "delete-answers-200-with-body",
		catch: []string{"users-delete-204", "groups-delete-204", "okta-group-delete", "entra-delete-user"},
		keep:  []string{"users-get-200"},
		wrap: rewrite(nil, func(c *call) {
			if c.r.Method == http.MethodDelete && c.out.status == http.StatusNoContent {
				c.out.status = http.StatusOK
				c.out.header.Set("Content-Type", "application/json")
				c.out.setJSON(map[string]any{"message": "deleted"})
			}
		}),
	},
	{
		// RFC 7644 §3.4.2: a query response carries "schemas" with the
		// ListResponse URN. The server leaves schemas out.
		name:  "list-without-schemas",
		catch: []string{"users-list-200", "groups-list-200", "search-users-post", "okta-lookup-before-create", "okta-list-users"},
		keep:  []string{"users-get-200"},
		wrap: rewrite(nil, func(c *call) {
			c.out.editList(func(l map[string]any) { delete(l, "schemas") })
		}),
	},
	{
		// RFC 7644 §3.4.2.3: sortBy and sortOrder order the results. The
		// server advertises sort support but ignores both parameters.
		name:  "sort-ignored",
		catch: []string{"sort-ascending", "sort-descending", "sort-subattribute", "search-sort", "ro-sort-username"},
		keep:  []string{"page-count"},
		wrap: rewrite(func(c *call) {
			c.setParam("sortBy", "", true)
			c.setParam("sortOrder", "", true)
		}, nil),
	},
	{
		// RFC 7644 §3.4.2.4: count is the maximum number of results per
		// page. The server ignores it and returns its default page.
		name:  "count-ignored",
		catch: []string{"page-count", "page-count-zero", "cursor-count-honoured", "search-paging", "ro-paging-walk"},
		keep:  []string{"page-startindex-zero"},
		wrap:  rewrite(func(c *call) { c.setParam("count", "", true) }, nil),
	},
	{
		// RFC 7644 §3.1, §8.1: SCIM responses use the media type
		// application/scim+json. The server labels them application/json.
		name:  "content-type-application-json",
		catch: []string{"media-response-scim-json", "disc-spc-content-type"},
		keep:  []string{"users-create-201"},
		wrap: rewrite(nil, func(c *call) {
			if strings.HasPrefix(c.out.header.Get("Content-Type"), "application/scim+json") {
				c.out.header.Set("Content-Type", "application/json")
			}
		}),
	},
	{
		// RFC 7644 §3.4.2.2: filter restricts the results to the matching
		// resources. The server advertises filter support but ignores it.
		name:  "filter-ignored",
		catch: []string{"filter-eq", "filter-no-match-200", "entra-test-connection", "okta-lookup-before-create"},
		keep:  []string{"users-list-200"},
		wrap:  rewrite(func(c *call) { c.setParam("filter", "", true) }, nil),
	},
	{
		// RFC 7644 §3.14, RFC 7232 §2.3: the entity tag changes whenever
		// the resource changes. The server sends one constant version.
		name:  "etag-never-changes",
		catch: []string{"etag-changes-on-update", "etag-group-member-change", "etag-if-match-current-put"},
		keep:  []string{"etag-syntax"},
		wrap: rewrite(nil, func(c *call) {
			if c.out.header.Get("ETag") != "" {
				c.out.header.Set("ETag", `W/"scimfault-v0"`)
			}
			c.out.editResources(func(r map[string]any) {
				if meta, ok := r["meta"].(map[string]any); ok && meta["version"] != nil {
					meta["version"] = `W/"scimfault-v0"`
				}
			})
		}),
	},
}

// TestConformanceCatchesFaults proves the conformance suite finds bugs: for
// each fault, scimd runs behind a middleware that injects it, and at least
// one of the checks named for the fault must fail, while the checks named
// as unaffected still pass. A control run through an identity rewrite shows
// that the rewriting itself breaks nothing.
func TestConformanceCatchesFaults(t *testing.T) {
	known := map[string]bool{}
	for _, ch := range conformance.Checks() {
		known[ch.ID] = true
	}
	var all []string
	for _, f := range faults {
		for _, id := range slices.Concat(f.catch, f.keep) {
			if !known[id] {
				t.Errorf("fault %s names check %q, which the suite does not have", f.name, id)
			}
			all = append(all, id)
		}
	}
	t.Run("control", func(t *testing.T) {
		t.Parallel()
		rep := runChecks(t, rewrite(func(*call) {}, func(c *call) { c.out.editResources(func(map[string]any) {}) }), all)
		for _, r := range rep.Results {
			if r.Status == conformance.Fail || (r.Status == conformance.Skip && !expectedSkip(r)) {
				t.Errorf("%s %s without a fault: %s", r.Status, r.ID, failureText(r))
			}
		}
	})
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			rep := runChecks(t, f.wrap, slices.Concat(f.catch, f.keep))
			status := map[string]conformance.Result{}
			for _, r := range rep.Results {
				status[r.ID] = r
			}
			var caught []string
			for _, id := range f.catch {
				if r, ok := status[id]; ok && r.Status == conformance.Fail {
					caught = append(caught, id)
					t.Logf("caught by %s: %s", id, failureText(r))
				} else if ok {
					t.Logf("not caught by %s (%s %s)", id, r.Status, r.SkipReason)
				} else {
					t.Errorf("check %s did not run", id)
				}
			}
			if len(caught) == 0 {
				t.Errorf("fault %s went unnoticed: none of %v failed", f.name, f.catch)
			}
			for _, id := range f.keep {
				if r, ok := status[id]; !ok || r.Status != conformance.Pass {
					t.Errorf("fault %s should leave %s passing, got %s: %s", f.name, id, r.Status, failureText(r))
				}
			}
		})
	}
}
