package adminapi_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// A session of one tenant never reads or changes another tenant's records:
// every id of the other tenant is a 404 (or, inside a body, a 400 that it
// does not exist here), and no list shows them.
func TestTenantIsolation(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		a := e.ownerc()
		// Tenant A's records.
		uA := e.user("alice", "Agent")
		a.patch("/api/v1/users/"+uA, map[string]any{"agentIds": []any{map[string]any{"system": "voice", "value": "A1"}}}).want(200)
		rA := a.post("/api/v1/roles", map[string]any{"name": "Secret role", "permissions": []string{"reports.run"}}).want(201).obj()["id"].(string)
		nA := a.post("/api/v1/accounts", map[string]any{"name": "Secret node"}).want(201).obj()["id"].(string)
		tA := a.post("/api/v1/teams", map[string]any{"name": "Secret team"}).want(201).obj()["id"].(string)
		lA := a.post("/api/v1/locations", map[string]any{"name": "Secret place"}).want(201).obj()["id"].(string)
		a.post("/api/v1/numbers", map[string]any{"number": "1 212 555 0100"}).want(201)
		num := url.PathEscape("+12125550100")
		iA := a.post("/api/v1/invitations", []any{map[string]any{"email": "invitee@example.com"}}).want(201)
		inv := strings.Split(strings.Split(string(iA.body), `"id":"`)[1], `"`)[0]
		gA, err := e.svc.CreateGroup(t.Context(), account.Operator(), e.tenant, account.GroupInput{Group: &store.Group{DisplayName: "secret group"}})
		if err != nil {
			t.Fatal(err)
		}
		idsOfA := []string{uA, rA, nA, tA, lA, inv, gA.ID, e.owner, e.tenant, "Secret", "alice", "+12125550100"}

		// Tenant B, with its own Owner and a user.
		tenantB, ownerB, cookieB := e.newTenant()
		b := e.as(cookieB)
		uB := e.userIn(tenantB, "bob", "Reports")
		tB := b.post("/api/v1/teams", map[string]any{"name": "B team"}).want(201).obj()["id"].(string)

		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/users/" + uA, nil},
			{"PATCH", "/api/v1/users/" + uA, map[string]any{"name": "pwned"}},
			{"PATCH", "/api/v1/users/" + e.owner, map[string]any{"roles": []string{"Reports"}}},
			{"DELETE", "/api/v1/users/" + uA, nil},
			{"GET", "/api/v1/users/" + uA + "/access", nil},
			{"POST", "/api/v1/users/" + uA + "/deactivate", nil},
			{"POST", "/api/v1/users/" + e.owner + "/deactivate", nil},
			{"POST", "/api/v1/users/" + uA + "/reactivate", nil},
			{"POST", "/api/v1/users/" + uA + "/repair", nil},
			{"POST", "/api/v1/invitations/" + inv + "/resend", nil},
			{"DELETE", "/api/v1/invitations/" + inv, nil},
			{"POST", "/api/v1/owner", map[string]any{"userId": uA, "formerOwner": map[string]any{"roles": []string{}}}},
			{"GET", "/api/v1/roles/" + rA, nil},
			{"PATCH", "/api/v1/roles/" + rA, map[string]any{"name": "pwned"}},
			{"DELETE", "/api/v1/roles/" + rA, nil},
			{"GET", "/api/v1/accounts/" + nA, nil},
			{"GET", "/api/v1/accounts/" + e.tenant, nil},
			{"PATCH", "/api/v1/accounts/" + nA, map[string]any{"name": "pwned"}},
			{"PATCH", "/api/v1/accounts/" + nA, map[string]any{"parentId": nil}},
			{"DELETE", "/api/v1/accounts/" + nA, nil},
			{"GET", "/api/v1/teams/" + tA, nil},
			{"PATCH", "/api/v1/teams/" + tA, map[string]any{"name": "pwned"}},
			{"DELETE", "/api/v1/teams/" + tA, nil},
			{"PUT", "/api/v1/teams/" + tA + "/members/" + uB, nil},
			{"DELETE", "/api/v1/teams/" + tA + "/members/" + uA, nil},
			{"PUT", "/api/v1/teams/" + tB + "/members/" + uA, nil},
			{"DELETE", "/api/v1/numbers/" + num, nil},
			{"GET", "/api/v1/locations/" + lA, nil},
			{"PATCH", "/api/v1/locations/" + lA, map[string]any{"name": "pwned"}},
			{"DELETE", "/api/v1/locations/" + lA, nil},
		} {
			r := b.do(c.method, c.path, c.body)
			if r.status != 404 {
				t.Errorf("%s %s from another tenant: %d %s, want 404", c.method, c.path, r.status, r.body)
				continue
			}
			r.wantError(404, "not_found")
		}

		// A's records named inside B's bodies do not exist for B.
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"PATCH", "/api/v1/users/" + uB, map[string]any{"teams": []any{map[string]any{"id": tA}}}},
			{"PATCH", "/api/v1/users/" + uB, map[string]any{"grants": []any{map[string]any{"role": "Reports", "node": nA}}}},
			{"PATCH", "/api/v1/users/" + uB, map[string]any{"roles": []string{"Secret role"}}},
			{"PATCH", "/api/v1/users/" + uB, map[string]any{"voice": map[string]any{"primaryNumber": "+12125550100"}}},
			{"PATCH", "/api/v1/users/" + uB, map[string]any{"voice": map[string]any{"location": lA}}},
			{"POST", "/api/v1/roles", map[string]any{"name": "Scoped", "scope": []string{nA}}},
			{"POST", "/api/v1/accounts", map[string]any{"name": "Child", "parentId": nA}},
			{"POST", "/api/v1/teams", map[string]any{"name": "Linked", "groupId": gA.ID}},
			{"POST", "/api/v1/invitations", []any{map[string]any{"email": "new@example.com", "teams": []any{map[string]any{"id": tA}}}}},
		} {
			r := b.do(c.method, c.path, c.body)
			if r.status != 400 && r.status != 404 {
				t.Errorf("%s %s naming another tenant's record: %d %s, want 400 or 404", c.method, c.path, r.status, r.body)
			}
		}
		// B's lists show nothing of A.
		for _, p := range []string{"/api/v1/users", "/api/v1/users?q=alice", "/api/v1/users?state=invited", "/api/v1/roles",
			"/api/v1/accounts", "/api/v1/teams", "/api/v1/locations", "/api/v1/audit", "/api/v1/audit?user=" + uA,
			"/api/v1/audit?actor=" + e.owner, "/api/v1/me", "/api/v1/users/" + uB, "/api/v1/users/" + ownerB + "/access"} {
			body := string(b.get(p).want(200).body)
			for _, id := range idsOfA {
				if strings.Contains(body, id) {
					t.Errorf("%s in tenant B shows %q of tenant A: %s", p, id, body)
				}
			}
		}
		if l := b.get("/api/v1/numbers").want(200).items(); len(l) != 0 {
			t.Errorf("B's numbers = %v", l)
		}
		// B may hold the same agent ID and number as A: they are per tenant.
		b.patch("/api/v1/users/"+uB, map[string]any{"roles": []string{"Agent"}}).want(200)
		b.patch("/api/v1/users/"+uB, map[string]any{"agentIds": []any{map[string]any{"system": "voice", "value": "A1"}}}).want(200)
		b.post("/api/v1/numbers", map[string]any{"number": "+1 212 555 0100"}).want(201)
		if s := b.get("/api/v1/stats").want(200).obj(); s["active"] != float64(2) || s["invited"] != float64(0) {
			t.Errorf("B's stats = %v", s)
		}

		// A is as it was.
		u := a.get("/api/v1/users/" + uA).want(200).obj()
		if u["name"] != "alice" || u["state"] != "active" {
			t.Errorf("A's user = %v", u)
		}
		if o := a.get("/api/v1/users/" + e.owner).want(200).obj(); o["owner"] != true || o["state"] != "active" {
			t.Errorf("A's owner = %v", o)
		}
		a.get("/api/v1/roles/" + rA).want(200)
		if n := a.get("/api/v1/accounts/" + nA).want(200).obj(); n["name"] != "Secret node" {
			t.Errorf("A's node = %v", n)
		}
		if tm := a.get("/api/v1/teams/" + tA).want(200).obj(); tm["name"] != "Secret team" || len(tm["members"].([]any)) != 0 {
			t.Errorf("A's team = %v", tm)
		}
		if l := a.get("/api/v1/locations/" + lA).want(200).obj(); l["name"] != "Secret place" {
			t.Errorf("A's location = %v", l)
		}
		if ns := a.get("/api/v1/numbers").want(200).items(); len(ns) != 1 {
			t.Errorf("A's numbers = %v", ns)
		}
		if u := a.get("/api/v1/users/" + inv).want(200).obj(); u["state"] != "invited" {
			t.Errorf("A's invitation = %v", u)
		}
		mails, _ := e.st.Reader().Mails(t.Context(), e.tenant, 10)
		if len(mails) != 1 {
			t.Errorf("A has %d mails, want the one invitation (B's resend must not send)", len(mails))
		}
	})
}
