package account_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// TestMemberChangesRefusedWhole: a member change that cannot be made
// leaves nothing behind, whatever form the store sends it in (on
// PostgreSQL one statement that checks, in it, that the group is the
// tenant's and that every id added is one of its users, refusing itself
// whole otherwise): no member, no version bump, no audit entry, no event.
// Changes that the checks hand on to the statement-by-statement form (a
// nested group) still happen.
func TestMemberChangesRefusedWhole(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		c := e.ctx()
		f := &feed{e: e}
		idp := e.token(store.AuthorityAdmin)
		ann, bo := e.user("ann"), e.user("bo")
		g, err := e.svc.CreateGroup(c, idp, e.tenant, account.GroupInput{Group: &store.Group{DisplayName: "Team"}})
		ok(t, "group", err)
		other, err := e.st.CreateTenant(c, "other-"+e.tenant[:8])
		ok(t, "other tenant", err)
		theirs, err := e.svc.CreateGroup(c, e.op(), other.ID, account.GroupInput{Group: &store.Group{DisplayName: "Theirs"}})
		ok(t, "their group", err)
		them, err := e.svc.CreateUser(c, e.op(), other.ID, account.UserInput{User: &store.User{UserName: "them@example.com"}})
		ok(t, "their user", err)
		_, err = e.svc.EditMembers(c, e.op(), other.ID, theirs.ID, []account.MemberOp{{Add: []string{them.ID}}})
		ok(t, "their member", err)
		f.skip()
		audits := len(e.audit(account.ActMemberAdded)) + len(e.audit(account.ActMemberRemoved))

		unchanged := func(what, tenantID, groupID string, version int64, members ...string) {
			t.Helper()
			got, err := e.st.Reader().GetGroup(c, tenantID, groupID, store.LoadMembers)
			ok(t, what, err)
			var ids []string
			for _, m := range got.Members {
				ids = append(ids, m.ID)
			}
			slices.Sort(ids)
			if got.Meta.Version != version || !slices.Equal(ids, members) {
				t.Fatalf("%s: the group is at version %d with members %v; want %d with %v", what, got.Meta.Version, ids, version, members)
			}
		}

		_, err = e.svc.EditMembers(c, idp, e.tenant, g.ID, []account.MemberOp{{Add: []string{ann, "no-such-member"}}})
		wantKind(t, "an unknown id among users", err, account.Invalid, "no-such-member")
		unchanged("after an unknown id", e.tenant, g.ID, g.Meta.Version)

		_, err = e.svc.EditMembers(c, idp, e.tenant, g.ID, []account.MemberOp{{Add: []string{them.ID}}})
		wantKind(t, "another tenant's user", err, account.Invalid, them.ID)
		unchanged("after another tenant's user", e.tenant, g.ID, g.Meta.Version)

		_, err = e.svc.EditMembers(c, idp, e.tenant, theirs.ID, []account.MemberOp{{Add: []string{ann}}})
		wantKind(t, "adding to another tenant's group", err, account.NotFound)
		_, err = e.svc.EditMembers(c, idp, e.tenant, theirs.ID, []account.MemberOp{{Remove: []string{them.ID}}})
		wantKind(t, "removing from another tenant's group", err, account.NotFound)
		unchanged("their group", other.ID, theirs.ID, theirs.Meta.Version+1, them.ID)

		f.want("refused changes")
		if n := len(e.audit(account.ActMemberAdded)) + len(e.audit(account.ActMemberRemoved)); n != audits {
			t.Fatalf("refused changes left %d audit entries", n-audits)
		}
		theirAudit, err := e.st.Reader().Audit(c, other.ID, store.AuditQuery{Limit: 100})
		ok(t, "their audit", err)
		for _, a := range theirAudit {
			if a.ActorKind == string(account.ActorIdP) {
				t.Fatalf("a refused change left an entry in the other tenant: %+v", a)
			}
		}

		// Made: the result is the group as stored, with its new version.
		got, err := e.svc.EditMembers(c, idp, e.tenant, g.ID, []account.MemberOp{{Add: []string{ann, bo}}})
		ok(t, "add two", err)
		if got.ID != g.ID || got.DisplayName != "Team" || got.Meta.Version != g.Meta.Version+1 {
			t.Fatalf("EditMembers returned %+v; want Team at version %d", got, g.Meta.Version+1)
		}
		want := []string{ann, bo}
		slices.Sort(want)
		unchanged("after adding two", e.tenant, g.ID, g.Meta.Version+1, want...)
		f.want("add two", "group.member_added "+g.ID, "group.member_added "+g.ID)

		// A nested group is added statement by statement.
		sub, err := e.svc.CreateGroup(c, idp, e.tenant, account.GroupInput{Group: &store.Group{DisplayName: "Sub"}})
		ok(t, "sub", err)
		f.skip()
		got, err = e.svc.EditMembers(c, idp, e.tenant, g.ID, []account.MemberOp{{Add: []string{sub.ID}}})
		ok(t, "nest", err)
		full, err := e.st.Reader().GetGroup(c, e.tenant, g.ID, store.LoadMembers)
		ok(t, "nested", err)
		if got.Meta.Version != full.Meta.Version || !slices.ContainsFunc(full.Members, func(m store.Member) bool {
			return m.ID == sub.ID && m.Type == store.MemberGroup
		}) {
			t.Fatalf("nesting returned version %d; stored %+v", got.Meta.Version, full)
		}
		f.want("nest", "group.member_added "+g.ID)

		// Removing, then a user name taken.
		got, err = e.svc.EditMembers(c, idp, e.tenant, g.ID, []account.MemberOp{{Remove: []string{ann}}})
		ok(t, "remove", err)
		if got.Meta.Version != full.Meta.Version+1 {
			t.Fatalf("remove returned version %d; want %d", got.Meta.Version, full.Meta.Version+1)
		}
		f.want("remove", "group.member_removed "+g.ID)
		created := len(e.audit(account.ActUserCreated))
		_, err = e.svc.CreateUser(c, idp, e.tenant, account.UserInput{User: &store.User{UserName: strings.ToUpper("ann@example.com")}})
		wantKind(t, "a taken userName", err, account.Conflict)
		f.want("taken userName")
		if n := len(e.audit(account.ActUserCreated)); n != created {
			t.Fatalf("a refused user left %d audit entries", n-created)
		}
	})
}
