package account_test

// The model of issue 12 §2: roles, access through groups and the tree,
// agent IDs, teams, voice settings, default entitlements.

import (
	"slices"
	"sync"
	"testing"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// TestRolesAttributeMapsCatalogueRoles: a SCIM roles value naming a
// catalogue role (in any case) grants it at the master account; any other
// value is kept, grants nothing and is shown as unmapped. Grants given
// strictly (the extension, the admin API) refuse unknown roles, listing
// the tenant's.
func TestRolesAttributeMapsCatalogueRoles(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		in := account.UserInput{User: &store.User{UserName: "r@example.com", Values: map[string][]store.Value{
			"roles": {{Value: "team leader"}, {Value: "Reportz"}}}}}
		u, err := e.svc.CreateUser(e.ctx(), e.token(store.AuthorityOperator), e.tenant, in)
		ok(t, "create", err)
		if keys := e.roleKeys(u.ID); !slices.Equal(keys, []string{account.RoleTeamLeader}) {
			t.Errorf("effective roles %v, want team_leader only", keys)
		}
		v, err := e.svc.View(e.ctx(), e.tenant, e.get(u.ID))
		ok(t, "view", err)
		if !slices.Equal(v.Unmapped, []string{"Reportz"}) {
			t.Errorf("unmapped %v, want [Reportz]", v.Unmapped)
		}
		if vals := e.get(u.ID).Values["roles"]; len(vals) != 2 {
			t.Errorf("the roles attribute lost a value: %v", vals)
		}
		// Changing the roles attribute moves the grant.
		_, err = e.svc.UpdateUser(e.ctx(), e.token(store.AuthorityOperator), e.tenant, u.ID, nil, func(x *store.User) (account.UserInput, error) {
			x.Values["roles"] = []store.Value{{Value: "AGENT"}}
			return account.UserInput{User: x}, nil
		})
		ok(t, "update roles", err)
		if keys := e.roleKeys(u.ID); !slices.Equal(keys, []string{account.RoleAgent}) {
			t.Errorf("after the change, roles %v, want agent only", keys)
		}
		wantKind(t, "a strict grant of an unknown role", e.setRoles(e.op(), u.ID, "Reportz"), account.Invalid, "Reportz", "Team Leader", "Messaging Agent")
	})
}

// TestAccessCoversTheSubtree: seed 002 — access granted at a node covers
// every node beneath it, not its siblings or parents; it comes through
// groups, nested ones too, and is computed by the database.
func TestAccessCoversTheSubtree(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		main, err := e.svc.CreateNode(e.ctx(), e.op(), e.tenant, "", "Main Group", "group")
		ok(t, "node", err)
		sub, err := e.svc.CreateNode(e.ctx(), e.op(), e.tenant, main.ID, "Sub Group 1", "group")
		ok(t, "node", err)
		loc, err := e.svc.CreateNode(e.ctx(), e.op(), e.tenant, sub.ID, "Downtown", "location")
		ok(t, "node", err)
		other, err := e.svc.CreateNode(e.ctx(), e.op(), e.tenant, "", "Other", "account")
		ok(t, "node", err)
		outer, err := e.svc.CreateGroup(e.ctx(), e.op(), e.tenant, account.GroupInput{Group: &store.Group{DisplayName: "sub-admins"},
			Domain: &account.GroupDomainInput{Grants: &[]account.GrantInput{{Role: "Account Admin", Node: sub.ID}}}})
		ok(t, "group", err)
		u := e.user("nested")
		inner, err := e.svc.CreateGroup(e.ctx(), e.op(), e.tenant, account.GroupInput{Group: &store.Group{DisplayName: "inner",
			Members: []store.Member{{ID: u}}}})
		ok(t, "group", err)
		_, err = e.svc.EditMembers(e.ctx(), e.op(), e.tenant, outer.ID, []account.MemberOp{{Add: []string{inner.ID}}})
		ok(t, "nest", err)
		for _, c := range []struct {
			node string
			want bool
		}{{sub.ID, true}, {loc.ID, true}, {main.ID, false}, {other.ID, false}, {e.tenant, false}} {
			got, err := e.svc.Can(e.ctx(), e.tenant, u, account.PermUsersManage, c.node)
			ok(t, "can", err)
			if got != c.want {
				t.Errorf("Can(users.manage at %s) = %v, want %v", c.node, got, c.want)
			}
		}
		acc, err := e.svc.Access(e.ctx(), e.op(), e.tenant, u)
		ok(t, "access", err)
		if len(acc.Roles) != 1 || acc.Roles[0].ViaGroup != outer.ID || len(acc.Nodes) != 1 || acc.Nodes[0].ID != sub.ID {
			t.Errorf("access %+v: want Account Admin at Sub Group 1 through the outer group", acc)
		}
		if !slices.Contains(acc.Permissions, account.PermAccountsManage) {
			t.Errorf("permissions %v lack accounts.manage", acc.Permissions)
		}
		// The Account Admin manages accounts beneath its node only.
		_, err = e.svc.CreateNode(e.ctx(), e.member(u), e.tenant, loc.ID, "Back office", "")
		ok(t, "an Account Admin creates a node beneath its own", err)
		_, err = e.svc.CreateNode(e.ctx(), e.member(u), e.tenant, other.ID, "Elsewhere", "")
		wantKind(t, "an Account Admin creates a node elsewhere", err, account.Forbidden, "accounts.manage")
		// Leaving the group takes the access away.
		_, err = e.svc.EditMembers(e.ctx(), e.op(), e.tenant, inner.ID, []account.MemberOp{{Remove: []string{u}}})
		ok(t, "leave", err)
		if got, _ := e.svc.Can(e.ctx(), e.tenant, u, account.PermUsersManage, loc.ID); got {
			t.Errorf("access stayed after leaving the group")
		}
	})
}

