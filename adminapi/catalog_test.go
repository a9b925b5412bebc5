package adminapi_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/scimd/scimd/account"
)

func TestRoles(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		l := o.get("/api/v1/roles").want(200).obj()
		if l["total"] != float64(len(account.Builtins)) || l["next"] != nil {
			t.Fatalf("roles list: total %v next %v", l["total"], l["next"])
		}
		admin := o.get("/api/v1/roles/admin").want(200).obj()
		if admin["name"] != "Admin" || admin["builtin"] != true || len(admin["permissions"].([]any)) == 0 {
			t.Errorf("admin role = %v", admin)
		}
		emea := o.post("/api/v1/accounts", map[string]any{"name": "EMEA"}).want(201).obj()["id"].(string)
		r := o.post("/api/v1/roles", map[string]any{"name": "Support", "description": "first line", "permissions": []string{"reports.run", "insights.view"},
			"scope": []string{emea}}).want(201).obj()
		id := r["id"].(string)
		if r["name"] != "Support" || r["builtin"] != false || len(r["permissions"].([]any)) != 2 || strs(t, r["scope"])[0] != emea {
			t.Errorf("created = %v", r)
		}
		r = o.patch("/api/v1/roles/"+id, map[string]any{"description": "second line"}).want(200).obj()
		if r["description"] != "second line" || r["name"] != "Support" || len(r["permissions"].([]any)) != 2 {
			t.Errorf("patched = %v: fields left out must stay", r)
		}
		r = o.patch("/api/v1/roles/"+id, map[string]any{"scope": nil}).want(200).obj()
		if len(r["scope"].([]any)) != 0 {
			t.Errorf("scope: null left %v", r["scope"])
		}
		o.post("/api/v1/roles", map[string]any{"name": "support"}).wantError(409, "conflict", "already exists")
		o.post("/api/v1/roles", map[string]any{"name": "Admin"}).wantError(409, "conflict", "built-in")
		o.post("/api/v1/roles", map[string]any{"name": "X", "permissions": []string{"fly"}}).wantError(400, "invalid", `"fly" is not a permission`)
		o.post("/api/v1/roles", map[string]any{"permissions": []string{}}).wantError(400, "invalid", "name is required")
		o.post("/api/v1/roles", map[string]any{"name": "Y", "builtin": true}).wantError(400, "invalid", "read-only")
		o.patch("/api/v1/roles/admin", map[string]any{"description": "mine"}).wantError(400, "invalid", "built-in roles cannot be changed")
		o.del("/api/v1/roles/admin").wantError(400, "invalid", "built-in")
		o.get("/api/v1/roles/nope").wantError(404, "not_found")
		o.patch("/api/v1/roles/nope", map[string]any{"name": "Z"}).wantError(404, "not_found")

		// A role that is granted cannot go.
		u := e.user("rita")
		o.patch("/api/v1/users/"+u, map[string]any{"roles": []string{"Support"}}).want(200)
		o.del("/api/v1/roles/"+id).wantError(409, "conflict", "revoke it first")
		o.patch("/api/v1/users/"+u, map[string]any{"roles": nil}).want(200)
		o.del("/api/v1/roles/" + id).want(204)
		o.get("/api/v1/roles/"+id).wantError(404, "not_found")
		o.del("/api/v1/roles/"+id).wantError(404, "not_found")

		// An Admin defines roles only from permissions it holds.
		_, cookie := e.admin("adam")
		e.as(cookie).post("/api/v1/roles", map[string]any{"name": "Helper", "permissions": []string{"reports.run"}}).want(201)
	})
}

