package scim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
)

const accountSchema = "urn:scimd:schemas:extension:account:1.0:User"
const accountGroupSchema = "urn:scimd:schemas:extension:account:1.0:Group"

// domainSetup parks numbers and makes a team and a node for the tests.
func (e *env) domainSetup(t *testing.T) (teamID, nodeID string) {
	t.Helper()
	ctx := context.Background()
	tn, err := e.store.TenantByName(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	svc := account.New(account.Config{Store: e.store, PasswordCost: 4})
	op := account.Operator()
	for _, n := range []string{"+12125550100", "+12125550101"} {
		if _, err := svc.ParkNumber(ctx, op, tn.ID, n); err != nil {
			t.Fatal(err)
		}
	}
	team, err := svc.CreateTeam(ctx, op, tn.ID, store.Team{Name: "Support"})
	if err != nil {
		t.Fatal(err)
	}
	node, err := svc.CreateNode(ctx, op, tn.ID, "", "EMEA", "account")
	if err != nil {
		t.Fatal(err)
	}
	return team.ID, node.ID
}

// TestAccountExtensionRoundTrip: the account extension round-trips through
// POST, PUT and PATCH, filters on it go into SQL, and a PUT without it
// leaves the domain alone.
func TestAccountExtensionRoundTrip(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		team, node := e.domainSetup(t)
		ext := map[string]any{
			"grants":   []any{map[string]any{"role": "Agent"}, map[string]any{"role": "Reports", "node": node}},
			"agentIds": []any{map[string]any{"system": "voice", "value": "A17"}, map[string]any{"system": "chat", "value": "77"}},
			"teams":    []any{map[string]any{"value": "support", "leader": true}},
			"voice":    map[string]any{"primaryNumber": "1 (212) 555-0100"},
		}
		body := map[string]any{"schemas": []any{userSchema, accountSchema}, "userName": "agent@example.com", accountSchema: ext}
		c := e.do("POST", "/Users", body).want(t, http.StatusCreated)
		id := c.id(t)
		for _, doc := range []map[string]any{c.Body, e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK).Body} {
			eq(t, "state", doc, "active", accountSchema, "state")
			eq(t, "grants", doc, 2, accountSchema, "grants", "#")
			eq(t, "agentIds", doc, 2, accountSchema, "agentIds", "#")
			eq(t, "team", doc, team, accountSchema, "teams", 0, "value")
			eq(t, "team name", doc, "Support", accountSchema, "teams", 0, "display")
			eq(t, "leader", doc, true, accountSchema, "teams", 0, "leader")
			eq(t, "extension", doc, "1001", accountSchema, "voice", "extension")
			eq(t, "primary", doc, "+12125550100", accountSchema, "voice", "primaryNumber")
			eq(t, "location", doc, "Main Company Address", accountSchema, "voice", "location")
			if !hasString(doc["schemas"], accountSchema) {
				t.Errorf("schemas lack the account extension: %v", doc["schemas"])
			}
		}
		// Filters on the extension go into SQL.
		for _, f := range []string{
			accountSchema + `:agentIds[system eq "voice" and value eq "A17"]`,
			accountSchema + `:voice.extension eq "1001"`,
			accountSchema + `:state eq "active" and userName sw "agent"`,
			accountSchema + `:teams.value eq "` + team + `"`,
		} {
			if res := e.do("GET", "/Users"+q("filter", f), nil).resources(t); len(res) != 1 || res[0]["id"] != id {
				t.Errorf("filter %s: %d results", f, len(res))
			}
		}
		if n := e.do("GET", "/Users"+q("filter", accountSchema+`:agentIds[system eq "chat" and value eq "A17"]`), nil).total(t); n != 0 {
			t.Errorf("a filter matching another system's ID found %d users", n)
		}
		// PATCH of the core leaves the extension; PATCH of the extension changes it.
		u := e.do("PATCH", "/Users/"+id, patch(op("replace", "title", "Agent"))).want(t, http.StatusOK).Body
		eq(t, "after a core PATCH", u, 2, accountSchema, "agentIds", "#")
		version := u["meta"].(map[string]any)["version"]
		again := e.do("PATCH", "/Users/"+id, patch(op("replace", "title", "Agent"))).want(t, http.StatusOK).Body
		if again["meta"].(map[string]any)["version"] != version {
			t.Errorf("a PATCH that changes nothing changed the version")
		}
		u = e.do("PATCH", "/Users/"+id, patch(op("add", accountSchema+":agentIds", []any{map[string]any{"system": "sms", "value": "S1"}}))).
			want(t, http.StatusOK).Body
		eq(t, "after adding an agent ID", u, 3, accountSchema, "agentIds", "#")
		u = e.do("PATCH", "/Users/"+id, patch(op("remove", accountSchema+`:agentIds[system eq "chat"]`, nil))).want(t, http.StatusOK).Body
		eq(t, "after removing one", u, 2, accountSchema, "agentIds", "#")
		e.do("PATCH", "/Users/"+id, patch(op("replace", accountSchema+":state", "inactive"))).wantError(t, http.StatusBadRequest, "mutability")
		// A PUT without the extension leaves the domain alone; with it, replaces it.
		e.do("PUT", "/Users/"+id, map[string]any{"schemas": []any{userSchema}, "userName": "agent@example.com"}).want(t, http.StatusOK)
		got := e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK).Body
		eq(t, "after a PUT without the extension", got, 2, accountSchema, "agentIds", "#")
		ext["agentIds"] = []any{map[string]any{"system": "voice", "value": "A18"}}
		delete(ext, "voice")
		e.do("PUT", "/Users/"+id, body).want(t, http.StatusOK)
		got = e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK).Body
		eq(t, "after a PUT with the extension", got, "A18", accountSchema, "agentIds", 0, "value")
		eq(t, "voice removed", got, nil, accountSchema, "voice")
		// Effective access on request.
		got = e.do("GET", "/Users/"+id+"?attributes="+accountSchema+":effectiveRoles,"+accountSchema+":permissions", nil).want(t, http.StatusOK).Body
		if perms, _ := at(got, accountSchema, "permissions").([]any); len(perms) == 0 {
			t.Errorf("no permissions on request: %v", got[accountSchema])
		}
		if at(e.do("GET", "/Users/"+id, nil).Body, accountSchema, "permissions") != nil {
			t.Errorf("permissions are returned without being asked for")
		}
		// Discovery lists the extension.
		e.do("GET", "/Schemas/"+accountSchema, nil).want(t, http.StatusOK)
		rt := e.do("GET", "/ResourceTypes/User", nil).want(t, http.StatusOK).Body
		if !strings.Contains(string(e.do("GET", "/ResourceTypes/User", nil).Raw), accountSchema) {
			t.Errorf("ResourceTypes/User does not list the extension: %v", rt)
		}
	})
}

