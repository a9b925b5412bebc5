package account_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// feed reads the events after the last one the test saw.
type feed struct {
	e    *env
	last int64
}

func (f *feed) skip() {
	for {
		es, err := f.e.st.Events(f.e.ctx(), f.e.tenant, f.last, 1000)
		if err != nil {
			f.e.t.Fatal(err)
		}
		if len(es) == 0 {
			return
		}
		f.last = es[len(es)-1].Sequence
	}
}

// want checks that the events since the last check are exactly these
// "type resource" pairs, in order, and returns them.
func (f *feed) want(what string, want ...string) []store.Event {
	f.e.t.Helper()
	es, err := f.e.st.Events(f.e.ctx(), f.e.tenant, f.last, 1000)
	if err != nil {
		f.e.t.Fatal(err)
	}
	got := make([]string, len(es))
	for i, ev := range es {
		got[i] = ev.Type + " " + ev.ResourceID
		if ev.Sequence != f.last+int64(i)+1 {
			f.e.t.Fatalf("%s: sequence %d after %d", what, ev.Sequence, f.last+int64(i))
		}
		if !json.Valid([]byte(ev.Data)) || strings.Contains(ev.Data, "redacted") || strings.Contains(strings.ToLower(ev.Data), "password") {
			f.e.t.Fatalf("%s: data %s", what, ev.Data)
		}
	}
	if !slices.Equal(got, want) {
		f.e.t.Fatalf("%s: events\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if len(es) > 0 {
		f.last = es[len(es)-1].Sequence
	}
	return es
}

func data(t *testing.T, ev store.Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(ev.Data), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEventsOfEveryCommand(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		f := &feed{e: e}
		f.skip()
		c := e.ctx()
		pw := "Sup3r-secret-pass!"
		in := e.input("ann")
		in.Password = &pw
		u, err := e.svc.CreateUser(c, e.op(), e.tenant, in)
		ok(t, "create", err)
		es := f.want("create", "user.created "+u.ID)
		if d := data(t, es[0]); d["userName"] != "ann@example.com" || d["displayName"] != "ann" {
			t.Fatalf("user.created data = %v", d)
		}
		if es[0].ActorKind != "operator" || es[0].At.IsZero() || es[0].ID == "" {
			t.Fatalf("event = %+v", es[0])
		}

		_, err = e.svc.UpdateUser(c, e.op(), e.tenant, u.ID, account.AnyVersion, func(old *store.User) (account.UserInput, error) {
			old.Title = "Lead"
			return account.UserInput{User: old}, nil
		})
		ok(t, "update", err)
		es = f.want("update", "user.updated "+u.ID)
		if d := data(t, es[0]); d["title"] != "Lead" || len(d) != 1 {
			t.Fatalf("user.updated data = %v, want only the changed title", d)
		}
		ok(t, "update unchanged", func() error {
			_, err := e.svc.UpdateUser(c, e.op(), e.tenant, u.ID, account.AnyVersion, func(old *store.User) (account.UserInput, error) {
				return account.UserInput{User: old}, nil
			})
			return err
		}())
		f.want("no change")

		ok(t, "roles", e.setRoles(e.op(), u.ID, "Reports"))
		es = f.want("grant", "user.updated "+u.ID, "access.changed "+u.ID)
		if !strings.Contains(es[1].Data, `"role":"reports"`) {
			t.Fatalf("access.changed data = %s", es[1].Data)
		}
		_, err = e.svc.Deactivate(c, e.op(), e.tenant, u.ID)
		ok(t, "deactivate", err)
		f.want("deactivate", "user.deactivated "+u.ID)
		_, err = e.svc.Reactivate(c, e.op(), e.tenant, u.ID)
		ok(t, "reactivate", err)
		f.want("reactivate", "user.reactivated "+u.ID)
		_, err = e.svc.Repair(c, e.op(), e.tenant, u.ID)
		ok(t, "repair", err)
		es = f.want("repair", "access.changed "+u.ID)
		if d := data(t, es[0]); d["reason"] != "repair" {
			t.Fatalf("repair data = %v", d)
		}

		// Groups: one event per member, access.changed through a group grant.
		ben, cat := e.user("ben"), e.user("cat")
		f.skip()
		g, err := e.svc.CreateGroup(c, e.op(), e.tenant, account.GroupInput{Group: &store.Group{DisplayName: "Sales",
			Members: []store.Member{{ID: ben}}}})
		ok(t, "create group", err)
		es = f.want("create group", "group.created "+g.ID, "group.member_added "+g.ID)
		if d := data(t, es[0]); d["displayName"] != "Sales" || d["members"] != nil {
			t.Fatalf("group.created data = %v", d)
		}
		if d := data(t, es[1]); d["value"] != ben {
			t.Fatalf("member_added data = %v", d)
		}
		_, err = e.svc.EditMembers(c, e.op(), e.tenant, g.ID, []account.MemberOp{{Add: []string{cat}, Remove: []string{ben}}})
		ok(t, "members", err)
		f.want("members", "group.member_added "+g.ID, "group.member_removed "+g.ID)

		// Removed, then added again, in one change: it ends a member, and
		// the feed says so (not "added" then "removed").
		_, err = e.svc.EditMembers(c, e.op(), e.tenant, g.ID, []account.MemberOp{{Remove: []string{cat}}, {Add: []string{cat}}})
		ok(t, "remove and add again", err)
		es = f.want("remove and add again", "group.member_added "+g.ID)
		if d := data(t, es[0]); d["value"] != cat {
			t.Fatalf("data = %v", d)
		}
		_, err = e.svc.EditMembers(c, e.op(), e.tenant, g.ID, []account.MemberOp{{Add: []string{ben}}, {Remove: []string{ben}}})
		ok(t, "add and remove", err)
		f.want("add and remove", "group.member_removed "+g.ID)

		grants := []account.GrantInput{{Role: "Reports"}}
		_, err = e.svc.UpdateGroup(c, e.op(), e.tenant, g.ID, account.AnyVersion, func(old *store.Group) (account.GroupInput, error) {
			return account.GroupInput{Domain: &account.GroupDomainInput{Grants: &grants}}, nil
		}, nil)
		ok(t, "group grant", err)
		f.want("group grant", "access.changed "+cat)
		_, err = e.svc.EditMembers(c, e.op(), e.tenant, g.ID, []account.MemberOp{{Add: []string{ben}}})
		ok(t, "join granting group", err)
		es = f.want("join granting group", "group.member_added "+g.ID, "access.changed "+ben)
		if !strings.Contains(es[1].Data, `"viaGroup":"`+g.ID+`"`) {
			t.Fatalf("access.changed through a group = %s", es[1].Data)
		}
		eve := e.user("eve")
		inner, err := e.svc.CreateGroup(c, e.op(), e.tenant, account.GroupInput{Group: &store.Group{DisplayName: "Inner",
			Members: []store.Member{{ID: eve}}}})
		ok(t, "inner", err)
		f.skip()
		_, err = e.svc.EditMembers(c, e.op(), e.tenant, g.ID, []account.MemberOp{{Add: []string{inner.ID}}})
		ok(t, "nest", err)
		f.want("nest a group in a granting group", "group.member_added "+g.ID, "access.changed "+eve)
		_, err = e.svc.UpdateGroup(c, e.op(), e.tenant, g.ID, account.AnyVersion, func(old *store.Group) (account.GroupInput, error) {
			return account.GroupInput{Group: &store.Group{DisplayName: "Sales EU"}}, nil
		}, nil)
		ok(t, "rename group", err)
		f.want("rename group", "group.updated "+g.ID)
		ok(t, "delete group", e.svc.DeleteGroup(c, e.op(), e.tenant, g.ID, account.AnyVersion))
		es = f.want("delete group", "group.deleted "+g.ID)
		if d := data(t, es[0]); d["displayName"] != "Sales EU" {
			t.Fatalf("group.deleted data = %v", d)
		}

		// A tree move and a role change change the scope of those holding them.
		region, err := e.svc.CreateNode(c, e.op(), e.tenant, "", "Region", "")
		ok(t, "node", err)
		site, err := e.svc.CreateNode(c, e.op(), e.tenant, "", "Site", "")
		ok(t, "node", err)
		role, err := e.svc.CreateRole(c, e.op(), e.tenant, store.Role{Name: "Packages", Permissions: []string{"reports.run"}})
		ok(t, "role", err)
		_, err = e.svc.UpdateUser(c, e.op(), e.tenant, ben, account.AnyVersion, func(old *store.User) (account.UserInput, error) {
			gs := []account.GrantInput{{Role: "Packages", Node: site.ID}}
			return account.UserInput{User: old, Domain: &account.DomainInput{Grants: &gs}}, nil
		})
		ok(t, "grant at site", err)
		f.want("grant at site", "user.updated "+ben, "access.changed "+ben)
		ok(t, "move", e.svc.MoveNode(c, e.op(), e.tenant, site.ID, region.ID))
		f.want("move", "access.changed "+ben)
		role.Permissions = []string{"reports.run", "insights.view"}
		ok(t, "update role", e.svc.UpdateRole(c, e.op(), e.tenant, role))
		f.want("update role", "access.changed "+ben)

		ok(t, "delete", e.svc.DeleteUser(c, e.op(), e.tenant, cat, account.AnyVersion))
		f.want("delete", "user.deleted "+cat)

		// Invitations.
		invited, err := e.svc.InviteUsers(c, e.op(), e.tenant, []account.Invite{{Email: "dan@example.com"}})
		ok(t, "invite", err)
		es = f.want("invite", "user.created "+invited[0].ID, "invitation.sent "+invited[0].ID)
		mails, err := e.st.Reader().Mails(c, e.tenant, 10)
		ok(t, "mails", err)
		_, err = e.svc.AcceptInvitation(c, linkToken(t, mails[0].Body), &pw, "")
		ok(t, "accept", err)
		es = f.want("accept", "invitation.accepted "+invited[0].ID)
		if strings.Contains(es[0].Data, pw) {
			t.Fatalf("a secret in the feed: %s", es[0].Data)
		}
	})
}

