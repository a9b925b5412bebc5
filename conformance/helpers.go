package conformance

import (
	"context"
	"fmt"
	"mime"
	"net/url"
	"strings"
)

// ---- service provider discovery (cached per run)

func (e *env) getJSON(ctx context.Context, path string) (map[string]any, error) {
	c := &tc{ctx: ctx, env: e}
	r, err := c.send(ctx, "GET", path, nil, false)
	if err != nil {
		return nil, err
	}
	if r.Status != 200 || r.obj == nil {
		return nil, fmt.Errorf("GET %s answered %d", path, r.Status)
	}
	return r.obj, nil
}

func (e *env) serviceProviderConfig(ctx context.Context) (map[string]any, error) {
	e.spcOnce.Do(func() { e.spc, e.spcErr = e.getJSON(ctx, "/ServiceProviderConfig") })
	return e.spc, e.spcErr
}

func (e *env) resourceTypes(ctx context.Context) ([]map[string]any, error) {
	e.rtOnce.Do(func() {
		m, err := e.getJSON(ctx, "/ResourceTypes")
		if err != nil {
			e.rtErr = err
			return
		}
		e.rts = objs(m, "Resources")
	})
	return e.rts, e.rtErr
}

func (e *env) allSchemas(ctx context.Context) ([]map[string]any, error) {
	e.schOnce.Do(func() {
		m, err := e.getJSON(ctx, "/Schemas")
		if err != nil {
			e.schErr = err
			return
		}
		e.schemas = objs(m, "Resources")
	})
	return e.schemas, e.schErr
}

// feature reports whether f is available and, if not, why.
func (e *env) feature(ctx context.Context, f Feature) (bool, string) {
	if f == FeatEnterprise {
		rts, err := e.resourceTypes(ctx)
		if err != nil {
			return false, "cannot read /ResourceTypes: " + err.Error()
		}
		for _, rt := range rts {
			if str(rt, "name") == "User" || str(rt, "id") == "User" {
				for _, ext := range objs(rt, "schemaExtensions") {
					if str(ext, "schema") == schemaEnt {
						return true, ""
					}
				}
			}
		}
		return false, "User resource type declares no enterprise extension"
	}
	spc, err := e.serviceProviderConfig(ctx)
	if err != nil {
		return false, "cannot read /ServiceProviderConfig: " + err.Error()
	}
	var ok bool
	switch f {
	case FeatCursor:
		ok, _ = boolean(spc, "pagination", "cursor")
		if !ok {
			return false, "SPC says cursor pagination unsupported (pagination.cursor not true)"
		}
		return true, ""
	default:
		ok, _ = boolean(spc, string(f), "supported")
	}
	if !ok {
		return false, fmt.Sprintf("SPC says %s unsupported", f)
	}
	return true, ""
}

func (c *tc) spc() map[string]any {
	m, err := c.env.serviceProviderConfig(c.ctx)
	if err != nil {
		c.fatalf(nil, "cannot read /ServiceProviderConfig: %v", err)
	}
	return m
}

func (c *tc) has(f Feature) bool {
	ok, _ := c.env.feature(c.ctx, f)
	return ok
}

func (c *tc) needs(f Feature) {
	if ok, why := c.env.feature(c.ctx, f); !ok {
		c.skipf("%s", why)
	}
}

// ---- assertions

func (c *tc) status(r *resp, codes ...int) {
	for _, code := range codes {
		if r.Status == code {
			c.expect(true, r, "")
			return
		}
	}
	c.fatalf(r, "%s %s: want HTTP status %v, got %d", r.ex.Method, r.ex.URL, codes, r.Status)
}

// scimError asserts r is a SCIM error (RFC 7644 §3.12) with the given
// HTTP status and, when scimTypes is not empty, one of those scimType values.
func (c *tc) scimError(r *resp, code int, scimTypes ...string) {
	c.status(r, code)
	c.errorBody(r, scimTypes...)
}

