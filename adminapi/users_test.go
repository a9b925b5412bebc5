package adminapi_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

func TestUserShape(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		emea := o.post("/api/v1/accounts", map[string]any{"name": "EMEA"}).want(201).obj()["id"].(string)
		// A user from an IdP: no displayName, a formatted name, two emails
		// of which the second is primary, a roles value naming no role.
		u, err := e.svc.CreateUser(t.Context(), account.Operator(), e.tenant, account.UserInput{
			User: &store.User{UserName: "bjensen", Name: store.Name{Formatted: "Barbara Jensen"}, Source: store.SourceSCIM,
				Values: map[string][]store.Value{
					"emails": {{Value: "old@example.com"}, {Value: "bjensen@example.com", Primary: true}},
					"roles":  {{Value: "Reports"}, {Value: "Reprots"}},
				}},
			Domain: &account.DomainInput{Grants: &[]account.GrantInput{{Role: "Agent"}, {Role: "User", Node: emea}},
				AgentIDs: &[]store.AgentID{{System: "voice", Value: "A17"}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		got := o.get("/api/v1/users/" + u.ID).want(200)
		if got.header.Get("ETag") == "" {
			t.Error("no ETag on a user")
		}
		d := got.obj()
		want := map[string]any{"id": u.ID, "email": "bjensen@example.com", "name": "Barbara Jensen", "state": "active",
			"owner": false, "lastLogin": nil, "source": "scim", "voice": nil}
		for k, v := range want {
			if d[k] != v {
				t.Errorf("%s = %v, want %v", k, d[k], v)
			}
		}
		// roles: the own grants at the master account, by name, also those
		// the SCIM roles attribute makes; grants: the direct ones.
		if r := strs(t, d["roles"]); !slices.Contains(r, "Agent") || !slices.Contains(r, "Reports") || slices.Contains(r, "User") || len(r) != 2 {
			t.Errorf("roles = %v, want Agent and Reports", r)
		}
		grants := d["grants"].([]any)
		if len(grants) != 2 {
			t.Errorf("grants = %v, want the two direct ones", grants)
		}
		for _, g := range grants {
			g := g.(map[string]any)
			if g["role"] == "User" && g["node"] != emea || g["role"] == "Agent" && g["node"] != e.tenant {
				t.Errorf("grant %v: node should be the node's id (the master's is the tenant's)", g)
			}
		}
		if ids := d["agentIds"].([]any); len(ids) != 1 || ids[0].(map[string]any)["system"] != "voice" || ids[0].(map[string]any)["value"] != "A17" {
			t.Errorf("agentIds = %v", ids)
		}
		if um := strs(t, d["unmappedRoles"]); !eqStrings(um, []string{"Reprots"}) {
			t.Errorf("unmappedRoles = %v", um)
		}
		if teams := d["teams"].([]any); len(teams) != 0 {
			t.Errorf("teams = %v", teams)
		}

		// The Owner: signed in (lastLogin), made in the portal, name and
		// email from its userName.
		me := o.get("/api/v1/users/" + e.owner).want(200).obj()
		if me["owner"] != true || me["source"] != "portal" || me["email"] != "owner@example.com" || !slices.Contains(strs(t, me["roles"]), "Owner") {
			t.Errorf("owner = %v", me)
		}
		if ts, _ := me["lastLogin"].(string); ts == "" {
			t.Errorf("lastLogin = %v, want the sign-in time", me["lastLogin"])
		} else if at, err := time.Parse(time.RFC3339, ts); err != nil || time.Since(at) > time.Minute {
			t.Errorf("lastLogin %q is not a recent RFC 3339 time", ts)
		}
		o.get("/api/v1/users/no-such-user").wantError(404, "not_found", "no-such-user")
	})
}

func TestListUsersFilters(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		e.user("alice", "Reports")
		bob := e.user("bob", "Reports")
		o.post("/api/v1/users/"+bob+"/deactivate", nil).want(200)
		o.post("/api/v1/invitations", []any{map[string]any{"email": "carol@example.com", "name": "Carol"}}).want(201)

		names := func(q string) []string {
			t.Helper()
			var out []string
			for _, u := range o.get("/api/v1/users" + q).want(200).items() {
				out = append(out, u["name"].(string))
			}
			slices.Sort(out)
			return out
		}
		for q, want := range map[string][]string{
			"":                []string{"Carol", "alice", "bob", "owner@example.com"},
			"?state=active":   {"alice", "owner@example.com"},
			"?state=inactive": {"bob"},
			"?state=invited":  {"Carol"},
			"?q=ALI":          {"alice"},
			"?q=carol%40":     {"Carol"},
			"?q=nobody":       nil,
		} {
			if got := names(q); !eqStrings(got, want) {
				t.Errorf("users%s = %v, want %v", q, got, want)
			}
		}
		l := o.get("/api/v1/users?state=active").want(200).obj()
		if l["total"] != float64(2) || l["next"] != nil {
			t.Errorf("list = total %v next %v, want 2 and null", l["total"], l["next"])
		}
		o.get("/api/v1/users?state=gone").wantError(400, "invalid", "state must be")
		o.get("/api/v1/users?stat=active").wantError(400, "invalid", `unknown query parameter "stat"`)
		o.get("/api/v1/users?state=active&state=invited").wantError(400, "invalid", "once")
	})
}

