package adminapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

func (e *env) apiKey(tenant string, scopes ...string) string {
	e.t.Helper()
	key, _, err := e.svc.CreateAPIKey(e.t.Context(), account.Operator(), tenant, "analytics", scopes)
	if err != nil {
		e.t.Fatal(err)
	}
	return key
}

func (c client) bearer(method, path, key string) resp {
	c.e.t.Helper()
	return c.do(method, path, nil, "Authorization", "Bearer "+key)
}

func TestEventsFeed(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		key := e.apiKey(e.tenant, account.ScopeEventsRead)
		anon := e.as("")
		first := anon.bearer("GET", "/api/v1/events?limit=1000", key).want(200).obj()
		start := int64(first["next"].(float64))
		ann := e.user("ann")
		e.user("ben")
		p := anon.bearer("GET", fmt.Sprintf("/api/v1/events?after=%d&limit=1", start), key).want(200).obj()
		items := p["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("page = %v", p)
		}
		ev := items[0].(map[string]any)
		data, _ := ev["data"].(map[string]any)
		if ev["type"] != "user.created" || ev["resourceId"] != ann || ev["sequence"].(float64) != float64(start+1) ||
			data["userName"] != "ann@example.com" || ev["id"] == "" || ev["time"] == "" {
			t.Fatalf("event = %v", ev)
		}
		if actor, _ := ev["actor"].(map[string]any); actor["kind"] != "operator" {
			t.Fatalf("actor = %v", ev["actor"])
		}
		next := int64(p["next"].(float64))
		if next != start+1 {
			t.Fatalf("next = %d", next)
		}
		rest := anon.bearer("GET", fmt.Sprintf("/api/v1/events?after=%d", next), key).want(200).obj()
		if n := len(rest["items"].([]any)); n != 1 {
			t.Fatalf("rest = %v", rest)
		}
		end := int64(rest["next"].(float64))
		empty := anon.bearer("GET", fmt.Sprintf("/api/v1/events?after=%d", end), key).want(200).obj()
		if len(empty["items"].([]any)) != 0 || int64(empty["next"].(float64)) != end {
			t.Fatalf("nothing new = %v, want next to stay %d", empty, end)
		}
		// The Owner's session reads the feed too.
		e.ownerc().do("GET", "/api/v1/events", nil).want(200)

		// An API key reads only the feed, only its tenant's, only while live.
		anon.bearer("GET", "/api/v1/users", key).wantError(403, "forbidden", "API key")
		other, _, _ := e.newTenant()
		otherKey := e.apiKey(other, account.ScopeEventsRead)
		for _, it := range anon.bearer("GET", "/api/v1/events?limit=1000", otherKey).want(200).items() {
			if it["resourceId"] == ann {
				t.Fatal("another tenant's key reads this tenant's events")
			}
		}
		anon.bearer("GET", "/api/v1/events", account.APIKeyPrefix+"nope").wantError(401, "unauthenticated", "API key")
		keys, err := e.svc.APIKeys(e.t.Context(), account.Operator(), e.tenant)
		if err != nil || len(keys) != 1 || keys[0].Hash != nil {
			t.Fatalf("APIKeys = %+v, %v", keys, err)
		}
		if err := e.svc.RevokeAPIKey(e.t.Context(), account.Operator(), e.tenant, keys[0].ID); err != nil {
			t.Fatal(err)
		}
		anon.bearer("GET", "/api/v1/events", key).wantError(401, "unauthenticated")

		for _, q := range []string{"after=-1", "after=x", "limit=0", "limit=1001", "since=1"} {
			e.ownerc().do("GET", "/api/v1/events?"+q, nil).wantError(400, "invalid")
		}
		// A member without audit.read may not.
		_, cookie := e.memberWith("acctadmin", "Account Admin")
		e.as(cookie).do("GET", "/api/v1/events", nil).wantError(403, "forbidden")
	})
}

// memberWith is a signed-in user with roles.
func (e *env) memberWith(name string, roles ...string) (id, cookie string) {
	e.t.Helper()
	id = e.user(name, roles...)
	return id, e.signIn(e.tenant, name+"@example.com")
}

