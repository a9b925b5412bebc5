package scim_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// TestETags checks RFC 7644 §3.14: the ETag header is meta.version,
// If-None-Match with the current version is a 304, and a write with a
// stale If-Match is a 412 that changes nothing.
func TestETags(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		id := e.createUser(t, "etag@example.com", map[string]any{"displayName": "Before"})
		mate := e.createUser(t, "mate@example.com", nil)
		gid := e.createGroup(t, "etag-group")

		for _, path := range []string{"/Users/" + id, "/Groups/" + gid} {
			r := e.do("GET", path, nil).want(t, http.StatusOK)
			tag := r.Header.Get("ETag")
			if tag == "" || tag != at(r.Body, "meta", "version") {
				t.Fatalf("GET %s: ETag %q, meta.version %v: want equal and set", path, tag, at(r.Body, "meta", "version"))
			}
			nm := e.do("GET", path, nil, header("If-None-Match", tag)).want(t, http.StatusNotModified)
			if len(nm.Raw) != 0 || nm.Header.Get("ETag") != tag {
				t.Errorf("304 for %s: body %q, ETag %q", path, nm.Raw, nm.Header.Get("ETag"))
			}
			e.do("GET", path, nil, header("If-None-Match", `W/"999999"`)).want(t, http.StatusOK)
		}

		// Stale If-Match on every write: 412, nothing changed.
		user := e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK)
		current := user.Header.Get("ETag")
		e.do("PATCH", "/Users/"+id, patch(op("replace", "displayName", "After")), header("If-Match", current)).want(t, http.StatusOK)
		stale := current
		writes := []struct{ method, path string }{{"PUT", "/Users/" + id}, {"PATCH", "/Users/" + id}, {"DELETE", "/Users/" + id}}
		for _, w := range writes {
			var body any
			switch w.method {
			case "PUT":
				body = map[string]any{"schemas": []any{userSchema}, "userName": "etag@example.com", "displayName": "Stale"}
			case "PATCH":
				body = patch(op("replace", "displayName", "Stale"))
			}
			e.do(w.method, w.path, body, header("If-Match", stale)).wantError(t, http.StatusPreconditionFailed, "")
		}
		now := e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK)
		eq(t, "after stale writes", now.Body, "After", "displayName")
		fresh := now.Header.Get("ETag")
		if fresh == stale {
			t.Fatalf("a successful PATCH kept the ETag %s", fresh)
		}

		// Groups: a stale If-Match on a members PATCH changes no members.
		g := e.do("GET", "/Groups/"+gid, nil).want(t, http.StatusOK)
		gtag := g.Header.Get("ETag")
		add := patch(op("add", "members", []any{map[string]any{"value": mate}}))
		r := e.do("PATCH", "/Groups/"+gid, add, header("If-Match", gtag)).want(t, http.StatusOK, http.StatusNoContent)
		if r.Header.Get("ETag") == "" || r.Header.Get("ETag") == gtag {
			t.Errorf("members PATCH answered ETag %q; the old one was %q", r.Header.Get("ETag"), gtag)
		}
		// The members changed, so the old ETag no longer matches.
		e.do("GET", "/Groups/"+gid, nil, header("If-None-Match", gtag)).want(t, http.StatusOK)
		e.do("PATCH", "/Groups/"+gid, patch(op("remove", "members", nil)), header("If-Match", gtag)).
			wantError(t, http.StatusPreconditionFailed, "")
		e.do("DELETE", "/Groups/"+gid, nil, header("If-Match", gtag)).wantError(t, http.StatusPreconditionFailed, "")
		if got := memberIDs(e.do("GET", "/Groups/"+gid, nil).want(t, http.StatusOK).Body); len(got) != 1 || got[0] != mate {
			t.Errorf("after stale group writes: members %v, want [%s]", got, mate)
		}

		// Current If-Match (and "*") succeed.
		e.do("PUT", "/Users/"+id, map[string]any{"schemas": []any{userSchema}, "userName": "etag@example.com"},
			header("If-Match", fresh)).want(t, http.StatusOK)
		e.do("DELETE", "/Groups/"+gid, nil, header("If-Match", "*")).want(t, http.StatusNoContent)
		cur := e.do("GET", "/Users/"+id, nil).Header.Get("ETag")
		e.do("DELETE", "/Users/"+id, nil, header("If-Match", cur)).want(t, http.StatusNoContent)
	})
}

