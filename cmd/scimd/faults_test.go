package main

// The HTTP rewriting machinery of TestConformanceCatchesFaults: a fault is a
// middleware in front of an unchanged scimd that rewrites requests before
// scimd sees them and responses before the client does, so that scimd
// behaves like a SCIM server with one particular bug.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/scimd/scimd/conformance"
	"github.com/scimd/scimd/scim"
)

const (
	listResponseURN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	errorURN        = "urn:ietf:params:scim:api:messages:2.0:Error"
	userURN         = "urn:ietf:params:scim:schemas:core:2.0:User"
)

// call is one request passing through a fault.
type call struct {
	r   *http.Request
	in  map[string]any // the JSON request body; nil when there is none or it is not a JSON object
	out *reply         // the response; a request hook that sets it answers without asking scimd
}

// reply is a buffered response.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// path is the request path below the SCIM base URL, e.g. "/Users/123".
func (c *call) path() string { return strings.TrimPrefix(c.r.URL.Path, scim.BasePath) }

// is reports whether the request has this method and its path this prefix.
func (c *call) is(method, pathPrefix string) bool {
	return c.r.Method == method && strings.HasPrefix(c.path(), pathPrefix)
}

// param is a query parameter, or for POST .search the body member of that
// name (RFC 7644 §3.4.3); ok reports whether it was sent at all.
func (c *call) param(name string) (v string, ok bool) {
	if q := c.r.URL.Query(); q.Has(name) {
		return q.Get(name), true
	}
	if strings.HasSuffix(c.path(), "/.search") && c.in != nil {
		if x, ok := c.in[name]; ok {
			return strings.Trim(jsonText(x), `"`), true
		}
	}
	return "", false
}

// setParam replaces (or, with drop, removes) a query parameter and the
// body member of a POST .search.
func (c *call) setParam(name, v string, drop bool) {
	q := c.r.URL.Query()
	if q.Has(name) {
		if drop {
			q.Del(name)
		} else {
			q.Set(name, v)
		}
		c.r.URL.RawQuery = q.Encode()
	}
	if strings.HasSuffix(c.path(), "/.search") && c.in != nil {
		if _, ok := c.in[name]; ok {
			if drop {
				delete(c.in, name)
			} else {
				c.in[name] = v
			}
		}
	}
}

// ops returns the operations of a PATCH request body.
func (c *call) ops() []map[string]any {
	var out []map[string]any
	if c.in == nil {
		return nil
	}
	list, _ := c.in["Operations"].([]any)
	for _, o := range list {
		if m, ok := o.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// json decodes the response body; nil when it is not a JSON object.
func (r *reply) json() map[string]any {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return nil
	}
	return m
}

// setJSON replaces the response body.
func (r *reply) setJSON(m any) {
	r.body, _ = json.Marshal(m)
}

// hasSchema reports whether the JSON document lists the schema URN.
func hasSchema(m map[string]any, urn string) bool {
	list, _ := m["schemas"].([]any)
	for _, s := range list {
		if s == urn {
			return true
		}
	}
	return false
}

// editList changes a ListResponse body in place.
func (r *reply) editList(f func(m map[string]any)) {
	if m := r.json(); m != nil && hasSchema(m, listResponseURN) {
		f(m)
		r.setJSON(m)
	}
}

// editError changes a SCIM error body in place.
func (r *reply) editError(f func(m map[string]any)) {
	if m := r.json(); r.status >= 400 && m != nil && hasSchema(m, errorURN) {
		f(m)
		r.setJSON(m)
	}
}

// resources returns the resource objects of a response: the document itself
// or the Resources of a ListResponse.
func resources(m map[string]any) []map[string]any {
	if !hasSchema(m, listResponseURN) {
		return []map[string]any{m}
	}
	var out []map[string]any
	list, _ := m["Resources"].([]any)
	for _, x := range list {
		if r, ok := x.(map[string]any); ok {
			out = append(out, r)
		}
	}
	return out
}

// editResources changes every resource object of a JSON response in place.
func (r *reply) editResources(f func(res map[string]any)) {
	m := r.json()
	if m == nil {
		return
	}
	for _, res := range resources(m) {
		f(res)
	}
	r.setJSON(m)
}

// scimError is a SCIM error response (RFC 7644 §3.12) a fault answers with.
func scimError(status int, scimType, detail string) *reply {
	m := map[string]any{"schemas": []any{errorURN}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		m["scimType"] = scimType
	}
	r := &reply{status: status, header: http.Header{"Content-Type": {"application/scim+json"}}}
	r.setJSON(m)
	return r
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// rewrite builds a fault middleware. onRequest may change c.r (headers,
// query) and c.in, or answer by itself by setting c.out; onResponse may
// change c.out. Either may be nil. A request body that onRequest may have
// changed is re-encoded, and Content-Length is set to the final bodies.
func rewrite(onRequest, onResponse func(c *call)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, _ := io.ReadAll(r.Body)
			c := &call{r: r}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&c.in); err != nil || dec.More() {
				c.in = nil
			}
			if onRequest != nil {
				onRequest(c)
				if c.in != nil {
					raw, _ = json.Marshal(c.in)
				}
			}
			if c.out == nil {
				c.r.Body = io.NopCloser(bytes.NewReader(raw))
				c.r.ContentLength = int64(len(raw))
				if c.r.Header.Get("Content-Length") != "" {
					c.r.Header.Set("Content-Length", strconv.Itoa(len(raw)))
				}
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, c.r)
				c.out = &reply{status: rec.Code, header: rec.Result().Header, body: rec.Body.Bytes()}
				if onResponse != nil {
					onResponse(c)
				}
			}
			for k, v := range c.out.header {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			if c.out.status != http.StatusNoContent && c.out.status != http.StatusNotModified {
				w.Header().Set("Content-Length", strconv.Itoa(len(c.out.body)))
			}
			w.WriteHeader(c.out.status)
			w.Write(c.out.body)
		})
	}
}

// userNameEq matches the filter Okta and Entra send to look a user up.
var userNameEq = regexp.MustCompile(`(?i)^\s*userName\s+eq\s+("(?:[^"\\]|\\.)*")\s*$`)

// stringBool reports whether v holds a boolean sent as a string ("False"),
// directly or in a member of an object.
func stringBool(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.EqualFold(x, "true") || strings.EqualFold(x, "false")
	case map[string]any:
		for _, y := range x {
			if stringBool(y) {
				return true
			}
		}
	}
	return false
}

// endlessCursor is the nextCursor the cursor-never-ends fault hands out.
const endlessCursor = "scimfault-more"

// runChecks runs the named checks against a fresh scimd (SQLite) behind wrap.
func runChecks(t *testing.T, wrap func(http.Handler) http.Handler, ids []string) *conformance.Report {
	t.Helper()
	url, token := startScimd(t, "sqlite", wrap)
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = regexp.QuoteMeta(id)
	}
	rep, err := conformance.Execute(context.Background(), conformance.Target{
		URL: url, Token: token, Profile: conformance.ProfileAll,
		Run:         "^(" + strings.Join(quoted, "|") + ")$",
		Parallelism: 4,
	})
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	return rep
}

// failureText is the first failure message of a result, for test logs.
func failureText(r conformance.Result) string {
	if len(r.Failures) == 0 {
		return r.SkipReason
	}
	return r.Failures[0].Message
}
