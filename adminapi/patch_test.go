package adminapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// PATCH is a JSON merge patch: fields left out stay, null removes, a value
// replaces (roles: the direct roles at the master account only).
func TestPatchUserMergeSemantics(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		emea := o.post("/api/v1/accounts", map[string]any{"name": "EMEA"}).want(201).obj()["id"].(string)
		team := o.post("/api/v1/teams", map[string]any{"name": "Support"}).want(201).obj()["id"].(string)
		for _, n := range []string{"1 212 555 0100", "1 212 555 0101", "1 212 555 0102"} {
			o.post("/api/v1/numbers", map[string]any{"number": n}).want(201)
		}
		id := e.user("pat", "Agent", "Reports")
		path := "/api/v1/users/" + id

		u := o.patch(path, map[string]any{
			"grants":   []any{map[string]any{"role": "Agent"}, map[string]any{"role": "Reports"}, map[string]any{"role": "User", "node": emea}},
			"agentIds": []any{map[string]any{"system": "voice", "value": "A17"}},
			"teams":    []any{map[string]any{"id": team, "leader": true}},
			"voice":    map[string]any{"primaryNumber": "1 (212) 555-0100", "additionalNumbers": []string{"+12125550101"}},
		}).want(200).obj()
		voice := u["voice"].(map[string]any)
		if voice["primaryNumber"] != "+12125550100" || voice["location"] != account.DefaultLocation || voice["extension"] == "" {
			t.Fatalf("voice = %v", voice)
		}
		ext := voice["extension"]

		// roles replaces the direct roles at the master account; the grant at
		// EMEA and every other field stay.
		u = o.patch(path, map[string]any{"roles": []string{"Agent", "Finance"}}).want(200).obj()
		if r := strs(t, u["roles"]); !eqStrings(sorted(r), []string{"Agent", "Finance"}) {
			t.Errorf("roles = %v, want Agent and Finance", r)
		}
		if !hasGrant(u, "User", emea) || hasGrant(u, "Reports", e.tenant) {
			t.Errorf("grants = %v, want User at EMEA kept and Reports gone", u["grants"])
		}
		if len(u["agentIds"].([]any)) != 1 || len(u["teams"].([]any)) != 1 || u["voice"] == nil || u["name"] != "pat" {
			t.Errorf("fields left out of the patch changed: %v", u)
		}

		// voice merges member by member.
		u = o.patch(path, map[string]any{"voice": map[string]any{"additionalNumbers": nil}}).want(200).obj()
		voice = u["voice"].(map[string]any)
		if voice["primaryNumber"] != "+12125550100" || voice["extension"] != ext || len(voice["additionalNumbers"].([]any)) != 0 {
			t.Errorf("voice after removing additionalNumbers = %v", voice)
		}
		u = o.patch(path, map[string]any{"voice": map[string]any{"extension": "2001"}}).want(200).obj()
		if v := u["voice"].(map[string]any); v["extension"] != "2001" || v["primaryNumber"] != "+12125550100" {
			t.Errorf("voice after changing the extension = %v", v)
		}

		// null removes: voice (its number goes back to the pool), teams,
		// agent IDs, the display name.
		u = o.patch(path, `{"voice":null,"teams":null,"agentIds":null,"name":null}`).want(200).obj()
		if u["voice"] != nil || len(u["teams"].([]any)) != 0 || len(u["agentIds"].([]any)) != 0 || u["name"] != "pat@example.com" {
			t.Errorf("after nulls: %v", u)
		}
		for _, n := range o.get("/api/v1/numbers").want(200).items() {
			if n["userId"] != nil {
				t.Errorf("number %v still assigned after voice: null", n)
			}
		}
		if !hasGrant(u, "User", emea) || !eqStrings(sorted(strs(t, u["roles"])), []string{"Agent", "Finance"}) {
			t.Errorf("the roles changed with other fields: %v", u)
		}

		// grants replaces every direct grant.
		u = o.patch(path, map[string]any{"grants": []any{map[string]any{"role": "reports", "node": nil}}}).want(200).obj()
		if r := strs(t, u["roles"]); !eqStrings(r, []string{"Reports"}) || hasGrant(u, "User", emea) {
			t.Errorf("after grants: roles %v grants %v", r, u["grants"])
		}
		o.patch(path, map[string]any{"roles": nil}).want(200)
		if r := strs(t, o.get(path).want(200).obj()["roles"]); len(r) != 0 {
			t.Errorf("roles: null left %v", r)
		}
		// An empty patch changes nothing.
		before := o.get(path).want(200)
		after := o.patch(path, map[string]any{}).want(200)
		if string(before.body) != string(after.body) {
			t.Errorf("an empty patch changed the user:\n%s\n%s", before.body, after.body)
		}
	})
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func hasGrant(u map[string]any, role, node string) bool {
	for _, g := range u["grants"].([]any) {
		g := g.(map[string]any)
		if g["role"] == role && g["node"] == node {
			return true
		}
	}
	return false
}

