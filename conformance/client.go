package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	mediaSCIM      = "application/scim+json"
	mediaJSON      = "application/json"
	schemaUser     = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaGroup    = "urn:ietf:params:scim:schemas:core:2.0:Group"
	schemaEnt      = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	schemaSPC      = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaRT       = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema   = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	msgList        = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	msgError       = "urn:ietf:params:scim:api:messages:2.0:Error"
	msgPatch       = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	msgSearch      = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	msgBulkRequest = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	msgBulkResp    = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
	maxBodyRecord  = 256 << 10
)

// tc is the per-check context handed to every check function.
type tc struct {
	ctx        context.Context
	env        *env
	check      *Check
	n          int64
	mu         sync.Mutex
	exchanges  []*Exchange
	failures   []Failure
	skipReason string
	cleanups   []func(context.Context) error
	asserts    int
	names      int
}

// resp is a received response.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
	obj    map[string]any
	isJSON bool
	ex     *Exchange
}

type reqOpt func(*http.Request)

func hdr(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

// noAuth removes the Authorization header.
func noAuth() reqOpt { return func(r *http.Request) { r.Header.Del("Authorization") } }

func (c *tc) addFailure(msg string, ex *Exchange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures = append(c.failures, Failure{Message: msg, Exchange: ex})
}

func (c *tc) lastExchange() *Exchange {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.exchanges) == 0 {
		return nil
	}
	return c.exchanges[len(c.exchanges)-1]
}

// fatalf records a failure against r (or the last exchange) and stops the check.
func (c *tc) fatalf(r *resp, format string, args ...any) {
	c.errorf(r, format, args...)
	panic(abort{})
}

// errorf records a failure against r (or the last exchange when r is nil).
func (c *tc) errorf(r *resp, format string, args ...any) {
	var ex *Exchange
	if r != nil {
		ex = r.ex
	} else {
		ex = c.lastExchange()
	}
	c.mu.Lock()
	c.asserts++
	c.mu.Unlock()
	c.addFailure(fmt.Sprintf(format, args...), ex)
}

// skipf stops the check and reports it as skipped.
func (c *tc) skipf(format string, args ...any) {
	c.skipReason = fmt.Sprintf(format, args...)
	panic(abort{})
}

// expect records an assertion; on !ok it records a failure.
func (c *tc) expect(ok bool, r *resp, format string, args ...any) bool {
	c.mu.Lock()
	c.asserts++
	c.mu.Unlock()
	if !ok {
		c.errorf(r, format, args...)
	}
	return ok
}

// must is expect that stops the check on failure.
func (c *tc) must(ok bool, r *resp, format string, args ...any) {
	if !c.expect(ok, r, format, args...) {
		panic(abort{})
	}
}

func (c *tc) cleanup(f func(ctx context.Context) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cleanups = append(c.cleanups, f)
}

// runCleanups runs the registered cleanups in reverse order, even after a
// failure or timeout, and returns what could not be cleaned up.
func (c *tc) runCleanups() []string {
	var problems []string
	for i := len(c.cleanups) - 1; i >= 0; i-- {
		func() {
			defer func() {
				if r := recover(); r != nil {
					problems = append(problems, fmt.Sprint(r))
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := c.cleanups[i](ctx); err != nil {
				problems = append(problems, err.Error())
			}
		}()
	}
	return problems
}

// name returns a unique, lower-case resource name for this check.
func (c *tc) name(suffix string) string {
	c.mu.Lock()
	c.names++
	n := c.names
	c.mu.Unlock()
	return fmt.Sprintf("%s%d-%d-%s", c.env.prefix, c.n, n, suffix)
}

// url resolves a path relative to the SCIM base URL.
func (c *tc) url(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return c.env.base + path
}

// do sends one request. body may be nil, a string or []byte (sent as is), or
// any other value (JSON-encoded). A transport error stops the check.
func (c *tc) do(method, path string, body any, opts ...reqOpt) *resp {
	r, err := c.send(c.ctx, method, path, body, true, opts...)
	if err != nil {
		c.fatalf(nil, "%s %s: request failed: %v", method, c.url(path), err)
	}
	return r
}

func (c *tc) send(ctx context.Context, method, path string, body any, record bool, opts ...reqOpt) (*resp, error) {
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		raw, err = json.Marshal(b)
		if err != nil {
			return nil, err
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", mediaSCIM)
	if c.env.target.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.env.target.Token)
	}
	if body != nil {
		req.Header.Set("Content-Type", mediaSCIM)
	}
	for _, o := range opts {
		o(req)
	}
	ex := &Exchange{Method: method, URL: req.URL.String(), RequestHeaders: redact(req.Header, c.env.target.Token), RequestBody: clip(raw)}
	if record {
		c.mu.Lock()
		c.exchanges = append(c.exchanges, ex)
		c.mu.Unlock()
	}
	start := time.Now()
	hr, err := c.env.client.Do(req)
	ex.Duration = time.Since(start)
	if err != nil {
		ex.Error = err.Error()
		return nil, err
	}
	defer hr.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hr.Body, 16<<20))
	if err != nil {
		ex.Error = err.Error()
		return nil, err
	}
	ex.Status = hr.StatusCode
	ex.ResponseHeaders = hr.Header.Clone()
	ex.ResponseBody = clip(data)
	r := &resp{Status: hr.StatusCode, Header: hr.Header, Body: data, ex: ex}
	if len(bytes.TrimSpace(data)) > 0 {
		var v any
		if json.Unmarshal(data, &v) == nil {
			r.isJSON = true
			r.obj, _ = v.(map[string]any)
		}
	}
	return r, nil
}

