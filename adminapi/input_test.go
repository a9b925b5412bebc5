package adminapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/scimd/scimd/adminapi"
	"github.com/scimd/scimd/store"
)

// Bad input is a 400 naming what is wrong, never a 500, and changes
// nothing.
func TestBadBodies(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		id := e.user("bea", "Reports")
		path := "/api/v1/users/" + id
		for body, msg := range map[string]string{
			`{"name":`:                            "not valid JSON",
			`{"name":"x"} {"name":"y"}`:           "more than one JSON value",
			`["name"]`:                            "must be a JSON object",
			`"name"`:                              "must be a JSON object",
			`null`:                                "must be a JSON object",
			`{"nmae":"x"}`:                        `unknown field "nmae"`,
			`{"Name":"x"}`:                        `unknown field "Name"`,
			`{"name":"x","name":"y"}`:             "name is given twice",
			`{"name":5}`:                          "name must be a string",
			`{"name":"a\u0000b"}`:                 "NUL",
			`{"roles":"Admin"}`:                   "roles must be an array of strings",
			`{"roles":[1]}`:                       "roles[0] must be a string",
			`{"grants":[{"role":"User","x":1}]}`:  `unknown field "x" in grants[0]`,
			`{"grants":[{"node":"x"}]}`:           "grants[0].role is required",
			`{"grants":{}}`:                       "grants must be an array of objects",
			`{"agentIds":[{"system":"voice"}]}`:   "agentIds[0].value is required",
			`{"teams":[{"leader":true}]}`:         "teams[0] needs the team's id",
			`{"teams":[{"id":"t","leader":1}]}`:   "teams[0].leader must be true or false",
			`{"voice":"on"}`:                      "voice must be a JSON object",
			`{"voice":{"ext":"1"}}`:               `unknown field "ext" in voice`,
			`{"voice":{"additionalNumbers":"1"}}`: "voice.additionalNumbers must be an array of strings",
			`{"state":"active"}`:                  "state is read-only",
			`{"id":"x"}`:                          "id is read-only",
			`{"owner":true}`:                      "owner is read-only",
			`{"email":["a@example.com"]}`:         "email must be a string",
			`{"password":12345678}`:               "password must be a string",
			"":                                    "empty",
			"\xff\xfe":                            "not UTF-8",
		} {
			r := o.patch(path, body)
			if r.status == 500 {
				t.Errorf("%q: 500 %s", body, r.body)
				continue
			}
			r.wantError(400, "invalid", msg)
		}
		if f := o.patch(path, `{"nmae":"x"}`).wantError(400, "invalid")["field"]; f != "nmae" {
			t.Errorf("unknown field error names field %v, want nmae", f)
		}
		// JSON only.
		o.do("PATCH", path, nil, "Content-Type", "text/plain").wantError(415, "invalid", "application/json")
		r := o.do("POST", "/api/v1/roles", `name=x`, "Content-Type", "application/x-www-form-urlencoded")
		r.wantError(415, "invalid", "JSON")
		o.patch(path, `{"name":"merge"}`, "Content-Type", "application/merge-patch+json").want(200)
		// Bodies are limited to 1 MiB.
		big := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`
		o.patch(path, big).wantError(413, "invalid", "limit")
		o.patch(path, struct{ io.Reader }{strings.NewReader(big)}).wantError(413, "invalid", "limit")
		o.post("/api/v1/invitations", "["+strings.Repeat(`{"email":"a@example.com"},`, 50000)+`{}]`).wantError(413, "invalid")
		if u := o.get(path).want(200).obj(); u["name"] != "merge" || !eqStrings(strs(t, u["roles"]), []string{"Reports"}) {
			t.Errorf("refused bodies changed the user: %v", u)
		}

		// Bodies of every endpoint are checked alike.
		for _, c := range []struct{ method, path, body, msg string }{
			{"POST", "/api/v1/roles", `{"name":"R","permissions":"reports.run"}`, "permissions must be an array"},
			{"POST", "/api/v1/accounts", `{"name":"N","parent":"x"}`, `unknown field "parent"`},
			{"POST", "/api/v1/teams", `{"name":["T"]}`, "name must be a string"},
			{"POST", "/api/v1/locations", `{"name":"L","addr":"x"}`, `unknown field "addr"`},
			{"POST", "/api/v1/numbers", `{"numbers":["1"]}`, `unknown field "numbers"`},
			{"POST", "/api/v1/owner", `{"userId":1}`, "userId must be a string"},
			{"POST", "/api/v1/owner", `{"userId":"x","formerOwner":{"keep":true}}`, `unknown field "keep" in formerOwner`},
			{"POST", "/api/v1/owner", `{"userId":"x","formerOwner":{"delete":"yes"}}`, "formerOwner.delete must be true or false"},
			{"POST", "/api/v1/invitations", `[{"email":"a@example.com","roles":"Agent"}]`, "[0].roles must be an array"},
			{"POST", "/api/v1/invitations", `[5]`, "[0] must be a JSON object"},
			{"PUT", "/api/v1/teams/x/members/" + id, `{"lead":true}`, `unknown field "lead"`},
			{"PATCH", "/api/v1/roles/admin", `{"permissions":{}}`, "permissions must be an array"},
			{"PATCH", "/api/v1/accounts/" + e.tenant, `{"name":1}`, "name must be a string"},
		} {
			r := o.do(c.method, c.path, c.body)
			if r.status == 500 {
				t.Errorf("%s %s %s: 500", c.method, c.path, c.body)
				continue
			}
			r.wantError(400, "invalid", c.msg)
		}
	})
}

// Unknown paths and methods answer JSON errors too.
func TestRouting(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		for _, p := range []string{"/api/v1/nope", "/api/v1", "/api/v1/", "/api/v2/users", "/api/", "/api/v1/users/", "/api/v1/users/x/y",
			"/api/v1/users/%00", "/api/v1/users/%ff"} {
			r := o.get(p)
			if r.status != 404 {
				t.Errorf("GET %s: %d %s, want 404", p, r.status, r.body)
				continue
			}
			r.wantError(404, "not_found")
		}
		for _, c := range []struct{ method, path, allow string }{
			{"PUT", "/api/v1/users/" + e.owner, "DELETE, GET, PATCH"},
			{"POST", "/api/v1/users", "GET"},
			{"GET", "/api/v1/logout", "POST"},
			{"GET", "/api/v1/numbers/+12125550100", "DELETE"},
			{"DELETE", "/api/v1/stats", "GET"},
			{"GET", "/api/v1/teams/x/members/y", "DELETE, PUT"},
		} {
			r := o.do(c.method, c.path, nil)
			r.wantError(405, "invalid", "allowed: "+c.allow)
			if r.header.Get("Allow") != c.allow {
				t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, r.header.Get("Allow"), c.allow)
			}
		}
		// Paths the server's mux would not clean first (it redirects "..",
		// "." and "//" itself) are 404s of the API's own.
		api := adminapi.New(adminapi.Config{Accounts: e.svc}).Handler()
		for _, p := range []string{"/api/v1/users/../stats", "/api/v1//users", "/api/v1/./stats", "/api/v1/stats/"} {
			req := httptest.NewRequest("GET", "/", nil)
			req.URL.Path = p
			req.AddCookie(&http.Cookie{Name: adminapi.CookieName, Value: e.cookie})
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, req)
			resp{t: t, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}.wantError(404, "not_found")
		}
		o.get("/api/v1/stats?x=1").wantError(400, "invalid", "takes none")
		o.get("/api/v1/users?q=%zz").wantError(400, "invalid", "malformed")
		o.get("/api/v1/users?q=a%00b").wantError(400, "invalid", "NUL")
		r := o.get("/api/v1/stats")
		if r.header.Get("Cache-Control") != "no-store" || r.header.Get("X-Request-Id") == "" || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", r.header)
		}
	})
}

// faultyStore makes the reads of the stats fail: with an error no kind
// names (a bug: 500), or with the store's "unavailable" (503).
type faultyStore struct {
	store.Store
	fault *faultHolder
}

type faultHolder struct {
	mu  sync.Mutex
	err error
}

func (f *faultHolder) set(err error) { f.mu.Lock(); f.err = err; f.mu.Unlock() }

func (f *faultHolder) get() error { f.mu.Lock(); defer f.mu.Unlock(); return f.err }

func (f faultyStore) Reader() store.Reader {
	return faultyReader{Reader: f.Store.Reader(), fault: f.fault}
}

type faultyReader struct {
	store.Reader
	fault *faultHolder
}

func (f faultyReader) Stats(ctx context.Context, tenantID string, adminRoles []string) (store.Stats, error) {
	if err := f.fault.get(); err != nil {
		return store.Stats{}, err
	}
	return f.Reader.Stats(ctx, tenantID, adminRoles)
}

func TestInternalErrorsAreGeneric(t *testing.T) {
	eachBackendWith(t, options{faulty: true}, func(t *testing.T, e *env) {
		o := e.ownerc()
		e.fault.set(errors.New(`pq: relation "stats_secret_table" does not exist`))
		r := o.get("/api/v1/stats", "X-Request-Id", "req-500")
		er := r.wantError(500, "internal", "req-500")
		if strings.Contains(string(r.body), "stats_secret_table") {
			t.Errorf("the cause reached the client: %s", r.body)
		}
		if er["field"] != nil {
			t.Errorf("internal error = %v", er)
		}
		if !strings.Contains(e.logs.String(), "stats_secret_table") || !strings.Contains(e.logs.String(), "req-500") {
			t.Errorf("the cause is not logged with the request id:\n%s", e.logs.String())
		}
		e.fault.set(store.ErrUnavailable)
		r = o.get("/api/v1/stats")
		r.wantError(503, "unavailable", "retry")
		if r.header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		e.fault.set(nil)
		o.get("/api/v1/stats").want(200)
	})
}

// Every field of every body, given every kind of JSON value, is answered
// with a client error or success: never a 500.
func TestNoServerErrorForAnyFieldValue(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		id := e.user("val", "Agent")
		team := o.post("/api/v1/teams", map[string]any{"name": "T"}).want(201).obj()["id"].(string)
		role := o.post("/api/v1/roles", map[string]any{"name": "R"}).want(201).obj()["id"].(string)
		node := o.post("/api/v1/accounts", map[string]any{"name": "N"}).want(201).obj()["id"].(string)
		loc := o.post("/api/v1/locations", map[string]any{"name": "L"}).want(201).obj()["id"].(string)
		long := strings.Repeat("é", 3000)
		values := []string{`null`, `true`, `0`, `-1.5e300`, `""`, `" "`, `"x"`, `"` + long + `"`, `"\u0000"`, `"\ud800"`, `[]`, `[null]`,
			`[1]`, `["x"]`, `["` + long + `"]`, `{}`, `{"a":1}`, `[{}]`, `[{"role":"Admin"}]`, `[{"system":"` + long + `","value":"x"}]`,
			`{"primaryNumber":"` + long + `"}`, `{"extension":"x"}`, `{"location":"\u0000"}`}
		endpoints := []struct {
			method, path string
			fields       []string
			array        bool
		}{
			{"PATCH", "/api/v1/users/" + id, []string{"name", "email", "roles", "grants", "agentIds", "teams", "voice", "password"}, false},
			{"POST", "/api/v1/invitations", []string{"name", "email", "roles", "teams", "agentIds"}, true},
			{"POST", "/api/v1/owner", []string{"userId", "formerOwner"}, false},
			{"POST", "/api/v1/roles", []string{"name", "description", "permissions", "scope"}, false},
			{"PATCH", "/api/v1/roles/" + role, []string{"name", "description", "permissions", "scope"}, false},
			{"POST", "/api/v1/accounts", []string{"name", "kind", "parentId"}, false},
			{"PATCH", "/api/v1/accounts/" + node, []string{"name", "parentId"}, false},
			{"POST", "/api/v1/teams", []string{"name", "groupId"}, false},
			{"PATCH", "/api/v1/teams/" + team, []string{"name", "groupId"}, false},
			{"PUT", "/api/v1/teams/" + team + "/members/" + id, []string{"leader"}, false},
			{"POST", "/api/v1/numbers", []string{"number"}, false},
			{"POST", "/api/v1/locations", []string{"name", "address"}, false},
			{"PATCH", "/api/v1/locations/" + loc, []string{"name", "address"}, false},
		}
		for _, ep := range endpoints {
			for _, f := range ep.fields {
				for _, v := range values {
					body := `{"` + f + `":` + v + `}`
					if ep.array {
						body = "[" + body + "]"
					}
					r := o.do(ep.method, ep.path, body)
					if r.status >= 500 {
						t.Errorf("%s %s %.200s: %d %s", ep.method, ep.path, body, r.status, r.body)
					}
				}
			}
		}
		// The Owner is still the Owner and signed in.
		o.get("/api/v1/me").want(200)
	})
}