// TestAgentIDs: seed 004 — only users with the Agent role hold agent IDs;
// an ID (system, value) belongs to one user at a time, and the clash names
// the holder; a user may hold several.
func TestAgentIDs(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		setIDs := func(id string, ids ...store.AgentID) error {
			_, err := e.svc.UpdateUser(e.ctx(), e.op(), e.tenant, id, nil, func(u *store.User) (account.UserInput, error) {
				return account.UserInput{User: u, Domain: &account.DomainInput{AgentIDs: &ids}}, nil
			})
			return err
		}
		plain := e.user("plain", "User")
		wantKind(t, "agent IDs for a non-Agent", setIDs(plain, store.AgentID{System: "voice", Value: "A17"}), account.Invalid, "Agent role")
		a, b := e.user("agent-a", "Agent"), e.user("agent-b", "Agent")
		ok(t, "two IDs for one agent", setIDs(a, store.AgentID{System: "voice", Value: "A17"}, store.AgentID{System: "chat", Value: "77"}))
		err := setIDs(b, store.AgentID{System: "voice", Value: "A17"})
		wantKind(t, "a taken ID", err, account.Conflict, a)
		if _, _, holder := account.Describe(err); holder != a {
			t.Errorf("the conflict's holder is %q, want %q", holder, a)
		}
		ok(t, "the same value in another system", setIDs(b, store.AgentID{System: "chat", Value: "A17"}))
		// Delete releases the IDs.
		ok(t, "delete", e.svc.DeleteUser(e.ctx(), e.op(), e.tenant, a, nil))
		ok(t, "the released ID", setIDs(b, store.AgentID{System: "voice", Value: "A17"}))
	})
}

// TestParallelAgentIDAssignment: two parallel assignments of one agent ID:
// one wins, the other is a conflict naming the winner.
func TestParallelAgentIDAssignment(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		ids := []string{e.user("p1", "Agent"), e.user("p2", "Agent")}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.svc.UpdateUser(e.ctx(), e.op(), e.tenant, id, nil, func(u *store.User) (account.UserInput, error) {
					return account.UserInput{User: u, Domain: &account.DomainInput{AgentIDs: &[]store.AgentID{{System: "voice", Value: "race"}}}}, nil
				})
			}()
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				if winner >= 0 {
					t.Fatalf("both assignments succeeded")
				}
				winner = i
			}
		}
		if winner < 0 {
			t.Fatalf("both assignments failed: %v, %v", errs[0], errs[1])
		}
		loser := errs[1-winner]
		wantKind(t, "the losing assignment", loser, account.Conflict)
		if _, _, holder := account.Describe(loser); holder != ids[winner] {
			t.Errorf("the conflict names %q, want the winner %q", holder, ids[winner])
		}
	})
}

