package account_test

// The guardrails of seed 001 and issue 12 §3, each a named test.

import (
	"slices"
	"sync"
	"testing"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// TestOnlyOwnerGrantsOrRevokesAdmin: seed 001 — "Only the main user can
// grant or revoke the Admin's role."
func TestOnlyOwnerGrantsOrRevokesAdmin(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		admin := e.user("admin", "Admin")
		bob := e.user("bob", "User")
		wantKind(t, "an Admin grants Admin", e.setRoles(e.member(admin), bob, "User", "Admin"), account.Forbidden, "only the Owner")
		ok(t, "the Owner grants Admin", e.setRoles(e.member(e.owner), bob, "User", "Admin"))
		if !slices.Contains(e.roleKeys(bob), account.RoleAdmin) {
			t.Fatalf("bob is not an Admin after the Owner granted it")
		}
		// Revoking is the Owner's too: an Admin may not even manage bob now.
		wantKind(t, "an Admin revokes Admin", e.setRoles(e.member(admin), bob, "User"), account.Forbidden)
		ok(t, "the Owner revokes Admin", e.setRoles(e.member(e.owner), bob, "User"))
		if slices.Contains(e.roleKeys(bob), account.RoleAdmin) {
			t.Fatalf("bob is still an Admin")
		}
	})
}

// TestTokenActsWithCreatorsAuthority: an IdP connection whose token the
// operator or the Owner created may grant Admin (through the SCIM roles
// attribute); one an Admin created may not, and the refusal says who may.
func TestTokenActsWithCreatorsAuthority(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		withRoles := func(name string, roles ...string) account.UserInput {
			in := account.UserInput{User: &store.User{UserName: name + "@example.com", Values: map[string][]store.Value{}}}
			for _, r := range roles {
				in.User.Values["roles"] = append(in.User.Values["roles"], store.Value{Value: r})
			}
			return in
		}
		_, err := e.svc.CreateUser(e.ctx(), e.token(store.AuthorityAdmin), e.tenant, withRoles("a", "admin"))
		wantKind(t, "an Admin's token grants Admin", err, account.Forbidden, "only the Owner", "operator")
		for _, auth := range []string{store.AuthorityOperator, store.AuthorityOwner} {
			u, err := e.svc.CreateUser(e.ctx(), e.token(auth), e.tenant, withRoles("b-"+auth, "ADMIN"))
			ok(t, auth+"'s token grants Admin", err)
			if !slices.Contains(e.roleKeys(u.ID), account.RoleAdmin) {
				t.Errorf("%s's token: the roles value ADMIN granted nothing", auth)
			}
		}
		// The same through a group: adding a member to a group that grants
		// Admin grants Admin.
		g, err := e.svc.CreateGroup(e.ctx(), e.op(), e.tenant, account.GroupInput{Group: &store.Group{DisplayName: "admins"},
			Domain: &account.GroupDomainInput{Grants: &[]account.GrantInput{{Role: "Admin"}}}})
		ok(t, "group granting Admin", err)
		carol := e.user("carol", "User")
		_, err = e.svc.EditMembers(e.ctx(), e.token(store.AuthorityAdmin), e.tenant, g.ID, []account.MemberOp{{Add: []string{carol}}})
		wantKind(t, "an Admin's token adds a member to the admins group", err, account.Forbidden, "Admin")
		_, err = e.svc.EditMembers(e.ctx(), e.token(store.AuthorityOperator), e.tenant, g.ID, []account.MemberOp{{Add: []string{carol}}})
		ok(t, "the operator's token adds the member", err)
		if !slices.Contains(e.roleKeys(carol), account.RoleAdmin) {
			t.Errorf("membership of the admins group did not make carol an Admin")
		}
	})
}