// TestErrors checks that every error is a SCIM error document (RFC 7644
// §3.12) with the right status and scimType, and no internal text; do
// checks the form of every non-2xx answer.
func TestErrors(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		id := e.createUser(t, "taken@example.com", map[string]any{"externalId": "ext-1"})
		gid := e.createGroup(t, "taken-group")
		long := strings.Repeat("x", 5000)
		cases := []struct {
			name, method, path string
			body               any
			status             int
			scimType           string
		}{
			{"unknown user", "GET", "/Users/does-not-exist", nil, 404, ""},
			{"unknown group", "PATCH", "/Groups/does-not-exist", patch(op("replace", "displayName", "x")), 404, ""},
			{"unknown endpoint", "GET", "/Nothing", nil, 404, ""},
			{"method not allowed", "DELETE", "/Users", nil, 405, ""},
			{"bulk without its schema", "POST", "/Bulk", map[string]any{}, 400, "invalidSyntax"},
			{"duplicate userName", "POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "TAKEN@example.com"}, 409, "uniqueness"},
			{"duplicate externalId", "POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "n", "externalId": "ext-1"}, 409, "uniqueness"},
			{"duplicate group", "POST", "/Groups", map[string]any{"schemas": []any{groupSchema}, "displayName": "Taken-Group"}, 409, "uniqueness"},
			{"no schemas", "POST", "/Users", map[string]any{"userName": "x"}, 400, "invalidValue"},
			{"no userName", "POST", "/Users", map[string]any{"schemas": []any{userSchema}}, 400, "invalidValue"},
			{"userName a number", "POST", "/Users", `{"schemas":["` + userSchema + `"],"userName":5}`, 400, "invalidValue"},
			{"two primaries", "POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "p",
				"emails": []any{map[string]any{"value": "a@x", "primary": true}, map[string]any{"value": "b@x", "primary": true}}}, 400, "invalidValue"},
			{"malformed JSON", "POST", "/Users", `{"schemas": [`, 400, "invalidSyntax"},
			{"not an object", "POST", "/Users", `[1,2]`, 400, "invalidSyntax"},
			{"empty body", "PATCH", "/Users/" + id, "", 400, "invalidSyntax"},
			{"bad filter", "GET", "/Users" + q("filter", `userName eq`), nil, 400, "invalidFilter"},
			{"unknown filter attribute", "GET", "/Users" + q("filter", `shoeSize eq "9"`), nil, 400, "invalidFilter"},
			{"bad count", "GET", "/Users?count=many", nil, 400, "invalidValue"},
			{"bad sortOrder", "GET", "/Users?sortBy=userName&sortOrder=sideways", nil, 400, "invalidValue"},
			{"patch without schemas", "PATCH", "/Users/" + id, map[string]any{"Operations": []any{op("replace", "nickName", "x")}}, 400, "invalidValue"},
			{"patch bad op", "PATCH", "/Users/" + id, patch(op("move", "nickName", "x")), 400, "invalidSyntax"},
			{"patch bad path", "PATCH", "/Users/" + id, patch(op("replace", "emails[type eq", "x")), 400, "invalidPath"},
			{"patch unknown attribute", "PATCH", "/Users/" + id, patch(op("replace", "shoeSize", "9")), 400, "invalidPath"},
			{"patch remove without path", "PATCH", "/Users/" + id, patch(op("remove", "", nil)), 400, "noTarget"},
			{"patch read-only", "PATCH", "/Users/" + id, patch(op("replace", "id", "new-id")), 400, "mutability"},
			{"patch remove no match", "PATCH", "/Users/" + id, patch(op("remove", `emails[type eq "home"]`, nil)), 400, "noTarget"},
			{"patch unknown member", "PATCH", "/Groups/" + gid, patch(op("add", "members", []any{map[string]any{"value": "nobody"}})), 400, "invalidValue"},
			{"password too long", "POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "pw", "password": long}, 400, "invalidValue"},
			// Input a database refuses must still be a client error, the same on every backend.
			{"NUL in userName", "POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "nul\x00byte"}, 400, "invalidValue"},
			{"NUL in filter", "GET", "/Users" + q("filter", "userName eq \"nul\x00\""), nil, 400, "invalidFilter"},
			{"NUL in id filter", "GET", "/Users" + q("filter", "id eq \"\x00\""), nil, 400, "invalidFilter"},
			{"NUL in group filter", "POST", "/Groups/.search", map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
				"filter": "displayName eq \"a\x00\""}, 400, "invalidFilter"},
			{"NUL in id", "GET", "/Users/%00", nil, 404, ""},
			{"invalid UTF-8 id", "PATCH", "/Users/%FF", patch(op("replace", "title", "x")), 404, ""},
			{"invalid UTF-8 group id", "PUT", "/Groups/a%FFb", map[string]any{"schemas": []any{groupSchema}, "displayName": "x"}, 404, ""},
			{"NUL in group id", "DELETE", "/Groups/%00", nil, 404, ""},
			{"NUL in PATCH value", "PATCH", "/Users/" + id, patch(op("replace", "title", "a\x00b")), 400, "invalidValue"},
			{"NUL in member", "PATCH", "/Groups/" + gid, patch(op("add", "members", []any{map[string]any{"value": "\x00"}})), 400, "invalidValue"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.doT(t, c.method, c.path, c.body).wantError(t, c.status, c.scimType)
			})
		}
		// An over-long userName is accepted or refused as a client error, never a 500.
		r := e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": long})
		if r.Status != http.StatusCreated && r.Status != http.StatusBadRequest {
			t.Errorf("POST a 5000-character userName: status %d, want 201 or 400\n%s", r.Status, r.Raw)
		}
		// Nothing was changed by the failed writes.
		u := e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK)
		eq(t, "user after failed writes", u.Body, "taken@example.com", "userName")
	})
}