func TestPatchUserEmailNameAndPassword(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		id := e.user("eve", "Reports")
		path := "/api/v1/users/" + id
		u := o.patch(path, map[string]any{"email": "Eve.New@example.com", "name": "Eve Newman"}).want(200).obj()
		if u["email"] != "Eve.New@example.com" || u["name"] != "Eve Newman" {
			t.Fatalf("after email and name: %v", u)
		}
		st, err := e.st.Reader().GetUser(t.Context(), e.tenant, id, store.LoadValues)
		if err != nil {
			t.Fatal(err)
		}
		if st.UserName != "Eve.New@example.com" || st.DisplayName != "Eve Newman" || len(st.Values["emails"]) != 1 || !st.Values["emails"][0].Primary {
			t.Errorf("stored: userName %q displayName %q emails %v: the userName was the old email, so it follows", st.UserName, st.DisplayName, st.Values["emails"])
		}
		// A userName that is not the email stays.
		other, err := e.svc.CreateUser(t.Context(), account.Operator(), e.tenant, account.UserInput{User: &store.User{UserName: "frank",
			Values: map[string][]store.Value{"emails": {{Value: "frank@example.com"}}}}})
		if err != nil {
			t.Fatal(err)
		}
		o.patch("/api/v1/users/"+other.ID, map[string]any{"email": "f@example.com"}).want(200)
		if st, _ := e.st.Reader().GetUser(t.Context(), e.tenant, other.ID, store.LoadValues); st.UserName != "frank" || st.Values["emails"][0].Value != "f@example.com" {
			t.Errorf("frank: userName %q emails %v", st.UserName, st.Values["emails"])
		}
		// Taken by another user's userName: 409 naming the field.
		e.user("gina")
		o.patch(path, map[string]any{"email": "gina@example.com"}).wantError(409, "conflict")
		o.patch(path, map[string]any{"email": "not an address"}).wantError(400, "invalid", "not an email address")
		o.patch(path, map[string]any{"email": nil}).wantError(400, "invalid", "cannot be removed")

		// The password policy names the rule; a good password is stored,
		// never echoed.
		for pw, rule := range map[string]string{"Sh0rt": "at least 8", "alllowercase1": "upper-case", "NODIGITSHERE": "lower-case", "NoDigitsHere": "digit"} {
			e := o.patch(path, map[string]any{"password": pw}).wantError(400, "invalid", rule)
			if e["field"] != "password" {
				t.Errorf("password error field %v", e["field"])
			}
		}
		r := o.patch(path, map[string]any{"password": "Secret123!"}).want(200)
		if strings.Contains(string(r.body), "Secret123") || strings.Contains(string(r.body), "password") {
			t.Errorf("the answer shows the password: %s", r.body)
		}
		if st, _ := e.st.Reader().GetUser(t.Context(), e.tenant, id, 0); !account.VerifyPassword(st.PasswordHash, "Secret123!") {
			t.Error("the password was not set")
		}
	})
}