// TestNoTokenMakesOrRemovesTheOwner: the Owner role cannot come through
// the roles attribute or a grant, from any actor.
func TestNoTokenMakesOrRemovesTheOwner(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		in := account.UserInput{User: &store.User{UserName: "x@example.com", Values: map[string][]store.Value{"roles": {{Value: "Owner"}}}}}
		_, err := e.svc.CreateUser(e.ctx(), e.token(store.AuthorityOperator), e.tenant, in)
		wantKind(t, "roles value Owner", err, account.Forbidden, "owner")
		x := e.user("x")
		wantKind(t, "a grant of Owner", e.setRoles(e.op(), x, "Owner"), account.Forbidden, "owner")
		if owner, _ := e.st.Reader().Owner(e.ctx(), e.tenant); owner != e.owner {
			t.Fatalf("the Owner changed to %q", owner)
		}
	})
}

// TestAdminsDoNotManageOwnerOrAdmins: seed 001 — "Admins can delete users
// except for the account owner and other admins", and do not edit them.
func TestAdminsDoNotManageOwnerOrAdmins(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		a1, a2 := e.user("a1", "Admin"), e.user("a2", "Admin")
		plain := e.user("plain", "User")
		wantKind(t, "an Admin renames the Owner", e.rename(e.member(a1), e.owner, "x"), account.Forbidden, "the Owner")
		wantKind(t, "an Admin renames an Admin", e.rename(e.member(a1), a2, "x"), account.Forbidden, "an Admin")
		wantKind(t, "an Admin deletes an Admin", e.svc.DeleteUser(e.ctx(), e.member(a1), e.tenant, a2, nil), account.Forbidden)
		ok(t, "an Admin renames a user", e.rename(e.member(a1), plain, "Plain"))
		ok(t, "an Admin deletes a user", e.svc.DeleteUser(e.ctx(), e.member(a1), e.tenant, plain, nil))
		ok(t, "the Owner deletes an Admin", e.svc.DeleteUser(e.ctx(), e.member(e.owner), e.tenant, a2, nil))
		// An IdP token an Admin created has the Admin's reach.
		wantKind(t, "an Admin's token renames an Admin", e.rename(e.token(store.AuthorityAdmin), a1, "x"), account.Forbidden)
		// A member without users.manage manages nobody.
		rep := e.user("reporter", "Reports")
		wantKind(t, "a Reports user renames someone", e.rename(e.member(rep), a1, "x"), account.Forbidden)
	})
}

// TestDeprovisioningIsNeverBlocked: any IdP connection may deactivate
// anyone, Admins and the Owner included; it is in the audit log.
func TestDeprovisioningIsNeverBlocked(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		admin := e.user("admin", "Admin")
		idp := e.token(store.AuthorityAdmin)
		for _, id := range []string{admin, e.owner} {
			_, err := e.svc.UpdateUser(e.ctx(), idp, e.tenant, id, account.AnyVersion, func(u *store.User) (account.UserInput, error) {
				f := false
				u.Active = &f
				return account.UserInput{User: u}, nil
			})
			ok(t, "deactivating "+id, err)
			if got := e.get(id).State; got != store.StateInactive {
				t.Errorf("user %s is %s after deactivation", id, got)
			}
		}
		if n := len(e.audit(account.ActUserDeactivated)); n != 2 {
			t.Errorf("%d deactivations in the audit log, want 2", n)
		}
		// Deactivation alone: anything more is refused as before.
		_, err := e.svc.UpdateUser(e.ctx(), idp, e.tenant, e.owner, account.AnyVersion, func(u *store.User) (account.UserInput, error) {
			f := false
			u.Active, u.DisplayName = &f, "changed"
			return account.UserInput{User: u}, nil
		})
		wantKind(t, "deactivating and renaming the Owner", err, account.Forbidden)
	})
}