// A change that fails leaves no event; a member change to a big group is
// one small event.
func TestEventsAtomicAndSmall(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		f := &feed{e: e}
		c := e.ctx()
		ids := make([]string, 300)
		for i := range ids {
			ids[i] = e.user(fmt.Sprintf("m%03d", i))
		}
		members := make([]store.Member, len(ids))
		for i, id := range ids {
			members[i] = store.Member{ID: id}
		}
		g, err := e.svc.CreateGroup(c, e.op(), e.tenant, account.GroupInput{Group: &store.Group{DisplayName: "Big", Members: members}})
		ok(t, "group", err)
		f.skip()
		extra := e.user("extra")
		f.skip()
		_, err = e.svc.EditMembers(c, e.op(), e.tenant, g.ID, []account.MemberOp{{Add: []string{extra}}})
		ok(t, "add", err)
		es := f.want("add", "group.member_added "+g.ID)
		if len(es[0].Data) > 100 {
			t.Fatalf("one member change carries %d bytes: %s", len(es[0].Data), es[0].Data)
		}
		_, err = e.svc.EditMembers(c, e.op(), e.tenant, g.ID, []account.MemberOp{{Add: []string{"no-such-member"}}})
		if err == nil {
			t.Fatal("adding an unknown member succeeded")
		}
		f.want("failed change")
		_, err = e.svc.CreateUser(c, e.op(), e.tenant, e.input("extra"))
		if account.KindOf(err) != account.Conflict {
			t.Fatalf("duplicate = %v", err)
		}
		f.want("failed create")
	})
}
