package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// Helpers of the account domain's tests (account_*.go).

// inTx runs fn in one transaction that must succeed.
func inTx(t *testing.T, s store.Store, fn func(c context.Context, tx store.Tx) error) {
	t.Helper()
	if err := txErr(t, s, fn); err != nil {
		t.Fatalf("InTx: %v", err)
	}
}

// txErr runs fn in one transaction and returns its error.
func txErr(t *testing.T, s store.Store, fn func(c context.Context, tx store.Tx) error) error {
	t.Helper()
	c := ctx(t)
	return s.InTx(c, func(tx store.Tx) error { return fn(c, tx) })
}

// mkNode inserts an account node beneath parent ("" for the master).
func mkNode(t *testing.T, s store.Store, tenant, parent, name string) store.Node {
	t.Helper()
	n := store.Node{TenantID: tenant, ParentID: parent, Name: name}
	inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.InsertNode(c, &n) })
	return n
}

// addGrant adds a grant that must succeed.
func addGrant(t *testing.T, s store.Store, g store.Grant) store.Grant {
	t.Helper()
	inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.AddGrant(c, &g) })
	return g
}

// userGrant is a grant of role to a user at node ("" for the master).
func userGrant(tenant, user, role, node string) store.Grant {
	return store.Grant{TenantID: tenant, UserID: user, Role: role, NodeID: node}
}

// groupGrant is a grant of role to a group at node ("" for the master).
func groupGrant(tenant, group, role, node string) store.Grant {
	return store.Grant{TenantID: tenant, GroupID: group, Role: role, NodeID: node}
}

// wantHolder fails unless err is a *store.ConflictError on field naming
// holder.
func wantHolder(t *testing.T, what string, err error, field, holder string) {
	t.Helper()
	wantConflict(t, what, err, field)
	var ce *store.ConflictError
	errors.As(err, &ce)
	if ce.Holder != holder {
		t.Fatalf("%s: conflict names holder %q, want %q", what, ce.Holder, holder)
	}
}

// wantInvalid fails unless err is a store.InvalidError with a detail.
func wantInvalid(t *testing.T, what string, err error) {
	t.Helper()
	var ie *store.InvalidError
	if !errors.As(err, &ie) || ie.Detail == "" || !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("%s: got error %v (%T), want a *store.InvalidError with a detail", what, err, err)
	}
}

// now is a time both databases store exactly (microseconds).
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// hashOf makes a distinct token hash for tests.
func hashOf(s string) []byte { return []byte("hash:" + s) }

// otherTenant makes a second tenant with a user and a group, to check that
// another tenant's ids are invisible.
func otherTenant(t *testing.T, s store.Store) (tenant, user, group string) {
	t.Helper()
	tenant = newTenant(t, s)
	user = mkUser(t, s, tenant, "stranger").ID
	group = mkGroup(t, s, tenant, "strangers", user).ID
	return tenant, user, group
}

// grantKeys returns "role@node/user|group" keys of grants, sorted.
func grantKeys(gs []store.Grant) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Role+"@"+g.NodeID+"/"+g.UserID+g.GroupID)
	}
	return sorted(out...)
}

var accountRaceTests = map[string]func(t *testing.T, s store.Store){
	"OwnerGrant":     ownerRace,
	"AgentID":        agentIDRace,
	"Number":         numberRace,
	"TakeInvitation": invitationRace,
	"ClaimMails":     claimRace,
}