// TestAuth: missing or wrong tokens are a 401 with WWW-Authenticate
// (RFC 6750 §3); discovery needs no token (RFC 7644 §4).
func TestAuth(t *testing.T) {
	t.Parallel()
	// Twenty failures from one address: the failure limit has its own test.
	eachBackend(t, scim.Config{AuthFailLimit: -1}, func(t *testing.T, e *env) {
		for name, opt := range map[string]reqOpt{
			"no token":     bearer(""),
			"wrong token":  bearer("scimd_not-a-real-token"),
			"basic scheme": header("Authorization", "Basic dXNlcjpwYXNz"),
			"empty bearer": header("Authorization", "Bearer "),
		} {
			for _, path := range []string{"/Users", "/Groups", "/Users/x", "/Me"} {
				r := e.do("GET", path, nil, opt).wantError(t, http.StatusUnauthorized, "")
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s %s: WWW-Authenticate %q, want a Bearer challenge", name, path, r.Header.Get("WWW-Authenticate"))
				}
			}
			e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "intruder"}, opt).
				wantError(t, http.StatusUnauthorized, "")
		}
		if r := e.do("GET", "/Users"+q("filter", `userName eq "intruder"`), nil); r.total(t) != 0 {
			t.Errorf("an unauthenticated POST created a user")
		}
		for _, path := range []string{"/ServiceProviderConfig", "/Schemas", "/ResourceTypes"} {
			e.do("GET", path, nil, bearer("")).want(t, http.StatusOK)
		}
		e.do("GET", "/Users", nil, header("Authorization", "bearer "+e.token)).want(t, http.StatusOK)
	})
}

// TestBodyLimit: a body over Config.MaxBodyBytes is a 413, whether or not
// Content-Length announces it; a body at the limit is read; a body cut
// short of its Content-Length is a 400 invalidSyntax.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	const limit = 2048
	eachBackend(t, scim.Config{MaxBodyBytes: limit}, func(t *testing.T, e *env) {
		sized := func(n int, userName string) string {
			b, _ := json.Marshal(map[string]any{"schemas": []any{userSchema}, "userName": userName})
			return string(b) + strings.Repeat(" ", n-len(b))
		}
		e.do("POST", "/Users", sized(limit+1, "over")).wantError(t, http.StatusRequestEntityTooLarge, "")
		e.do("POST", "/Users", sized(limit+1, "over-chunked"), chunked).wantError(t, http.StatusRequestEntityTooLarge, "")
		e.do("POST", "/Users", sized(limit, "at-limit")).want(t, http.StatusCreated)
		e.do("POST", "/Users", sized(limit, "at-limit-chunked"), chunked).want(t, http.StatusCreated)
		for _, name := range []string{"over", "over-chunked"} {
			if n := e.do("GET", "/Users"+q("filter", `userName eq "`+name+`"`), nil).total(t); n != 0 {
				t.Errorf("the refused POST of %q created a user", name)
			}
		}
		id := e.createUser(t, "small@example.com", nil)
		e.do("PATCH", "/Users/"+id, patch(op("replace", "title", strings.Repeat("t", 2*limit))), chunked).
			wantError(t, http.StatusRequestEntityTooLarge, "")
		if u := e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK); u.Body["title"] != nil {
			t.Errorf("the refused PATCH changed the user: %v", u.Body["title"])
		}

		// A client that sends less than its Content-Length, then stops.
		conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST %s/Users HTTP/1.1\r\nHost: scim\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{\"schemas\":", scim.BasePath, e.token)
		conn.(*net.TCPConn).CloseWrite()
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("short body: %v", err)
		}
		raw, _ := io.ReadAll(res.Body)
		r := &response{what: "POST /Users (short body)", Status: res.StatusCode, Header: res.Header, Raw: raw}
		json.Unmarshal(raw, &r.Body)
		checkErrorDoc(t, r)
		r.wantError(t, http.StatusBadRequest, "invalidSyntax")
	})
}