func (c *tc) errorBody(r *resp, scimTypes ...string) {
	c.must(r.obj != nil, r, "error response body is not a JSON object (RFC 7644 §3.12)")
	c.expect(containsString(arr(r.obj, "schemas"), msgError), r, "error schemas must contain %q, got %s", msgError, compact(get(r.obj, "schemas")))
	st, isStr := get(r.obj, "status").(string)
	c.expect(isStr, r, "error \"status\" must be a JSON string, got %s", compact(get(r.obj, "status")))
	if isStr {
		c.expect(st == fmt.Sprint(r.Status), r, "error status %q does not equal the HTTP status %d", st, r.Status)
	}
	if d, ok := field(r.obj, "detail"); ok && d != nil {
		_, isStr := d.(string)
		c.expect(isStr, r, "error \"detail\" must be a string, got %s", compact(d))
	}
	if len(scimTypes) > 0 {
		got := str(r.obj, "scimType")
		ok := false
		for _, s := range scimTypes {
			if got == s {
				ok = true
			}
		}
		c.expect(ok, r, "want scimType %s, got %q", strings.Join(scimTypes, " or "), got)
	}
}

func (c *tc) jsonContentType(r *resp) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	c.expect(err == nil && (mt == mediaSCIM || mt == mediaJSON), r, "Content-Type must be %s (or application/json), got %q", mediaSCIM, r.Header.Get("Content-Type"))
}

func (c *tc) eq(r *resp, got, want any, what string) bool {
	return c.expect(fmt.Sprint(got) == fmt.Sprint(want), r, "%s: want %s, got %s", what, compact(want), compact(got))
}

// ---- resources

func (c *tc) userBody(suffix string) map[string]any {
	u := c.name(suffix)
	return map[string]any{
		"schemas":  []any{schemaUser},
		"userName": u,
		"name":     map[string]any{"givenName": "Given" + suffix, "familyName": "Family" + suffix},
		"emails":   []any{map[string]any{"value": u + "@example.com", "type": "work", "primary": true}},
		"active":   true,
	}
}

func (c *tc) cleanupResource(path string) {
	c.cleanup(func(ctx context.Context) error {
		r, err := c.send(ctx, "DELETE", path, nil, false)
		if err != nil {
			return fmt.Errorf("cleanup DELETE %s: %v", path, err)
		}
		if r.Status != 204 && r.Status != 200 && r.Status != 404 {
			return fmt.Errorf("cleanup DELETE %s answered %d; the resource may be left behind", path, r.Status)
		}
		return nil
	})
}

// create POSTs body to /Users or /Groups, requires 201 and schedules deletion.
func (c *tc) create(typ string, body any) (map[string]any, *resp) {
	r := c.do("POST", "/"+typ, body)
	if r.Status == 201 || r.Status == 200 {
		if id := str(r.obj, "id"); id != "" {
			c.cleanupResource("/" + typ + "/" + url.PathEscape(id))
		}
	}
	c.must(r.Status == 201, r, "POST /%s: want 201 Created, got %d", typ, r.Status)
	c.must(str(r.obj, "id") != "", r, "POST /%s: response has no id", typ)
	return r.obj, r
}

func (c *tc) createUser(body map[string]any) map[string]any {
	u, _ := c.create("Users", body)
	return u
}

func (c *tc) mkUser(suffix string) map[string]any { return c.createUser(c.userBody(suffix)) }

func (c *tc) groupBody(suffix string, memberIDs ...string) map[string]any {
	members := []any{}
	for _, id := range memberIDs {
		members = append(members, map[string]any{"value": id})
	}
	return map[string]any{"schemas": []any{schemaGroup}, "displayName": c.name(suffix), "members": members}
}

func (c *tc) mkGroup(suffix string, memberIDs ...string) map[string]any {
	g, _ := c.create("Groups", c.groupBody(suffix, memberIDs...))
	return g
}

