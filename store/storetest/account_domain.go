package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// populated is a tenant with rows in every account-domain table.
type populated struct {
	tenant        string
	agent, admin  *store.User // agent has every domain part; admin owns
	group         *store.Group
	node, child   store.Node
	role          store.Role
	team, linked  store.Team
	location      store.Location
	own, viaGroup store.Grant
}

// populate fills a tenant with a tree, a role, grants, agent IDs, teams,
// voice settings and numbers, an invitation, a sign-in link, a session, an
// audit entry and a mail.
func populate(t *testing.T, s store.Store, name string) populated {
	t.Helper()
	p := populated{tenant: newTenant(t, s)}
	p.agent = mkUser(t, s, p.tenant, name+"-agent")
	p.admin = mkUser(t, s, p.tenant, name+"-admin")
	p.group = mkGroup(t, s, p.tenant, name+"-group", p.agent.ID)
	p.node = mkNode(t, s, p.tenant, "", "Region")
	p.child = mkNode(t, s, p.tenant, p.node.ID, "Site")
	p.role = store.Role{TenantID: p.tenant, Name: "Packages", Permissions: []string{"reports.run"}, Scope: []string{p.child.ID}}
	inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.InsertRole(c, &p.role) })
	p.own = addGrant(t, s, userGrant(p.tenant, p.agent.ID, "agent", p.child.ID))
	p.viaGroup = addGrant(t, s, groupGrant(p.tenant, p.group.ID, p.role.ID, p.node.ID))
	addGrant(t, s, userGrant(p.tenant, p.admin.ID, "owner", ""))
	if err := setAgentIDs(t, s, p.tenant, p.agent.ID, store.AgentID{System: "voice", Value: "A17"}, store.AgentID{System: "chat", Value: "77"}); err != nil {
		t.Fatal(err)
	}
	p.team = mkTeam(t, s, p.tenant, "Blue", "")
	p.linked = mkTeam(t, s, p.tenant, "Amber", p.group.ID)
	p.location = mkLocation(t, s, p.tenant, "Main Company Address", true)
	parkNumbers(t, s, p.tenant, "+15550000001", "+15550000002", "+15550000003", "tf:+18005550100")
	t0 := now()
	inTx(t, s, func(c context.Context, tx store.Tx) error {
		if err := tx.SetTeamSeats(c, p.tenant, p.agent.ID, []store.TeamMember{{TeamID: p.team.ID, Leader: true}, {TeamID: p.linked.ID}}); err != nil {
			return err
		}
		if err := tx.SetVoice(c, p.tenant, p.agent.ID, &store.Voice{Extension: "101", LocationID: p.location.ID},
			"+15550000001", []string{"+18005550100", "+15550000002"}); err != nil {
			return err
		}
		if err := tx.PutInvitation(c, &store.Invitation{TenantID: p.tenant, UserID: p.agent.ID, TokenHash: hashOf(name + "-inv"),
			ExpiresAt: t0.Add(time.Hour)}); err != nil {
			return err
		}
		if err := tx.InsertLoginLink(c, &store.LoginLink{TokenHash: hashOf(name + "-link"), TenantID: p.tenant, UserID: p.agent.ID,
			ExpiresAt: t0.Add(time.Hour)}); err != nil {
			return err
		}
		if err := tx.InsertSession(c, &store.Session{IDHash: hashOf(name + "-session"), TenantID: p.tenant, UserID: p.agent.ID,
			ExpiresAt: t0.Add(time.Hour)}); err != nil {
			return err
		}
		if err := tx.InsertAudit(c, &store.AuditEntry{TenantID: p.tenant, ActorKind: "operator", Action: "create",
			ResourceType: "User", ResourceID: p.agent.ID}); err != nil {
			return err
		}
		return tx.QueueMail(c, &store.Mail{TenantID: p.tenant, To: "agent@example.com", Subject: "Welcome", Body: "Hi"})
	})
	return p
}