// Paging walks every user once, in creation order, whatever the page size.
func TestListUsersPaging(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const n = 300
		ids := []string{e.owner}
		for i := range n {
			ids = append(ids, e.user(fmt.Sprintf("user%03d", i)))
		}
		o := e.ownerc()
		var seen []string
		cursor := ""
		pages := 0
		for {
			path := "/api/v1/users?limit=70"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			l := o.get(path).want(200).obj()
			pages++
			if l["total"] != float64(n+1) {
				t.Fatalf("page %d: total %v, want %d", pages, l["total"], n+1)
			}
			for _, u := range l["items"].([]any) {
				seen = append(seen, u.(map[string]any)["id"].(string))
			}
			if l["next"] == nil {
				break
			}
			cursor = l["next"].(string)
			if pages > 10 {
				t.Fatal("paging does not end")
			}
		}
		if pages != 5 || !eqStrings(seen, ids) {
			t.Fatalf("%d pages with %d users, want 5 pages with all %d users in creation order", pages, len(seen), len(ids))
		}
		// A page's size is bounded; a cursor is not to be made up.
		if got := len(o.get("/api/v1/users").want(200).items()); got != 100 {
			t.Errorf("default page of %d users, want 100", got)
		}
		for _, q := range []string{"limit=0", "limit=501", "limit=ten", "cursor=not-base64!", "cursor=" + url.QueryEscape("eyJ4IjoxfQ"),
			"cursor=eyJvIjozfQ" /* an offset cursor of another list */, "cursor=eyJjIjotOTIyMzM3MjAzNjg1NDc3NTgwOCwiaSI6IngifQ"} {
			o.get("/api/v1/users?"+q).wantError(400, "invalid")
		}
	})
}

func TestLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		id, cookie := e.admin("ada")
		o.post("/api/v1/users/"+id+"/deactivate", nil).want(200)
		if u := o.get("/api/v1/users/" + id).want(200).obj(); u["state"] != "inactive" || !slices.Contains(strs(t, u["roles"]), "Admin") {
			t.Fatalf("deactivated user = %v, want inactive with its roles kept", u)
		}
		// Deactivation ends the user's sessions.
		e.as(cookie).get("/api/v1/me").wantError(401, "unauthenticated")
		if u := o.post("/api/v1/users/"+id+"/reactivate", nil).want(200).obj(); u["state"] != "active" {
			t.Fatalf("reactivated user = %v", u)
		}
		o.post("/api/v1/users/"+id+"/reactivate", nil).wantError(400, "invalid", "not inactive")
		o.post("/api/v1/users/"+id+"/repair", nil).want(200)
		o.post("/api/v1/users/nobody/deactivate", nil).wantError(404, "not_found")
		o.post("/api/v1/users/nobody/repair", nil).wantError(404, "not_found")

		o.del("/api/v1/users/" + id).want(204)
		o.get("/api/v1/users/"+id).wantError(404, "not_found")
		o.del("/api/v1/users/"+id).wantError(404, "not_found")
	})
}