// TestRateLimit: past Config.RateLimit a token gets 429 with Retry-After;
// other tokens are not affected.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{RateLimit: 1, RateBurst: 3}, func(t *testing.T, e *env) {
		var limited *response
		for range 20 {
			r := e.do("GET", "/Users", nil)
			if r.Status == http.StatusTooManyRequests {
				limited = r
				break
			}
			r.want(t, http.StatusOK)
		}
		if limited == nil {
			t.Fatalf("20 requests at once with RateLimit 1 and burst 3: no 429")
		}
		limited.wantError(t, http.StatusTooManyRequests, "")
		if s, err := strconv.Atoi(limited.Header.Get("Retry-After")); err != nil || s < 1 || s > 5 {
			t.Errorf("Retry-After %q, want a small number of seconds", limited.Header.Get("Retry-After"))
		}
		e.do("GET", "/Users", nil, bearer(e.newTenantToken("other"))).want(t, http.StatusOK)
		time.Sleep(1100 * time.Millisecond)
		e.do("GET", "/Users", nil).want(t, http.StatusOK)
	})
}

// panicStore panics when a user is read, standing in for a handler bug.
type panicStore struct{ store.Store }

func (panicStore) GetUser(context.Context, string, string, store.Load) (*store.User, error) {
	panic("boom")
}

// TestPanicAnswers500: a panic is a SCIM 500 naming the request id (the one
// in X-Request-Id, so that it can be found in the log), and the server
// goes on serving.
func TestPanicAnswers500(t *testing.T) {
	t.Parallel()
	for _, b := range sqltest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, scim.Config{}, func(s store.Store) store.Store { return panicStore{s} })
			r := e.do("GET", "/Users/some-id", nil, header("X-Request-Id", "req-4711")).wantError(t, http.StatusInternalServerError, "")
			if d, _ := r.Body["detail"].(string); !strings.Contains(d, "req-4711") || r.Header.Get("X-Request-Id") != "req-4711" {
				t.Errorf("500 detail %q, X-Request-Id %q: want both to carry req-4711", d, r.Header.Get("X-Request-Id"))
			}
			if strings.Contains(string(r.Raw), "boom") {
				t.Errorf("the panic value reached the client: %s", r.Raw)
			}
			e.do("GET", "/Users", nil).want(t, http.StatusOK)
		})
	}
}

// TestETagDerivedAttributes: a user's representation includes read-only
// attributes derived from other resources (groups, manager.displayName);
// when they change, so must the user's ETag, or a conditional GET answers
// 304 for a changed representation (RFC 7644 §3.14, RFC 9110 §13.1.2).
func TestETagDerivedAttributes(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		boss := e.createUser(t, "boss@example.com", map[string]any{"displayName": "Boss"})
		id := e.createUser(t, "report@example.com", map[string]any{enterpriseSchema: map[string]any{"manager": map[string]any{"value": boss}}})
		gid := e.createGroup(t, "team")
		tag := func() string { return e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK).Header.Get("ETag") }
		for _, step := range []struct {
			name   string
			method string
			path   string
			body   any
		}{
			{"added to a group", "PATCH", "/Groups/" + gid, patch(op("add", "members", []any{map[string]any{"value": id}}))},
			{"the group renamed", "PATCH", "/Groups/" + gid, patch(op("replace", "displayName", "team-renamed"))},
			{"the manager renamed", "PATCH", "/Users/" + boss, patch(op("replace", "displayName", "Big Boss"))},
			{"the group deleted", "DELETE", "/Groups/" + gid, nil},
		} {
			before := tag()
			e.do(step.method, step.path, step.body).want(t, http.StatusOK, http.StatusNoContent)
			if r := e.do("GET", "/Users/"+id, nil, header("If-None-Match", before)); r.Status != http.StatusOK {
				t.Errorf("after %s: GET with If-None-Match %s answered %d, but the user's representation changed", step.name, before, r.Status)
			}
		}
	})
}