// agentDomain is what populate gives its agent.
func (p populated) agentDomain() *store.Domain {
	return &store.Domain{
		Grants: []store.Grant{p.own},
		AgentIDs: []store.AgentID{
			{System: "chat", Value: "77", UserID: p.agent.ID},
			{System: "voice", Value: "A17", UserID: p.agent.ID},
		},
		Teams: []store.TeamSeat{
			{TeamID: p.linked.ID, TeamName: "Amber"},
			{TeamID: p.team.ID, TeamName: "Blue", Leader: true},
		},
		Voice: &store.VoiceView{Extension: "101", LocationID: p.location.ID, LocationName: "Main Company Address",
			PrimaryNumber: "+15550000001", AdditionalNumbers: []string{"+15550000002", "+18005550100"}},
	}
}

var domainLoadTests = map[string]func(t *testing.T, s store.Store){
	"User": func(t *testing.T, s store.Store) {
		c := ctx(t)
		p := populate(t, s, "p")
		plain := mkUser(t, s, p.tenant, "p-plain")
		if u := getUser(t, s, p.tenant, p.agent.ID, store.LoadValues); u.Domain != nil {
			t.Fatalf("Domain loaded without LoadDomain: %+v", u.Domain)
		}
		want := p.agentDomain()
		if got := getUser(t, s, p.tenant, p.agent.ID, store.LoadDomain).Domain; !reflect.DeepEqual(got, want) {
			t.Fatalf("Domain\n got %+v\nwant %+v", got, want)
		}
		if got := getUser(t, s, p.tenant, plain.ID, store.LoadAll).Domain; got == nil || !reflect.DeepEqual(*got, store.Domain{}) {
			t.Fatalf("a user without domain parts loaded %+v, want an empty Domain", got)
		}
		// A page loads each user's own parts.
		page, err := s.ListUsers(c, p.tenant, store.Query{Load: store.LoadDomain, Limit: 10})
		if err != nil || len(page.Items) != 3 {
			t.Fatalf("ListUsers = %+v, %v", page, err)
		}
		for _, u := range page.Items {
			switch u.ID {
			case p.agent.ID:
				if !reflect.DeepEqual(u.Domain, want) {
					t.Errorf("listed agent Domain\n got %+v\nwant %+v", u.Domain, want)
				}
			case p.admin.ID:
				if u.Domain == nil || len(u.Domain.Grants) != 1 || u.Domain.Grants[0].Role != "owner" || u.Domain.Voice != nil ||
					len(u.Domain.AgentIDs) != 0 || len(u.Domain.Teams) != 0 {
					t.Errorf("listed admin Domain = %+v", u.Domain)
				}
			default:
				if u.Domain == nil || !reflect.DeepEqual(*u.Domain, store.Domain{}) {
					t.Errorf("listed plain Domain = %+v", u.Domain)
				}
			}
		}
		if page, _ := s.ListUsers(c, p.tenant, store.Query{Limit: 10}); page.Items[0].Domain != nil {
			t.Fatalf("ListUsers without LoadDomain loaded %+v", page.Items[0].Domain)
		}
	},
	"Group": func(t *testing.T, s store.Store) {
		c := ctx(t)
		p := populate(t, s, "p")
		bare := mkGroup(t, s, p.tenant, "bare")
		want := &store.GroupDomain{Grants: []store.Grant{p.viaGroup}, TeamID: p.linked.ID, TeamName: "Amber"}
		if got := getGroup(t, s, p.tenant, p.group.ID, store.LoadDomain).Domain; !reflect.DeepEqual(got, want) {
			t.Fatalf("group Domain = %+v, want %+v", got, want)
		}
		if got := getGroup(t, s, p.tenant, bare.ID, store.LoadDomain).Domain; got == nil || !reflect.DeepEqual(*got, store.GroupDomain{}) {
			t.Fatalf("a bare group's Domain = %+v", got)
		}
		if got := getGroup(t, s, p.tenant, p.group.ID, 0).Domain; got != nil {
			t.Fatalf("Domain loaded without LoadDomain: %+v", got)
		}
		page, err := s.ListGroups(c, p.tenant, store.Query{Load: store.LoadDomain | store.LoadMembers, Limit: 10})
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("ListGroups = %+v, %v", page, err)
		}
		for _, g := range page.Items {
			if g.ID == p.group.ID && !reflect.DeepEqual(g.Domain, want) {
				t.Errorf("listed group Domain = %+v, want %+v", g.Domain, want)
			}
			if g.ID == bare.ID && (g.Domain == nil || g.Domain.TeamID != "" || len(g.Domain.Grants) != 0) {
				t.Errorf("listed bare group Domain = %+v", g.Domain)
			}
		}
	},
	"Stats": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		state := func(st string) func(u *store.User) { return func(u *store.User) { u.State = st } }
		a1 := mkUser(t, s, tenant, "a1")
		a2 := mkUser(t, s, tenant, "a2")
		a3 := mkUser(t, s, tenant, "a3")
		a4 := mkUser(t, s, tenant, "a4")
		i1 := mkUser(t, s, tenant, "i1", state(store.StateInvited))
		mkUser(t, s, tenant, "i2", state(store.StateInvited))
		x1 := mkUser(t, s, tenant, "x1", state(store.StateInactive), func(u *store.User) { u.Active = ptr(false) })
		nested := mkGroup(t, s, tenant, "nested", a2.ID, x1.ID)
		admins := mkGroup(t, s, tenant, "admins", nested.ID, i1.ID, a1.ID)
		mkGroup(t, s, tenant, "agents", a3.ID)
		addGrant(t, s, groupGrant(tenant, admins.ID, "admin", ""))
		addGrant(t, s, userGrant(tenant, a1.ID, "admin", ""))
		addGrant(t, s, userGrant(tenant, x1.ID, "admin", ""))
		addGrant(t, s, userGrant(tenant, a4.ID, "owner", ""))
		addGrant(t, s, userGrant(tenant, a3.ID, "agent", ""))
		other, otherUser, otherGroup := otherTenant(t, s)
		addGrant(t, s, groupGrant(other, otherGroup, "admin", ""))
		addGrant(t, s, userGrant(other, otherUser, "owner", ""))

		st, err := s.Reader().Stats(c, tenant, []string{"admin", "owner"})
		want := store.Stats{Active: 4, Invited: 2, Inactive: 1, Admin: 4, Standard: 2}
		if err != nil || st != want {
			t.Fatalf("Stats = %+v, %v; want %+v (admins a1, a2 through nesting, i1, a4)", st, err, want)
		}
		st, _ = s.Reader().Stats(c, tenant, []string{"agent"})
		if want := (store.Stats{Active: 4, Invited: 2, Inactive: 1, Admin: 1, Standard: 5}); st != want {
			t.Fatalf("Stats for agent = %+v, want %+v", st, want)
		}
		st, _ = s.Reader().Stats(c, tenant, nil)
		if want := (store.Stats{Active: 4, Invited: 2, Inactive: 1, Standard: 6}); st != want {
			t.Fatalf("Stats without admin roles = %+v, want %+v", st, want)
		}
		st, _ = s.Reader().Stats(c, other, []string{"admin", "owner"})
		if want := (store.Stats{Active: 1, Admin: 1}); st != want {
			t.Fatalf("the other tenant's Stats = %+v, want %+v", st, want)
		}
	},
}