// TestTeamsAndMyTeam: seed 004 — a Team Leader's My Team is the members of
// the teams it leads; a SCIM group linked to a team makes its members the
// team's; My Team is for Team Leaders only.
func TestTeamsAndMyTeam(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		team, err := e.svc.CreateTeam(e.ctx(), e.op(), e.tenant, store.Team{Name: "Night shift"})
		ok(t, "team", err)
		lead, agent := e.user("lead", "Team Leader"), e.user("agent", "Agent")
		seat := func(id string, leader bool) {
			_, err := e.svc.UpdateUser(e.ctx(), e.op(), e.tenant, id, nil, func(u *store.User) (account.UserInput, error) {
				return account.UserInput{User: u, Domain: &account.DomainInput{Teams: &[]account.SeatInput{{Team: "night SHIFT", Leader: leader}}}}, nil
			})
			ok(t, "seat", err)
		}
		seat(lead, true)
		seat(agent, false)
		views, err := e.svc.MyTeam(e.ctx(), e.member(lead), e.tenant, lead)
		ok(t, "my team", err)
		if len(views) != 1 || views[0].Team.ID != team.ID || len(views[0].Members) != 2 {
			t.Fatalf("My Team = %+v, want Night shift with 2 seats", views)
		}
		_, err = e.svc.MyTeam(e.ctx(), e.member(agent), e.tenant, agent)
		wantKind(t, "an Agent's My Team", err, account.Forbidden, "Team Leader")

		g, err := e.svc.CreateGroup(e.ctx(), e.op(), e.tenant, account.GroupInput{Group: &store.Group{DisplayName: "okta-day", Members: []store.Member{{ID: agent}}}})
		ok(t, "group", err)
		day, err := e.svc.CreateTeam(e.ctx(), e.op(), e.tenant, store.Team{Name: "Day shift", GroupID: g.ID})
		ok(t, "linked team", err)
		ok(t, "lead the day shift", e.svc.SetTeamMember(e.ctx(), e.op(), e.tenant, store.TeamMember{TeamID: day.ID, UserID: lead, Leader: true}, false))
		views, err = e.svc.MyTeam(e.ctx(), e.member(lead), e.tenant, lead)
		ok(t, "my team", err)
		found := false
		for _, v := range views {
			if v.Team.ID == day.ID {
				found = slices.ContainsFunc(v.Members, func(m store.TeamMember) bool { return m.UserID == agent })
			}
		}
		if !found {
			t.Errorf("the linked group's member is not on the day shift: %+v", views)
		}
		_, err = e.svc.CreateTeam(e.ctx(), e.op(), e.tenant, store.Team{Name: "Other", GroupID: g.ID})
		wantKind(t, "a second team on one group", err, account.Conflict)
	})
}