func clip(b []byte) string {
	if len(b) > maxBodyRecord {
		return string(b[:maxBodyRecord]) + fmt.Sprintf("\n…[%d more bytes]", len(b)-maxBodyRecord)
	}
	return string(b)
}

func redact(h http.Header, token string) map[string][]string {
	out := map[string][]string{}
	for k, vs := range h {
		for _, v := range vs {
			if strings.EqualFold(k, "Authorization") {
				if i := strings.IndexByte(v, ' '); i > 0 {
					v = v[:i] + " <redacted>"
				} else {
					v = "<redacted>"
				}
			} else if token != "" {
				v = strings.ReplaceAll(v, token, "<redacted>")
			}
			out[k] = append(out[k], v)
		}
	}
	return out
}

// ---- JSON navigation (attribute names are case-insensitive, RFC 7643 §2.1)

// field returns m[key] matching key case-insensitively.
func field(m map[string]any, key string) (any, bool) {
	if m == nil {
		return nil, false
	}
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// get walks nested objects by keys.
func get(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v, _ = field(m, k)
	}
	return v
}

func has(v any, keys ...string) bool {
	if len(keys) == 0 {
		return v != nil
	}
	m, ok := get(v, keys[:len(keys)-1]...).(map[string]any)
	if !ok {
		return false
	}
	x, ok := field(m, keys[len(keys)-1])
	return ok && x != nil
}

func str(v any, keys ...string) string {
	s, _ := get(v, keys...).(string)
	return s
}

func obj(v any, keys ...string) map[string]any {
	m, _ := get(v, keys...).(map[string]any)
	return m
}

func arr(v any, keys ...string) []any {
	a, _ := get(v, keys...).([]any)
	return a
}

func objs(v any, keys ...string) []map[string]any {
	var out []map[string]any
	for _, x := range arr(v, keys...) {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func num(v any, keys ...string) (int, bool) {
	switch n := get(v, keys...).(type) {
	case float64:
		if n == float64(int(n)) {
			return int(n), true
		}
	case json.Number:
		i, err := strconv.Atoi(string(n))
		return i, err == nil
	}
	return 0, false
}

func boolean(v any, keys ...string) (bool, bool) {
	b, ok := get(v, keys...).(bool)
	return b, ok
}

func containsString(list []any, s string) bool {
	for _, x := range list {
		if y, ok := x.(string); ok && y == s {
			return true
		}
	}
	return false
}

func containsFold(list []any, s string) bool {
	for _, x := range list {
		if y, ok := x.(string); ok && strings.EqualFold(y, s) {
			return true
		}
	}
	return false
}

// compact renders v as short JSON for messages.
func compact(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// q builds a query string from key/value pairs (spaces become '+').
func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return "?" + v.Encode()
}

// quote renders s as a SCIM filter string literal (JSON string rules).
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSpace(b.String())
}

func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