func TestAccountTree(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		emea := o.post("/api/v1/accounts", map[string]any{"name": "EMEA"}).want(201).obj()
		if emea["kind"] != "account" || emea["parentId"] != e.tenant || emea["path"] != "/"+e.tenant+"/"+emea["id"].(string)+"/" {
			t.Errorf("emea = %v", emea)
		}
		eid := emea["id"].(string)
		paris := o.post("/api/v1/accounts", map[string]any{"name": "Paris", "kind": "location", "parentId": eid}).want(201).obj()
		pid := paris["id"].(string)
		if paris["kind"] != "location" || paris["parentId"] != eid {
			t.Errorf("paris = %v", paris)
		}
		nodes := o.get("/api/v1/accounts").want(200).items()
		if len(nodes) != 3 || nodes[0]["id"] != e.tenant || nodes[0]["kind"] != "master" || nodes[0]["parentId"] != nil {
			t.Errorf("nodes = %v, want the master first, then EMEA and Paris", nodes)
		}
		o.get("/api/v1/accounts/" + pid).want(200)

		if n := o.patch("/api/v1/accounts/"+pid, map[string]any{"name": "Paris Nord"}).want(200).obj(); n["name"] != "Paris Nord" || n["parentId"] != eid {
			t.Errorf("renamed = %v", n)
		}
		o.patch("/api/v1/accounts/"+eid, map[string]any{"parentId": pid}).wantError(400, "invalid", "beneath itself")
		o.patch("/api/v1/accounts/"+pid, map[string]any{"parentId": "nowhere"}).wantError(400, "invalid", "nowhere")
		o.patch("/api/v1/accounts/"+pid, map[string]any{"kind": "group"}).wantError(400, "invalid", "read-only")
		o.patch("/api/v1/accounts/"+e.tenant, map[string]any{"parentId": eid}).wantError(400, "invalid", "master")
		o.post("/api/v1/accounts", map[string]any{"name": "Paris Nord", "parentId": eid}).wantError(409, "conflict", "already exists")
		o.post("/api/v1/accounts", map[string]any{"name": "X", "kind": "planet"}).wantError(400, "invalid", "planet")
		o.post("/api/v1/accounts", map[string]any{"name": " "}).wantError(400, "invalid", "name")

		o.del("/api/v1/accounts/"+eid).wantError(409, "conflict", "beneath it")
		if n := o.patch("/api/v1/accounts/"+pid, map[string]any{"parentId": nil}).want(200).obj(); n["parentId"] != e.tenant {
			t.Errorf("moved = %v, want beneath the master", n)
		}
		u := e.user("una")
		o.patch("/api/v1/users/"+u, map[string]any{"grants": []any{map[string]any{"role": "User", "node": eid}}}).want(200)
		o.del("/api/v1/accounts/"+eid).wantError(409, "conflict", "revoke them first")
		o.del("/api/v1/accounts/" + pid).want(204)
		o.get("/api/v1/accounts/"+pid).wantError(404, "not_found")
		o.del("/api/v1/accounts/"+pid).wantError(404, "not_found")
		o.del("/api/v1/accounts/"+e.tenant).wantError(400, "invalid", "master")
	})
}

func TestTeams(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		tm := o.post("/api/v1/teams", map[string]any{"name": "Day shift"}).want(201).obj()
		id := tm["id"].(string)
		if tm["groupId"] != nil || len(tm["members"].([]any)) != 0 {
			t.Errorf("team = %v", tm)
		}
		a, b := e.user("al"), e.user("bea")
		o.put("/api/v1/teams/"+id+"/members/"+a, map[string]any{"leader": true}).want(204)
		o.put("/api/v1/teams/"+id+"/members/"+b, nil, "Content-Type", "application/json").want(204)
		ms := o.get("/api/v1/teams/" + id).want(200).obj()["members"].([]any)
		leaders := map[string]bool{}
		for _, m := range ms {
			leaders[m.(map[string]any)["userId"].(string)] = m.(map[string]any)["leader"].(bool)
		}
		if len(ms) != 2 || !leaders[a] || leaders[b] {
			t.Errorf("members = %v", ms)
		}
		o.put("/api/v1/teams/"+id+"/members/"+a, map[string]any{"leader": false}).want(204)
		o.del("/api/v1/teams/" + id + "/members/" + b).want(204)
		ms = o.get("/api/v1/teams/" + id).want(200).obj()["members"].([]any)
		if len(ms) != 1 || ms[0].(map[string]any)["leader"] != false {
			t.Errorf("members after changes = %v", ms)
		}
		if u := o.get("/api/v1/users/" + a).want(200).obj(); u["teams"].([]any)[0].(map[string]any)["name"] != "Day shift" {
			t.Errorf("user's teams = %v", u["teams"])
		}
		o.put("/api/v1/teams/"+id+"/members/nobody", nil).wantError(404, "not_found")
		o.put("/api/v1/teams/nope/members/"+a, nil).wantError(404, "not_found")
		o.put("/api/v1/teams/"+id+"/members/"+a, map[string]any{"leader": "yes"}).wantError(400, "invalid", "leader must be true or false")

		o.post("/api/v1/teams", map[string]any{"name": "Night shift"}).want(201)
		if tm := o.patch("/api/v1/teams/"+id, map[string]any{"name": "Early shift"}).want(200).obj(); tm["name"] != "Early shift" {
			t.Errorf("renamed = %v", tm)
		}
		o.patch("/api/v1/teams/"+id, map[string]any{"name": "night shift"}).wantError(409, "conflict", "already exists")
		o.patch("/api/v1/teams/"+id, map[string]any{"groupId": "no-group"}).wantError(400, "invalid", "group")
		if l := o.get("/api/v1/teams").want(200).obj(); l["total"] != float64(2) {
			t.Errorf("teams = %v", l)
		}
		o.del("/api/v1/teams/" + id).want(204)
		o.get("/api/v1/teams/"+id).wantError(404, "not_found")
		o.patch("/api/v1/teams/"+id, map[string]any{"name": "x"}).wantError(404, "not_found")
		o.del("/api/v1/teams/"+id).wantError(404, "not_found")
	})
}