func idOf(m map[string]any) string { return str(m, "id") }

func (c *tc) get(typ, rid string, query ...string) (map[string]any, *resp) {
	p := "/" + typ + "/" + url.PathEscape(rid)
	if len(query) > 0 {
		p += q(query...)
	}
	r := c.do("GET", p, nil)
	c.must(r.Status == 200, r, "GET %s: want 200, got %d", p, r.Status)
	c.must(r.obj != nil, r, "GET %s: body is not a JSON object", p)
	return r.obj, r
}

func patchBody(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	return map[string]any{"schemas": []any{msgPatch}, "Operations": list}
}

func op(o, path string, value any) map[string]any {
	m := map[string]any{"op": o}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}

func (c *tc) patch(typ, rid string, ops ...map[string]any) *resp {
	return c.do("PATCH", "/"+typ+"/"+url.PathEscape(rid), patchBody(ops...))
}

// patchOK sends a PATCH, requires 200 or 204 (RFC 7644 §3.5.2) and returns the
// resource as re-read with GET.
func (c *tc) patchOK(typ, rid string, ops ...map[string]any) map[string]any {
	r := c.patch(typ, rid, ops...)
	c.must(r.Status == 200 || r.Status == 204, r, "PATCH: want 200 or 204, got %d", r.Status)
	m, _ := c.get(typ, rid)
	return m
}

// listResult is a parsed ListResponse.
type listResult struct {
	r     *resp
	total int
	items []map[string]any
}

// list GETs path, requires 200 and a ListResponse with totalResults.
func (c *tc) list(path string, opts ...reqOpt) *listResult {
	r := c.do("GET", path, nil, opts...)
	return c.parseList(r)
}

func (c *tc) parseList(r *resp) *listResult { return c.parseListTotal(r, true) }

// parseListTotal parses a ListResponse; with needTotal false a missing
// totalResults is accepted (RFC 9865 §2: cursor paging MAY omit it) and
// reported as -1.
func (c *tc) parseListTotal(r *resp, needTotal bool) *listResult {
	c.must(r.Status == 200, r, "%s %s: want 200, got %d", r.ex.Method, r.ex.URL, r.Status)
	c.must(r.obj != nil, r, "list response is not a JSON object")
	total, ok := num(r.obj, "totalResults")
	if !ok && !needTotal && get(r.obj, "totalResults") == nil {
		total, ok = -1, true
	}
	c.must(ok, r, "list response lacks integer totalResults (RFC 7644 §3.4.2)")
	return &listResult{r: r, total: total, items: objs(r.obj, "Resources")}
}

// filter GETs /typ?filter=f plus extra query pairs.
func (c *tc) filter(typ, f string, extra ...string) *listResult {
	return c.list("/" + typ + q(append([]string{"filter", f}, extra...)...))
}

func ids(items []map[string]any) map[string]int {
	out := map[string]int{}
	for _, it := range items {
		out[str(it, "id")]++
	}
	return out
}

// sameIDs asserts the list holds exactly the wanted ids.
func (c *tc) sameIDs(l *listResult, what string, want ...string) {
	got := ids(l.items)
	ok := len(l.items) == len(want) && l.total == len(want)
	for _, w := range want {
		if got[w] != 1 {
			ok = false
		}
	}
	var names []string
	for _, it := range l.items {
		names = append(names, str(it, "userName")+str(it, "displayName"))
	}
	c.expect(ok, l.r, "%s: want exactly %d resource(s) %v, got totalResults=%d and %d resource(s) %v", what, len(want), want, l.total, len(l.items), names)
}

func findByAttr(items []map[string]any, key, val string) map[string]any {
	for _, it := range items {
		if strings.EqualFold(str(it, key), val) {
			return it
		}
	}
	return nil
}

func memberIDs(g map[string]any) map[string]int {
	out := map[string]int{}
	for _, m := range objs(g, "members") {
		out[str(m, "value")]++
	}
	return out
}