func TestPatchUserDomainRules(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		id := e.user("hal", "Reports")
		holder := e.user("ida", "Agent")
		path := "/api/v1/users/" + id
		o.patch("/api/v1/users/"+holder, map[string]any{"agentIds": []any{map[string]any{"system": "voice", "value": "A17"}}}).want(200)

		o.patch(path, map[string]any{"agentIds": []any{map[string]any{"system": "voice", "value": "A18"}}}).wantError(400, "invalid", "Agent role")
		o.patch(path, map[string]any{"roles": []string{"Agent"}}).want(200)
		ce := o.patch(path, map[string]any{"agentIds": []any{map[string]any{"system": "voice", "value": "A17"}}}).wantError(409, "conflict", "one user")
		if ce["holder"] != holder || ce["field"] != "agentIds" {
			t.Errorf("conflict = %v, want field agentIds and holder %s", ce, holder)
		}
		o.patch(path, map[string]any{"roles": []string{"Superhero"}}).wantError(400, "invalid", `"Superhero" is not a role`, "Team Leader")
		o.patch(path, map[string]any{"teams": []any{map[string]any{"id": "no-such-team"}}}).wantError(400, "invalid", "not a team")
		o.patch(path, map[string]any{"voice": map[string]any{"primaryNumber": "1 212 555 0199"}}).wantError(400, "invalid", "not parked")
		o.post("/api/v1/numbers", map[string]any{"number": "1 800 555 0100"}).want(201)
		o.patch(path, map[string]any{"voice": map[string]any{"primaryNumber": "+18005550100"}}).wantError(400, "invalid", "toll-free")
		// None of the refused patches changed anything.
		if u := o.get(path).want(200).obj(); len(u["agentIds"].([]any)) != 0 || u["voice"] != nil || !eqStrings(strs(t, u["roles"]), []string{"Agent"}) {
			t.Errorf("refused patches changed the user: %v", u)
		}
	})
}

// The guardrails of seed 001, seen through the API: an Admin manages
// everyone but the Owner and other Admins and cannot grant Admin; nobody
// deletes the Owner.
func TestGuardrails(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		_, adminCookie := e.admin("adam")
		other, _ := e.admin("olga")
		std := e.user("sam", "Reports")
		ad := e.as(adminCookie)

		ad.del("/api/v1/users/"+other).wantError(403, "forbidden", "an Admin", "only the Owner")
		ad.patch("/api/v1/users/"+other, map[string]any{"name": "x"}).wantError(403, "forbidden", "an Admin")
		ad.post("/api/v1/users/"+other+"/deactivate", nil).wantError(403, "forbidden", "an Admin")
		ad.patch("/api/v1/users/"+e.owner, map[string]any{"roles": []string{"Reports"}}).wantError(403, "forbidden", "the Owner")
		ad.post("/api/v1/users/"+e.owner+"/deactivate", nil).wantError(403, "forbidden", "the Owner")
		ad.patch("/api/v1/users/"+std, map[string]any{"roles": []string{"Admin"}}).wantError(403, "forbidden", "only the Owner may grant the Admin role")
		// The Owner cannot be deleted by anyone: transfer ownership first.
		for _, c := range []client{ad, o} {
			ce := c.del("/api/v1/users/"+e.owner).wantError(409, "conflict", "transfer ownership first")
			if ce["field"] != "owner" {
				t.Errorf("conflict field %v, want owner", ce["field"])
			}
		}
		// What an Admin may do.
		ad.patch("/api/v1/users/"+std, map[string]any{"roles": []string{"Reports", "Finance"}}).want(200)
		// The Owner grants Admin, and keeps its own role through any patch.
		o.patch("/api/v1/users/"+std, map[string]any{"roles": []string{"Admin"}}).want(200)
		u := o.patch("/api/v1/users/"+e.owner, map[string]any{"roles": []string{"Reports"}}).want(200).obj()
		if u["owner"] != true || !eqStrings(sorted(strs(t, u["roles"])), []string{"Owner", "Reports"}) {
			t.Errorf("owner after a roles patch = %v, want still the Owner", u)
		}
		o.patch("/api/v1/users/"+std, map[string]any{"roles": []string{"Owner"}}).wantError(403, "forbidden", "Owner role cannot be granted")
		for _, id := range []string{other, std, e.owner} {
			if _, err := e.st.Reader().GetUser(t.Context(), e.tenant, id, 0); err != nil {
				t.Errorf("user %s: %v", id, err)
			}
		}
	})
}