func TestNumbersAndLocations(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		n := o.post("/api/v1/numbers", map[string]any{"number": "1 (212) 555-0100"}).want(201).obj()
		if n["number"] != "+12125550100" || n["tollFree"] != false || n["userId"] != nil {
			t.Errorf("parked = %v", n)
		}
		if n := o.post("/api/v1/numbers", map[string]any{"number": "1-888-555-0100"}).want(201).obj(); n["tollFree"] != true {
			t.Errorf("toll-free = %v", n)
		}
		o.post("/api/v1/numbers", map[string]any{"number": "+1 212 555 0100"}).wantError(409, "conflict", "already parked")
		o.post("/api/v1/numbers", map[string]any{"number": "212 555 0100"}).wantError(400, "invalid", "leading 1")
		o.post("/api/v1/numbers", map[string]any{"number": 12125550100}).wantError(400, "invalid", "number must be a string")

		u := e.user("vic")
		o.patch("/api/v1/users/"+u, map[string]any{"voice": map[string]any{"primaryNumber": "+12125550100"}}).want(200)
		ce := o.del("/api/v1/numbers/"+url.PathEscape("+12125550100")).wantError(409, "conflict", "assigned")
		if ce["holder"] != u {
			t.Errorf("conflict holder %v, want %s", ce["holder"], u)
		}
		o.del("/api/v1/numbers/" + url.PathEscape("+18885550100")).want(204)
		o.del("/api/v1/numbers/"+url.PathEscape("+18885550100")).wantError(404, "not_found")
		o.del("/api/v1/numbers/garbage").wantError(400, "invalid", "not a phone number")
		if l := o.get("/api/v1/numbers").want(200).items(); len(l) != 1 || l[0]["userId"] != u || l[0]["primary"] != true {
			t.Errorf("numbers = %v", l)
		}

		// Locations: the default one came with the voice settings.
		locs := o.get("/api/v1/locations").want(200).items()
		if len(locs) != 1 || locs[0]["name"] != account.DefaultLocation || locs[0]["default"] != true {
			t.Fatalf("locations = %v", locs)
		}
		l := o.post("/api/v1/locations", map[string]any{"name": "Paris", "address": "1 rue de Rivoli"}).want(201).obj()
		id := l["id"].(string)
		if l["default"] != false || l["address"] != "1 rue de Rivoli" {
			t.Errorf("created = %v", l)
		}
		if l := o.patch("/api/v1/locations/"+id, map[string]any{"name": "Paris 1er"}).want(200).obj(); l["name"] != "Paris 1er" || l["address"] != "1 rue de Rivoli" {
			t.Errorf("patched = %v", l)
		}
		o.post("/api/v1/locations", map[string]any{"name": "paris 1ER"}).wantError(409, "conflict", "already exists")
		o.post("/api/v1/locations", map[string]any{"name": "Lyon", "default": true}).wantError(400, "invalid", "read-only")
		o.patch("/api/v1/users/"+u, map[string]any{"voice": map[string]any{"location": "Paris 1er"}}).want(200)
		o.del("/api/v1/locations/"+id).wantError(409, "conflict", "used by")
		o.patch("/api/v1/users/"+u, map[string]any{"voice": map[string]any{"location": nil}}).want(200)
		o.del("/api/v1/locations/" + id).want(204)
		o.get("/api/v1/locations/"+id).wantError(404, "not_found")
		o.del("/api/v1/locations/"+id).wantError(404, "not_found")
	})
}

// Lists held whole below are paged by the API all the same.
func TestSmallListsPage(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		for i := range 7 {
			o.post("/api/v1/teams", map[string]any{"name": fmt.Sprintf("team %d", i)}).want(201)
		}
		var names []string
		path := "/api/v1/teams?limit=3"
		for range 5 {
			l := o.get(path).want(200).obj()
			if l["total"] != float64(7) {
				t.Fatalf("total %v", l["total"])
			}
			for _, it := range l["items"].([]any) {
				names = append(names, it.(map[string]any)["name"].(string))
			}
			if l["next"] == nil {
				break
			}
			path = "/api/v1/teams?limit=3&cursor=" + url.QueryEscape(l["next"].(string))
		}
		if len(names) != 7 {
			t.Fatalf("paged %v, want 7 teams", names)
		}
		o.get("/api/v1/teams?cursor=garbage").wantError(400, "invalid", "cursor")
		o.get("/api/v1/teams?cursor=eyJjIjoxLCJpIjoieCJ9").wantError(400, "invalid", "cursor") // a users cursor
		o.get("/api/v1/roles?limit=-1").wantError(400, "invalid", "limit")
	})
}