var accountDeleteTests = map[string]func(t *testing.T, s store.Store){
	// Deleting a tenant deletes its rows in every account-domain table, and
	// nothing of another tenant's.
	"Tenant": func(t *testing.T, s store.Store) {
		c := ctx(t)
		gone := populate(t, s, "gone")
		kept := populate(t, s, "kept")
		if _, err := s.DeleteTenant(c, gone.tenant); err != nil {
			t.Fatalf("DeleteTenant of a populated tenant: %v", err)
		}
		r := s.Reader()
		t0 := now()
		if ns, _ := r.Nodes(c, gone.tenant); len(ns) != 0 {
			t.Errorf("nodes left: %+v", ns)
		}
		if rs, _ := r.Roles(c, gone.tenant); len(rs) != 0 {
			t.Errorf("roles left: %+v", rs)
		}
		for _, check := range []struct {
			what string
			n    func(tenant string) int
		}{
			{"grants", func(tn string) int { n, _ := r.CountGrants(c, tn, "agent"); return n }},
			{"teams", func(tn string) int { ts, _ := r.Teams(c, tn); return len(ts) }},
			{"locations", func(tn string) int { ls, _ := r.Locations(c, tn); return len(ls) }},
			{"numbers", func(tn string) int { ns, _ := r.Numbers(c, tn); return len(ns) }},
			{"extensions", func(tn string) int { es, _ := r.Extensions(c, tn); return len(es) }},
			{"audit", func(tn string) int { es, _ := r.Audit(c, tn, store.AuditQuery{}); return len(es) }},
			{"mails", func(tn string) int { ms, _ := r.Mails(c, tn, 0); return len(ms) }},
			{"agent IDs", func(tn string) int {
				if h, _ := r.AgentIDHolder(c, tn, "voice", "A17"); h != "" {
					return 1
				}
				return 0
			}},
		} {
			if n := check.n(gone.tenant); n != 0 {
				t.Errorf("%d %s left of the deleted tenant", n, check.what)
			}
			if n := check.n(kept.tenant); n == 0 {
				t.Errorf("the kept tenant lost its %s", check.what)
			}
		}
		if _, err := r.InvitationByHash(c, hashOf("gone-inv"), t0); err != store.ErrNotFound {
			t.Errorf("the deleted tenant's invitation: %v", err)
		}
		if _, err := r.SessionByHash(c, hashOf("gone-session"), t0); err != store.ErrNotFound {
			t.Errorf("the deleted tenant's session: %v", err)
		}
		if _, err := r.SessionByHash(c, hashOf("kept-session"), t0); err != nil {
			t.Errorf("the kept tenant's session: %v", err)
		}
		if got := getUser(t, s, kept.tenant, kept.agent.ID, store.LoadDomain).Domain; !reflect.DeepEqual(got, kept.agentDomain()) {
			t.Errorf("the kept tenant's agent changed: %+v", got)
		}
		if ms, err := s.ClaimMails(c, t0.Add(time.Minute), time.Minute, 10); err != nil || len(ms) != 1 || ms[0].TenantID != kept.tenant {
			t.Errorf("ClaimMails after the delete = %+v, %v; want the kept tenant's one mail", ms, err)
		}
	},
	// Deleting a user releases its numbers and extension and takes its
	// grants, agent IDs, seats, invitation, links and sessions with it.
	"User": func(t *testing.T, s store.Store) {
		c := ctx(t)
		p := populate(t, s, "p")
		if err := s.DeleteUser(c, p.tenant, p.agent.ID, nil); err != nil {
			t.Fatalf("DeleteUser of a populated user: %v", err)
		}
		r := s.Reader()
		t0 := now()
		for _, n := range []string{"+15550000001", "+15550000002", "+18005550100"} {
			if got := getNumber(t, s, p.tenant, n); got.UserID != "" || got.Primary {
				t.Errorf("number %s not released: %+v", n, got)
			}
		}
		if h, _ := r.ExtensionHolder(c, p.tenant, "101"); h != "" {
			t.Errorf("extension 101 still held by %q", h)
		}
		if h, _ := r.AgentIDHolder(c, p.tenant, "voice", "A17"); h != "" {
			t.Errorf("agent ID still held by %q", h)
		}
		if n, _ := r.CountGrants(c, p.tenant, "agent"); n != 0 {
			t.Errorf("%d agent grants left", n)
		}
		if ms := teamMembers(t, s, p.tenant, p.team.ID); len(ms) != 0 {
			t.Errorf("team seats left: %+v", ms)
		}
		if _, err := r.GetInvitation(c, p.tenant, p.agent.ID); err != store.ErrNotFound {
			t.Errorf("invitation: %v", err)
		}
		if _, err := r.SessionByHash(c, hashOf("p-session"), t0); err != store.ErrNotFound {
			t.Errorf("session: %v", err)
		}
		err := txErr(t, s, func(c context.Context, tx store.Tx) error {
			_, err := tx.UseLoginLink(c, hashOf("p-link"), t0)
			return err
		})
		wantErr(t, "the deleted user's sign-in link", err, store.ErrNotFound)
		// Someone else can now take the numbers and the extension.
		if err := setVoice(t, s, p.tenant, p.admin.ID, &store.Voice{Extension: "101"}, "+15550000001"); err != nil {
			t.Fatalf("reusing the released number and extension: %v", err)
		}
		if o, _ := r.Owner(c, p.tenant); o != p.admin.ID {
			t.Errorf("the owner changed to %q", o)
		}
		if g := getGroup(t, s, p.tenant, p.group.ID, store.LoadDomain); len(g.Domain.Grants) != 1 {
			t.Errorf("the group lost its grant: %+v", g.Domain)
		}
	},
}