func TestWebhooksAPI(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		c := e.ownerc()
		created := c.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://hooks.example.com/scimd", "events": []string{"user.created"}}).
			want(201).obj()
		id, _ := created["id"].(string)
		secret, _ := created["secret"].(string)
		if id == "" || !strings.HasPrefix(secret, "whsec_") || created["enabled"] != true {
			t.Fatalf("created = %v", created)
		}
		list := c.do("GET", "/api/v1/webhooks", nil).want(200).items()
		if len(list) != 1 || list[0]["secret"] != nil || list[0]["url"] != "https://hooks.example.com/scimd" {
			t.Fatalf("list = %v: the secret is shown only once", list)
		}
		rotated := c.do("PATCH", "/api/v1/webhooks/"+id, map[string]any{"rotateSecret": true, "events": []string{}}).want(200).obj()
		if s, _ := rotated["secret"].(string); !strings.HasPrefix(s, "whsec_") || s == secret {
			t.Fatalf("rotated = %v", rotated)
		}
		if got := c.do("GET", "/api/v1/webhooks/"+id, nil).want(200).obj(); got["secret"] != nil || len(got["events"].([]any)) != 0 {
			t.Fatalf("get = %v", got)
		}
		c.do("POST", "/api/v1/webhooks", map[string]any{"url": "ftp://x"}).wantError(400, "invalid", "http")
		c.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://x.example", "events": []string{"user.exploded"}}).wantError(400, "invalid", "user.exploded")
		c.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://x.example", "secret": "whsec_mine"}).wantError(400, "invalid")
		c.do("POST", "/api/v1/webhooks", map[string]any{}).wantError(400, "invalid", "url")

		// Deliveries, attempts, resend.
		e.user("ann")
		h, err := e.st.GetWebhook(e.t.Context(), e.tenant, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.st.Dispatch(e.t.Context(), h, time.Now(), 100); err != nil {
			t.Fatal(err)
		}
		ds := c.do("GET", "/api/v1/webhooks/"+id+"/deliveries", nil).want(200).items()
		if len(ds) != 1 || ds[0]["state"] != store.DeliveryPending {
			t.Fatalf("deliveries = %v", ds)
		}
		did := ds[0]["id"].(string)
		if as := c.do("GET", "/api/v1/webhooks/"+id+"/deliveries/"+did+"/attempts", nil).want(200).items(); len(as) != 0 {
			t.Fatalf("attempts = %v", as)
		}
		c.do("POST", "/api/v1/webhooks/"+id+"/deliveries/"+did+"/resend", nil).want(http.StatusAccepted)
		c.do("POST", "/api/v1/webhooks/"+id+"/deliveries/nope/resend", nil).wantError(404, "not_found")

		// Another tenant sees none of it.
		_, _, otherCookie := e.newTenant()
		o := e.as(otherCookie)
		o.do("GET", "/api/v1/webhooks/"+id, nil).wantError(404, "not_found")
		o.do("GET", "/api/v1/webhooks/"+id+"/deliveries", nil).wantError(404, "not_found")
		o.do("POST", "/api/v1/webhooks/"+id+"/deliveries/"+did+"/resend", nil).wantError(404, "not_found")
		o.do("DELETE", "/api/v1/webhooks/"+id, nil).wantError(404, "not_found")
		if n := len(o.do("GET", "/api/v1/webhooks", nil).want(200).items()); n != 0 {
			t.Fatalf("another tenant lists %d endpoints", n)
		}
		// An Account Admin (no tokens.manage) may not manage webhooks: they carry every change out.
		_, cookie := e.memberWith("acctadmin", "Account Admin")
		e.as(cookie).do("GET", "/api/v1/webhooks", nil).wantError(403, "forbidden")

		c.do("DELETE", "/api/v1/webhooks/"+id, nil).want(204)
		c.do("GET", "/api/v1/webhooks/"+id, nil).wantError(404, "not_found")
	})
}