// TestSCIMRolesAndGuardrails: core roles values naming catalogue roles
// grant them; others are kept and shown as unmapped; strict grants refuse
// unknown roles; the guardrails answer 403 and 409 SCIM errors.
func TestSCIMRolesAndGuardrails(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		e.domainSetup(t)
		c := e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "r@example.com",
			"roles": []any{map[string]any{"value": "reports"}, map[string]any{"value": "Reprots"}}}).want(t, http.StatusCreated)
		eq(t, "unmapped", c.Body, []any{"Reprots"}, accountSchema, "unmappedRoles")
		eq(t, "grant from roles", c.Body, "Reports", accountSchema, "grants", 0, "role")
		eq(t, "source", c.Body, "roles", accountSchema, "grants", 0, "source")
		r := e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema, accountSchema}, "userName": "s@example.com",
			accountSchema: map[string]any{"grants": []any{map[string]any{"role": "Reprots"}}}}).wantError(t, http.StatusBadRequest, "invalidValue")
		if d := r.Body["detail"].(string); !strings.Contains(d, "Team Leader") {
			t.Errorf("the refusal does not list the tenant's roles: %s", d)
		}
		e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema}, "userName": "o@example.com",
			"roles": []any{map[string]any{"value": "Owner"}}}).wantError(t, http.StatusForbidden, "")
		// An agent ID held by another user: 409 naming the holder.
		mk := func(name string) string {
			return e.do("POST", "/Users", map[string]any{"schemas": []any{userSchema, accountSchema}, "userName": name,
				accountSchema: map[string]any{"grants": []any{map[string]any{"role": "Agent"}}}}).want(t, http.StatusCreated).id(t)
		}
		a, b := mk("a@example.com"), mk("b@example.com")
		e.do("PATCH", "/Users/"+a, patch(op("add", accountSchema+":agentIds", []any{map[string]any{"system": "voice", "value": "X"}}))).want(t, http.StatusOK)
		r = e.do("PATCH", "/Users/"+b, patch(op("add", accountSchema+":agentIds", []any{map[string]any{"system": "voice", "value": "X"}}))).
			wantError(t, http.StatusConflict, "uniqueness")
		if !strings.Contains(r.Body["detail"].(string), a) {
			t.Errorf("the conflict does not name the holder %s: %s", a, r.Body["detail"])
		}
		// The tenant's Owner cannot be deleted over SCIM.
		ctx := context.Background()
		tn, _ := e.store.TenantByName(ctx, "acme")
		svc := account.New(account.Config{Store: e.store, PasswordCost: 4})
		if _, err := svc.LoginLink(ctx, account.Operator(), tn.ID, "boss@example.com"); err != nil {
			t.Fatal(err)
		}
		boss, _ := e.store.Reader().FindUser(ctx, tn.ID, "boss@example.com")
		r = e.do("DELETE", "/Users/"+boss.ID, nil).wantError(t, http.StatusConflict, "uniqueness")
		if !strings.Contains(r.Body["detail"].(string), "transfer ownership first") {
			t.Errorf("deleting the Owner: %s", r.Body["detail"])
		}
		e.do("PATCH", "/Users/"+boss.ID, patch(op("replace", "active", false))).want(t, http.StatusOK)
		// A group grant through the extension.
		g := e.do("POST", "/Groups", map[string]any{"schemas": []any{groupSchema, accountGroupSchema}, "displayName": "support-team",
			accountGroupSchema: map[string]any{"grants": []any{map[string]any{"role": "Messaging Agent"}}, "team": map[string]any{"value": "Support"}},
			"members":          []any{map[string]any{"value": a}}}).want(t, http.StatusCreated)
		eq(t, "group grant", g.Body, "Messaging Agent", accountGroupSchema, "grants", 0, "role")
		eq(t, "group team", g.Body, "Support", accountGroupSchema, "team", "display")
		got := e.do("GET", "/Users/"+a+"?attributes="+accountSchema+":effectiveRoles", nil).want(t, http.StatusOK).Body
		if !strings.Contains(string(e.do("GET", "/Users/"+a+"?attributes="+accountSchema+":effectiveRoles", nil).Raw), "Messaging Agent") {
			t.Errorf("the group's grant is not among a's effective roles: %v", got)
		}
	})
}
