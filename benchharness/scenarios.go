package benchharness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// scenario is one measured path. op runs under drive with the harness's
// clients (or clients, when set); run, when set, measures by itself.
type scenario struct {
	name, kind, note string
	clients          int
	op               func(ctx context.Context, w int) error
	run              func(ctx context.Context) Result
}

func randUser(n int) int { return rand.IntN(n) + 1 }

// caseVaried returns s with each letter's case flipped at random, as
// userName is caseExact=false and IdPs send it as they stored it.
func caseVaried(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' && rand.IntN(2) == 0 {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func filterPath(resource, filter string, extra ...string) string {
	p := "/scim/v2/" + resource + "?filter=" + url.QueryEscape(filter)
	for _, e := range extra {
		p += "&" + e
	}
	return p
}

func (e *env) get(path string) func(ctx context.Context, w int) error {
	return func(ctx context.Context, w int) error {
		return e.scim.do(ctx, http.MethodGet, path, nil, http.StatusOK, nil)
	}
}

// getByUserName is the lookup IdPs make before every change.
func (e *env) getByUserName() func(ctx context.Context, w int) error {
	return func(ctx context.Context, w int) error {
		var body []byte
		f := `userName eq "` + caseVaried(userName(randUser(e.d.n))) + `"`
		if err := e.scim.do(ctx, http.MethodGet, filterPath("Users", f), nil, http.StatusOK, &body); err != nil {
			return err
		}
		if !bytes.Contains(body, []byte(`"totalResults":1`)) {
			return fmt.Errorf("%s: not found: %s", f, body[:min(len(body), 200)])
		}
		return nil
	}
}

// refGet is getByUserName against the reference handler.
func (e *env) refGet(c *client) func(ctx context.Context, w int) error {
	return func(ctx context.Context, w int) error {
		f := `userName eq "` + caseVaried(userName(randUser(e.d.n))) + `"`
		return c.do(ctx, http.MethodGet, filterPath("Users", f), nil, http.StatusOK, nil)
	}
}

const patchSchema = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`

func (e *env) scenarios() []scenario {
	d := e.d
	n := d.n
	run := uuid.NewString()[:8]
	var posts atomic.Int64
	deep := int(float64(n)*0.9) + 1
	var deepCursor atomic.Pointer[string]
	var noDeep atomic.Bool
	list := []scenario{
		{name: "GET /Users?filter=externalId eq", kind: "read", op: func(ctx context.Context, w int) error {
			return e.scim.do(ctx, http.MethodGet, filterPath("Users", fmt.Sprintf(`externalId eq "ext-%d"`, randUser(n))), nil, http.StatusOK, nil)
		}},
		{name: "GET /Users?filter=emails[value eq]", kind: "read", op: func(ctx context.Context, w int) error {
			return e.scim.do(ctx, http.MethodGet, filterPath("Users", fmt.Sprintf(`emails[value eq "u%d@mail.example.com"]`, randUser(n))), nil, http.StatusOK, nil)
		}},
		{name: "Entra Test Connection (userName eq <GUID>)", kind: "read", op: func(ctx context.Context, w int) error {
			return e.scim.do(ctx, http.MethodGet, filterPath("Users", `userName eq "`+uuid.NewString()+`"`), nil, http.StatusOK, nil)
		}},
		{name: "GET /Groups/{id}?excludedAttributes=members (" + strconv.Itoa(d.m) + " members)", kind: "read",
			op: e.get("/scim/v2/Groups/" + d.bigGroup + "?excludedAttributes=members")},
		{name: "GET /Groups/{id}?excludedAttributes=members (1 member)", kind: "read",
			op: e.get("/scim/v2/Groups/" + d.smallGroup + "?excludedAttributes=members")},
		{name: "GET /Users index page startIndex=1 count=100", kind: "read", op: e.get("/scim/v2/Users?startIndex=1&count=100")},
		{name: "GET /Users index page startIndex=" + strconv.Itoa(deep) + " count=100", kind: "read",
			op: e.get("/scim/v2/Users?startIndex=" + strconv.Itoa(deep) + "&count=100")},
		{name: "full listing by cursor (1 client)", kind: "read", run: func(ctx context.Context) Result {
			r, c := e.fullListing(ctx, deep)
			deepCursor.Store(&c)
			return r
		}},
		{name: "GET /Users cursor first page count=100", kind: "read", op: e.get("/scim/v2/Users?cursor=&count=100")},
		{name: "GET /Users cursor page at " + strconv.Itoa(deep) + " count=100", kind: "read", op: func(ctx context.Context, w int) error {
			c := deepCursor.Load()
			if c == nil || *c == "" {
				noDeep.Store(true)
				return errStop // the full listing did not reach the row (or did not run)
			}
			return e.scim.do(ctx, http.MethodGet, "/scim/v2/Users?count=100&cursor="+url.QueryEscape(*c), nil, http.StatusOK, nil)
		}},
		{name: "GET /Users?filter=name.familyName co", kind: "read", op: func(ctx context.Context, w int) error {
			return e.scim.do(ctx, http.MethodGet, filterPath("Users", fmt.Sprintf(`name.familyName co "ily%d"`, randUser(n))), nil, http.StatusOK, nil)
		}},
		{name: "admin API GET /api/v1/users?q=", kind: "read", op: func(ctx context.Context, w int) error {
			return e.admin.do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/users?q=user%d&limit=50", randUser(n)), nil, http.StatusOK, nil)
		}},
		{name: "POST /Users", kind: "write", op: func(ctx context.Context, w int) error {
			i := posts.Add(1)
			body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new-%s-%d@example.com",
				"name":{"givenName":"New","familyName":"User"},"emails":[{"primary":true,"value":"new-%s-%d@example.com","type":"work"}],
				"displayName":"New User","locale":"en-US","externalId":"new-%s-%d","groups":[],"active":true}`, run, i, run, i, run, i)
			return e.scim.do(ctx, http.MethodPost, "/scim/v2/Users", []byte(body), http.StatusCreated, nil)
		}},
		{name: "PATCH /Users/{id} active=false", kind: "write", op: func(ctx context.Context, w int) error {
			body := `{` + patchSchema + `,"Operations":[{"op":"replace","value":{"active":false}}]}`
			return e.scim.do(ctx, http.MethodPatch, "/scim/v2/Users/"+d.userID(randUser(n)), []byte(body), http.StatusOK, nil)
		}},
	}
	for _, g := range []struct {
		id    string
		label string
	}{{d.bigGroup, strconv.Itoa(d.m) + " members"}, {d.smallGroup, "1 member"}} {
		var added, removed atomic.Int64
		list = append(list,
			scenario{name: "PATCH /Groups add 1 member (" + g.label + ")", kind: "write", op: func(ctx context.Context, w int) error {
				i := added.Add(1)
				if i > int64(d.pool) {
					added.Add(-1)
					return errStop
				}
				body := fmt.Sprintf(`{%s,"Operations":[{"op":"add","path":"members","value":[{"value":%q}]}]}`, patchSchema, d.userID(d.n+int(i)))
				return e.scim.do(ctx, http.MethodPatch, "/scim/v2/Groups/"+g.id, []byte(body), http.StatusNoContent, nil)
			}},
			scenario{name: "PATCH /Groups remove 1 member (" + g.label + ")", kind: "write", op: func(ctx context.Context, w int) error {
				i := removed.Add(1)
				if i > added.Load() {
					return errStop
				}
				path := fmt.Sprintf(`members[value eq "%s"]`, d.userID(d.n+int(i)))
				body := fmt.Sprintf(`{%s,"Operations":[{"op":"remove","path":%q}]}`, patchSchema, path)
				return e.scim.do(ctx, http.MethodPatch, "/scim/v2/Groups/"+g.id, []byte(body), http.StatusNoContent, nil)
			}})
	}
	return list
}