// TestVoiceSettings: seed 003 — a primary number must be parked,
// unassigned and not toll-free; additional numbers parked and unassigned;
// extensions are unique, generated when none is given; the location is
// "Main Company Address" unless named. Deleting a user releases numbers
// and extension; deactivating keeps them.
func TestVoiceSettings(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		for _, n := range []string{"1 (212) 555-0100", "+1 212 555 0101", "1-800-555-0199", "12125550102"} {
			_, err := e.svc.ParkNumber(e.ctx(), e.op(), e.tenant, n)
			ok(t, "park "+n, err)
		}
		_, err := e.svc.ParkNumber(e.ctx(), e.op(), e.tenant, "212 555 0103")
		wantKind(t, "a number without the leading 1", err, account.Invalid, "leading 1")
		voice := func(id string, v *account.VoiceInput) error {
			_, err := e.svc.UpdateUser(e.ctx(), e.op(), e.tenant, id, nil, func(u *store.User) (account.UserInput, error) {
				return account.UserInput{User: u, Domain: &account.DomainInput{SetVoice: true, Voice: v}}, nil
			})
			return err
		}
		a, b := e.user("a"), e.user("b")
		wantKind(t, "a toll-free primary", voice(a, &account.VoiceInput{Primary: "18005550199"}), account.Invalid, "toll-free")
		wantKind(t, "a number not parked", voice(a, &account.VoiceInput{Primary: "+1 415 555 0100"}), account.Invalid, "not parked")
		ok(t, "voice for a", voice(a, &account.VoiceInput{Primary: "+12125550100", Additional: []string{"1.800.555.0199"}}))
		got := e.get(a).Domain.Voice
		if got == nil || got.Extension != "1001" || got.LocationName != account.DefaultLocation || got.PrimaryNumber != "+12125550100" ||
			!slices.Equal(got.AdditionalNumbers, []string{"+18005550199"}) {
			t.Fatalf("a's voice %+v: want extension 1001 at %s with its numbers", got, account.DefaultLocation)
		}
		err = voice(b, &account.VoiceInput{Primary: "+12125550100"})
		wantKind(t, "an assigned number", err, account.Conflict)
		if _, _, holder := account.Describe(err); holder != a {
			t.Errorf("the conflict names %q, want %q", holder, a)
		}
		wantKind(t, "a taken extension", voice(b, &account.VoiceInput{Extension: "1001"}), account.Conflict)
		ok(t, "voice for b", voice(b, &account.VoiceInput{Primary: "+12125550101"}))
		if ext := e.get(b).Domain.Voice.Extension; ext != "1002" {
			t.Errorf("b's generated extension %q, want 1002", ext)
		}
		// Deactivating keeps the numbers; deleting releases them.
		_, err = e.svc.Deactivate(e.ctx(), e.op(), e.tenant, a)
		ok(t, "deactivate", err)
		if v := e.get(a).Domain.Voice; v == nil || v.PrimaryNumber != "+12125550100" {
			t.Errorf("deactivation dropped the voice settings: %+v", v)
		}
		ok(t, "delete", e.svc.DeleteUser(e.ctx(), e.op(), e.tenant, a, nil))
		c := e.user("c")
		ok(t, "the released number and extension", voice(c, &account.VoiceInput{Primary: "+12125550100", Extension: "1001"}))
	})
}

// TestDefaultEntitlementsAndRepair: seed 000 — every new user gets the
// tenant's default entitlements; repair re-applies them and recomputes
// access, and repairing twice changes nothing more.
func TestDefaultEntitlementsAndRepair(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		ok(t, "settings", e.svc.UpdateSettings(e.ctx(), e.op(), e.tenant, func(s *store.TenantSettings) error {
			s.DefaultEntitlements = []string{"Daily Call Statistics", "Live Call Details"}
			return nil
		}))
		u := e.user("new")
		if vals := e.get(u).Values["entitlements"]; len(vals) != 2 {
			t.Fatalf("a new user has entitlements %v, want the two defaults", vals)
		}
		// Something went wrong: the entitlements and a roles grant are lost.
		err := e.st.InTx(e.ctx(), func(tx store.Tx) error {
			old, err := tx.GetUser(e.ctx(), e.tenant, u, store.LoadValues|store.LoadAddresses)
			if err != nil {
				return err
			}
			nu := store.CloneUser(old)
			nu.Values["entitlements"] = nil
			nu.Values["roles"] = []store.Value{{Value: "Reports"}}
			return tx.WriteUser(e.ctx(), old, nu)
		})
		ok(t, "break the user", err)
		_, err = e.svc.Repair(e.ctx(), e.op(), e.tenant, u)
		ok(t, "repair", err)
		after := e.get(u)
		if len(after.Values["entitlements"]) != 2 || !slices.Contains(e.roleKeys(u), account.RoleReports) {
			t.Fatalf("after repair: entitlements %v, roles %v", after.Values["entitlements"], e.roleKeys(u))
		}
		_, err = e.svc.Repair(e.ctx(), e.op(), e.tenant, u)
		ok(t, "repair again", err)
		again := e.get(u)
		if len(again.Values["entitlements"]) != 2 || len(e.roleKeys(u)) != 1 {
			t.Errorf("a second repair changed the user: %v, %v", again.Values["entitlements"], e.roleKeys(u))
		}
	})
}