// TestOwnerCannotBeDeleted: deleting the Owner is refused with 409
// "transfer ownership first", for every actor; while the Owner is inactive
// the operator can transfer ownership.
func TestOwnerCannotBeDeleted(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		for _, a := range []account.Actor{e.op(), e.member(e.owner), e.token(store.AuthorityOwner)} {
			wantKind(t, "deleting the Owner", e.svc.DeleteUser(e.ctx(), a, e.tenant, e.owner, nil), account.Conflict, "transfer ownership first")
		}
		next := e.user("next", "User")
		wantKind(t, "the operator transfers while the Owner is active",
			e.svc.TransferOwner(e.ctx(), e.op(), e.tenant, next, account.FormerOwner{}), account.Forbidden, "active")
		_, err := e.svc.Deactivate(e.ctx(), e.op(), e.tenant, e.owner)
		ok(t, "deactivate the Owner", err)
		ok(t, "the operator transfers", e.svc.TransferOwnerByEmail(e.ctx(), e.op(), e.tenant, "next@example.com", account.FormerOwner{Roles: []string{"User"}}))
		if owner, _ := e.st.Reader().Owner(e.ctx(), e.tenant); owner != next {
			t.Fatalf("owner is %q, want %q", owner, next)
		}
		ok(t, "deleting the former Owner", e.svc.DeleteUser(e.ctx(), e.op(), e.tenant, e.owner, nil))
	})
}

// TestOwnershipTransfer: seed 001 — only the Owner passes ownership on; the
// former Owner gets the roles chosen, or is deleted, in one transaction.
func TestOwnershipTransfer(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		admin, next := e.user("admin", "Admin"), e.user("next", "User")
		wantKind(t, "an Admin transfers", e.svc.TransferOwner(e.ctx(), e.member(admin), e.tenant, next, account.FormerOwner{}), account.Forbidden)
		ok(t, "transfer", e.svc.TransferOwner(e.ctx(), e.member(e.owner), e.tenant, next, account.FormerOwner{Roles: []string{"Finance", "Reports"}}))
		keys := e.roleKeys(e.owner)
		slices.Sort(keys)
		if !slices.Equal(keys, []string{account.RoleFinance, account.RoleReports}) {
			t.Errorf("the former Owner's roles are %v, want finance and reports", keys)
		}
		if !slices.Contains(e.roleKeys(next), account.RoleOwner) {
			t.Errorf("the new Owner is not the Owner")
		}
		third := e.user("third", "User")
		ok(t, "transfer with delete", e.svc.TransferOwner(e.ctx(), e.member(next), e.tenant, third, account.FormerOwner{Delete: true}))
		if _, err := e.st.Reader().GetUser(e.ctx(), e.tenant, next, 0); account.KindOf(err) != account.NotFound {
			t.Errorf("the former Owner still exists after a transfer with delete: %v", err)
		}
		if n := len(e.audit(account.ActOwnerTransferred)); n != 3 { // the bootstrap and two transfers
			t.Errorf("%d ownership entries in the audit log, want 3", n)
		}
	})
}

// TestParallelTransfersMakeOneOwner: two transfers at once leave exactly
// one Owner.
func TestParallelTransfersMakeOneOwner(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		a, b := e.user("a", "User"), e.user("b", "User")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, to := range []string{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = e.svc.TransferOwner(e.ctx(), e.member(e.owner), e.tenant, to, account.FormerOwner{Roles: []string{"User"}})
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("two transfers: %v and %v; want exactly one to succeed", errs[0], errs[1])
		}
		n, err := e.st.Reader().CountGrants(e.ctx(), e.tenant, account.RoleOwner)
		ok(t, "count", err)
		if n != 1 {
			t.Fatalf("%d owner grants after two parallel transfers", n)
		}
	})
}

// TestOwnerIsUniqueInTheDatabase: even written past the account layer, a
// second owner grant is refused by the database.
func TestOwnerIsUniqueInTheDatabase(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		x := e.user("x")
		err := e.st.InTx(e.ctx(), func(tx store.Tx) error {
			return tx.AddGrant(e.ctx(), &store.Grant{TenantID: e.tenant, Role: account.RoleOwner, NodeID: e.tenant, UserID: x, Source: store.GrantDirect})
		})
		wantKind(t, "a second owner grant", err, account.Conflict)
	})
}