// fullListing walks every user by cursor with one client, as a nightly
// export does, and samples the process's resident memory meanwhile. It
// returns the cursor of the page that starts at row deep.
func (e *env) fullListing(ctx context.Context, deep int) (Result, string) {
	done := make(chan struct{})
	peak := make(chan int64, 1)
	base := rssKB()
	go func() {
		var max int64
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				peak <- max
				return
			case <-t.C:
				max = maxInt(max, rssKB())
			}
		}
	}()
	start := time.Now()
	cursor, deepCursor := "", ""
	seen, pages := 0, 0
	var took []time.Duration
	var err error
	// Pages as large as the server allows, in a size that lands on the
	// deep row exactly.
	size := 1
	for _, s := range []int{1000, 500, 250, 100, 50, 25, 10, 5} {
		if (deep-1)%s == 0 {
			size = s
			break
		}
	}
	for {
		if seen == deep-1 {
			deepCursor = cursor
		}
		var body []byte
		t0 := time.Now()
		if err = e.scim.do(ctx, http.MethodGet, "/scim/v2/Users?count="+strconv.Itoa(size)+"&cursor="+url.QueryEscape(cursor), nil, http.StatusOK, &body); err != nil {
			break
		}
		took = append(took, time.Since(t0))
		var page struct {
			Resources  []json.RawMessage
			NextCursor string `json:"nextCursor"`
		}
		if err = json.Unmarshal(body, &page); err != nil {
			break
		}
		seen += len(page.Resources)
		pages++
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	elapsed := time.Since(start)
	close(done)
	pk := <-peak
	r := Result{Clients: 1, Requests: pages, Seconds: elapsed.Seconds(), PerSec: float64(seen) / elapsed.Seconds()}
	if err != nil {
		r.Errors, r.FirstError = 1, err.Error()
	}
	slices.Sort(took)
	r.P50ms, r.P95ms, r.P99ms = pct(took, 0.5), pct(took, 0.95), pct(took, 0.99)
	r.Note = fmt.Sprintf("%d users in %d pages, %.1f s; per_second counts users; process RSS peak %d MB (%d MB before; server and client in one process)",
		seen, pages, elapsed.Seconds(), pk/1024, base/1024)
	return r, deepCursor
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// rssKB reads the process's resident set size (Linux); 0 elsewhere.
func rssKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