// TestAccountTree: nodes are created, renamed and moved without cycles;
// deleting one with children or grants is refused, saying why.
func TestAccountTree(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		a, err := e.svc.CreateNode(e.ctx(), e.op(), e.tenant, "", "A", "")
		ok(t, "A", err)
		b, err := e.svc.CreateNode(e.ctx(), e.op(), e.tenant, a.ID, "B", "")
		ok(t, "B", err)
		_, err = e.svc.CreateNode(e.ctx(), e.op(), e.tenant, "", "a", "")
		wantKind(t, "a sibling with the same name", err, account.Conflict)
		wantKind(t, "a move beneath itself", e.svc.MoveNode(e.ctx(), e.op(), e.tenant, a.ID, b.ID), account.Invalid, "beneath itself")
		wantKind(t, "deleting a node with children", e.svc.DeleteNode(e.ctx(), e.op(), e.tenant, a.ID), account.Conflict, "beneath it")
		ok(t, "rename", e.svc.RenameNode(e.ctx(), e.op(), e.tenant, b.ID, "B2"))
		ok(t, "move B to the master", e.svc.MoveNode(e.ctx(), e.op(), e.tenant, b.ID, ""))
		u := e.user("u")
		_, err = e.svc.UpdateUser(e.ctx(), e.op(), e.tenant, u, nil, func(x *store.User) (account.UserInput, error) {
			return account.UserInput{User: x, Domain: &account.DomainInput{Grants: &[]account.GrantInput{{Role: "User", Node: b.ID}}}}, nil
		})
		ok(t, "grant at B", err)
		wantKind(t, "deleting a node with grants", e.svc.DeleteNode(e.ctx(), e.op(), e.tenant, b.ID), account.Conflict, "granted")
		ok(t, "deleting A, now empty", e.svc.DeleteNode(e.ctx(), e.op(), e.tenant, a.ID))
		nodes, err := e.svc.Nodes(e.ctx(), e.op(), e.tenant)
		ok(t, "nodes", err)
		if len(nodes) != 2 || nodes[1].Name != "B2" || nodes[1].Path != "/"+e.tenant+"/"+b.ID+"/" {
			t.Errorf("nodes %+v: want the master and B2 beneath it", nodes)
		}
	})
}

// TestCustomRoles: a tenant defines roles from the permissions, with its
// own scope; nobody defines a role beyond their own rights.
func TestCustomRoles(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		n, err := e.svc.CreateNode(e.ctx(), e.op(), e.tenant, "", "Sub", "")
		ok(t, "node", err)
		r, err := e.svc.CreateRole(e.ctx(), e.op(), e.tenant, store.Role{Name: "Insights", Permissions: []string{account.PermInsightsView, account.PermDataExport}, Scope: []string{n.ID}})
		ok(t, "role", err)
		_, err = e.svc.CreateRole(e.ctx(), e.op(), e.tenant, store.Role{Name: "Bad", Permissions: []string{"fly"}})
		wantKind(t, "an unknown permission", err, account.Invalid, "fly")
		_, err = e.svc.CreateRole(e.ctx(), e.op(), e.tenant, store.Role{Name: "admin"})
		wantKind(t, "a built-in's name", err, account.Conflict)
		u := e.user("scoped", "Insights")
		if got, _ := e.svc.Can(e.ctx(), e.tenant, u, account.PermDataExport, n.ID); !got {
			t.Errorf("the custom role does not give data.export in its scope")
		}
		if got, _ := e.svc.Can(e.ctx(), e.tenant, u, account.PermDataExport, e.tenant); got {
			t.Errorf("the custom role gives data.export outside its scope")
		}
		wantKind(t, "deleting a granted role", e.svc.DeleteRole(e.ctx(), e.op(), e.tenant, r.ID), account.Conflict, "granted")
		acct := e.user("acct", "Account Admin")
		_, err = e.svc.CreateRole(e.ctx(), e.member(acct), e.tenant, store.Role{Name: "Billing plus", Permissions: []string{account.PermBilling}})
		wantKind(t, "an Account Admin defines a role with billing", err, account.Forbidden)
	})
}