// If-Match makes a write conditional on the version the client read.
func TestIfMatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		id := e.user("ivy", "Reports")
		tag := o.get("/api/v1/users/" + id).want(200).header.Get("ETag")
		next := o.patch("/api/v1/users/"+id, map[string]any{"name": "Ivy"}, "If-Match", tag).want(200).header.Get("ETag")
		if next == tag {
			t.Fatal("the ETag did not change with the user")
		}
		o.patch("/api/v1/users/"+id, map[string]any{"name": "Stale"}, "If-Match", tag).wantError(412, "precondition_failed")
		o.patch("/api/v1/users/"+id, map[string]any{"name": "Odd"}, "If-Match", `"not-a-version"`).wantError(412, "precondition_failed")
		o.del("/api/v1/users/"+id, "If-Match", tag).wantError(412, "precondition_failed")
		if u := o.get("/api/v1/users/" + id).want(200).obj(); u["name"] != "Ivy" {
			t.Fatalf("a stale write went through: %v", u)
		}
		o.del("/api/v1/users/"+id, "If-Match", next).want(204)
	})
}

func TestAccess(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		emea := o.post("/api/v1/accounts", map[string]any{"name": "EMEA"}).want(201).obj()["id"].(string)
		u, err := e.svc.CreateUser(t.Context(), account.Operator(), e.tenant, account.UserInput{
			User:   &store.User{UserName: "dan", Values: map[string][]store.Value{"roles": {{Value: "Finanse"}}}},
			Domain: &account.DomainInput{Grants: &[]account.GrantInput{{Role: "Reports", Node: emea}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		g, err := e.svc.CreateGroup(t.Context(), account.Operator(), e.tenant, account.GroupInput{
			Group:  &store.Group{DisplayName: "agents", Members: []store.Member{{ID: u.ID, Type: store.MemberUser}}},
			Domain: &account.GroupDomainInput{Grants: &[]account.GrantInput{{Role: "Agent"}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		acc := o.get("/api/v1/users/" + u.ID + "/access").want(200).obj()
		if acc["owner"] != false {
			t.Errorf("owner = %v", acc["owner"])
		}
		roles := map[string]map[string]any{}
		for _, r := range acc["roles"].([]any) {
			r := r.(map[string]any)
			roles[r["role"].(string)] = r
		}
		if r := roles["Reports"]; r == nil || r["node"].(map[string]any)["id"] != emea || r["node"].(map[string]any)["name"] != "EMEA" || r["viaGroup"] != nil {
			t.Errorf("Reports = %v, want at EMEA, own", r)
		}
		if r := roles["Agent"]; r == nil || r["viaGroup"] != g.ID || r["node"].(map[string]any)["id"] != e.tenant {
			t.Errorf("Agent = %v, want at the master through group %s", r, g.ID)
		}
		if p := strs(t, acc["permissions"]); !eqStrings(p, []string{"agent.self", "reports.run"}) {
			t.Errorf("permissions = %v", p)
		}
		// The master covers EMEA: one node.
		if ns := acc["nodes"].([]any); len(ns) != 1 || ns[0].(map[string]any)["id"] != e.tenant {
			t.Errorf("nodes = %v, want the master alone", ns)
		}
		if um := strs(t, acc["unmappedRoles"]); !eqStrings(um, []string{"Finanse"}) {
			t.Errorf("unmappedRoles = %v", um)
		}
		o.get("/api/v1/users/nobody/access").wantError(404, "not_found")
	})
}

func TestStats(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		e.user("a1", "Admin")
		e.user("s1", "Reports")
		s2 := e.user("s2", "Agent")
		o.post("/api/v1/users/"+s2+"/deactivate", nil).want(200)
		o.post("/api/v1/invitations", []any{map[string]any{"email": "i1@example.com"}}).want(201)
		got := o.get("/api/v1/stats").want(200).obj()
		want := map[string]any{"active": float64(3), "invited": float64(1), "admin": float64(2), "standard": float64(2)}
		if len(got) != len(want) {
			t.Errorf("stats = %v, want exactly %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("stats %s = %v, want %v (all: %v)", k, got[k], v, got)
			}
		}
	})
}
