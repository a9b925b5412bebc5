package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scimd/scimd/store"
)

var grantTests = map[string]func(t *testing.T, s store.Store){
	"AddAndList": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "alice")
		g := mkGroup(t, s, tenant, "admins")
		a := mkNode(t, s, tenant, "", "east")

		admin := addGrant(t, s, userGrant(tenant, u.ID, "admin", ""))
		if admin.ID == "" || admin.NodeID != tenant || admin.Source != store.GrantDirect {
			t.Fatalf("AddGrant set %+v; want an id, the master node %s and source direct", admin, tenant)
		}
		reports := addGrant(t, s, userGrant(tenant, u.ID, "reports", a.ID))
		// The same grant again is left alone and keeps its id.
		again := addGrant(t, s, userGrant(tenant, u.ID, "admin", tenant))
		if again.ID != admin.ID {
			t.Errorf("an equal grant got id %q, want the existing %q", again.ID, admin.ID)
		}
		// The same role and node from another source is another grant.
		fromRoles := userGrant(tenant, u.ID, "admin", "")
		fromRoles.Source = store.GrantFromRoles
		fromRoles = addGrant(t, s, fromRoles)
		if fromRoles.ID == admin.ID {
			t.Errorf("a grant of another source reused id %q", admin.ID)
		}
		gg := addGrant(t, s, groupGrant(tenant, g.ID, "reports", a.ID))

		got, err := s.Reader().GrantsOf(c, tenant, u.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("GrantsOf user = %+v, want 3 grants", got)
		}
		ids := []string{got[0].ID, got[1].ID, got[2].ID}
		if !sameStrings(ids, []string{admin.ID, reports.ID, fromRoles.ID}) {
			t.Errorf("GrantsOf user ids = %v", ids)
		}
		for _, x := range got {
			if x.TenantID != tenant || x.UserID != u.ID || x.GroupID != "" {
				t.Errorf("GrantsOf user returned %+v", x)
			}
		}
		got, err = s.Reader().GrantsOf(c, tenant, "", g.ID)
		if err != nil || len(got) != 1 || got[0] != gg {
			t.Fatalf("GrantsOf group = %+v, %v; want [%+v]", got, err, gg)
		}
		_, err = s.Reader().GrantsOf(c, tenant, "", "")
		wantInvalid(t, "GrantsOf with no subject", err)
	},
	"AddRefused": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "alice")
		g := mkGroup(t, s, tenant, "admins")
		other, otherUser, otherGroup := otherTenant(t, s)
		otherNode := mkNode(t, s, other, "", "theirs")
		add := func(gr store.Grant) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.AddGrant(c, &gr) })
		}
		wantInvalid(t, "grant to a user and a group", add(store.Grant{TenantID: tenant, UserID: u.ID, GroupID: g.ID, Role: "admin"}))
		wantInvalid(t, "grant to nobody", add(store.Grant{TenantID: tenant, Role: "admin"}))
		wantInvalid(t, "grant without a role", add(userGrant(tenant, u.ID, "", "")))
		wantInvalid(t, "owner grant to a group", add(groupGrant(tenant, g.ID, "owner", "")))
		wantInvalid(t, "grant at an unknown node", add(userGrant(tenant, u.ID, "admin", "no-such-node")))
		wantInvalid(t, "grant at another tenant's node", add(userGrant(tenant, u.ID, "admin", otherNode.ID)))
		wantErr(t, "grant to another tenant's user", add(userGrant(tenant, otherUser, "admin", "")), store.ErrNotFound)
		wantErr(t, "grant to another tenant's group", add(groupGrant(tenant, otherGroup, "admin", "")), store.ErrNotFound)
		wantErr(t, "grant to an unknown user", add(userGrant(tenant, "no-such-user", "admin", "")), store.ErrNotFound)
		if got, _ := s.Reader().GrantsOf(ctx(t), other, otherUser, ""); len(got) != 0 {
			t.Fatalf("the other tenant's user got grants %+v", got)
		}
	},
	"Owner": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		ids := mkUsers(t, s, tenant, 2)
		other, otherUser, _ := otherTenant(t, s)
		r := s.Reader()
		if o, err := r.Owner(c, tenant); err != nil || o != "" {
			t.Fatalf("Owner of a new tenant = %q, %v", o, err)
		}
		addGrant(t, s, userGrant(tenant, ids[0], "owner", ""))
		if o, err := r.Owner(c, tenant); err != nil || o != ids[0] {
			t.Fatalf("Owner = %q, %v; want %s", o, err, ids[0])
		}
		// Granting the owner's own grant again is no second owner.
		addGrant(t, s, userGrant(tenant, ids[0], "owner", ""))
		err := txErr(t, s, func(c context.Context, tx store.Tx) error {
			g := userGrant(tenant, ids[1], "owner", "")
			return tx.AddGrant(c, &g)
		})
		wantHolder(t, "a second owner", err, "owner", ids[0])
		if n, err := r.CountGrants(c, tenant, "owner"); err != nil || n != 1 {
			t.Fatalf("CountGrants owner = %d, %v; want 1", n, err)
		}
		// Another tenant has an owner of its own.
		if o, _ := r.Owner(c, other); o != "" {
			t.Fatalf("the other tenant's Owner = %q", o)
		}
		addGrant(t, s, userGrant(other, otherUser, "owner", ""))
		if o, _ := r.Owner(c, tenant); o != ids[0] {
			t.Fatalf("after the other tenant got an owner, Owner = %q", o)
		}
	},
	"RemoveGrants": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "alice")
		g := mkGroup(t, s, tenant, "admins")
		other, otherUser, _ := otherTenant(t, s)
		a := mkNode(t, s, tenant, "", "east")
		for _, gr := range []store.Grant{
			userGrant(tenant, u.ID, "admin", ""),
			userGrant(tenant, u.ID, "admin", a.ID),
			{TenantID: tenant, UserID: u.ID, Role: "admin", Source: store.GrantFromRoles},
			userGrant(tenant, u.ID, "reports", ""),
			groupGrant(tenant, g.ID, "admin", ""),
			userGrant(other, otherUser, "admin", ""),
		} {
			addGrant(t, s, gr)
		}
		remove := func(tenantID, user, group, role, source string) int {
			t.Helper()
			var n int
			inTx(t, s, func(c context.Context, tx store.Tx) error {
				var err error
				n, err = tx.RemoveGrants(c, tenantID, user, group, role, source)
				return err
			})
			return n
		}
		if n := remove(other, u.ID, "", "", ""); n != 0 {
			t.Fatalf("RemoveGrants in another tenant removed %d", n)
		}
		if n := remove(tenant, u.ID, "", "admin", store.GrantFromRoles); n != 1 {
			t.Fatalf("RemoveGrants admin from roles removed %d, want 1", n)
		}
		if n := remove(tenant, u.ID, "", "admin", ""); n != 2 {
			t.Fatalf("RemoveGrants admin removed %d, want 2", n)
		}
		got, _ := s.Reader().GrantsOf(c, tenant, u.ID, "")
		if len(got) != 1 || got[0].Role != "reports" {
			t.Fatalf("left %+v, want the reports grant", got)
		}
		if n := remove(tenant, u.ID, "", "", ""); n != 1 {
			t.Fatalf("RemoveGrants of all removed %d, want 1", n)
		}
		if got, _ := s.Reader().GrantsOf(c, tenant, "", g.ID); len(got) != 1 {
			t.Fatalf("the group's grant went too: %+v", got)
		}
		if n := remove(tenant, "", g.ID, "", ""); n != 1 {
			t.Fatalf("RemoveGrants of the group removed %d, want 1", n)
		}
		if got, _ := s.Reader().GrantsOf(c, other, otherUser, ""); len(got) != 1 {
			t.Fatalf("the other tenant's grant went: %+v", got)
		}
		err := txErr(t, s, func(c context.Context, tx store.Tx) error {
			_, err := tx.RemoveGrants(c, tenant, u.ID, g.ID, "", "")
			return err
		})
		wantInvalid(t, "RemoveGrants of a user and a group", err)
	},
	// A user's effective grants: its own and those of every group it is in,
	// directly or through nesting, each once, with the node's path and name.
	"Effective": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "alice")
		bystander := mkUser(t, s, tenant, "bob")
		east := mkNode(t, s, tenant, "", "East")
		west := mkNode(t, s, tenant, east.ID, "West")
		g1 := mkGroup(t, s, tenant, "g1", u.ID)
		g2 := mkGroup(t, s, tenant, "g2", u.ID)
		// g3 holds g1 and g2, g4 holds g3: a diamond under a chain.
		g3 := mkGroup(t, s, tenant, "g3", g1.ID, g2.ID)
		g4 := mkGroup(t, s, tenant, "g4", g3.ID)
		unrelated := mkGroup(t, s, tenant, "unrelated", bystander.ID)

		own := addGrant(t, s, userGrant(tenant, u.ID, "agent", west.ID))
		via1 := addGrant(t, s, groupGrant(tenant, g1.ID, "reports", ""))
		via3 := addGrant(t, s, groupGrant(tenant, g3.ID, "finance", east.ID))
		via4 := addGrant(t, s, groupGrant(tenant, g4.ID, "admin", west.ID))
		addGrant(t, s, groupGrant(tenant, unrelated.ID, "owner-ish", ""))
		addGrant(t, s, userGrant(tenant, bystander.ID, "admin", ""))

		got, err := s.Reader().EffectiveGrants(c, tenant, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]store.EffectiveGrant{
			own.ID:  {Grant: own, NodePath: west.Path, NodeName: "West"},
			via1.ID: {Grant: via1, NodePath: "/" + tenant + "/", NodeName: nodeName(t, s, tenant, tenant), ViaGroup: g1.ID},
			via3.ID: {Grant: via3, NodePath: east.Path, NodeName: "East", ViaGroup: g3.ID},
			via4.ID: {Grant: via4, NodePath: west.Path, NodeName: "West", ViaGroup: g4.ID},
		}
		if len(got) != len(want) {
			t.Fatalf("EffectiveGrants = %+v, want the %d grants %+v (each once)", got, len(want), want)
		}
		for _, e := range got {
			if w, ok := want[e.ID]; !ok || e != w {
				t.Errorf("EffectiveGrants entry %+v, want %+v", e, w)
			}
		}
		if west.Path != east.Path+west.ID+"/" {
			t.Errorf("West's path %q is not beneath East's %q", west.Path, east.Path)
		}
		// Ordered by node path.
		if !slices.IsSortedFunc(got, func(a, b store.EffectiveGrant) int { return strings.Compare(a.NodePath, b.NodePath) }) {
			t.Errorf("EffectiveGrants not ordered by node path: %+v", got)
		}
		// Another tenant sees none of them.
		other, _, _ := otherTenant(t, s)
		if got, err := s.Reader().EffectiveGrants(c, other, u.ID); err != nil || len(got) != 0 {
			t.Fatalf("EffectiveGrants in another tenant = %+v, %v", got, err)
		}
		// Leaving g1 and g2 leaves only the user's own grant.
		for _, g := range []*store.Group{g1, g2} {
			updateGroup(t, s, tenant, g.ID, func(_ *store.Group, m store.Members) error { return m.Remove(c, []string{u.ID}) })
		}
		if got, _ := s.Reader().EffectiveGrants(c, tenant, u.ID); len(got) != 1 || got[0].ID != own.ID {
			t.Fatalf("after leaving the groups EffectiveGrants = %+v", got)
		}
	},
	"GroupGrantsRole": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		g1 := mkGroup(t, s, tenant, "g1")
		g2 := mkGroup(t, s, tenant, "g2", g1.ID)
		g3 := mkGroup(t, s, tenant, "g3", g2.ID)
		loose := mkGroup(t, s, tenant, "loose")
		addGrant(t, s, groupGrant(tenant, g3.ID, "admin", ""))
		addGrant(t, s, groupGrant(tenant, g1.ID, "reports", ""))
		other, _, otherGroup := otherTenant(t, s)
		addGrant(t, s, groupGrant(other, otherGroup, "admin", ""))
		r := s.Reader()
		for _, tc := range []struct {
			tenant, group string
			roles         []string
			want          bool
		}{
			{tenant, g1.ID, []string{"admin"}, true},    // through g2 and g3
			{tenant, g2.ID, []string{"admin"}, true},    // through g3
			{tenant, g3.ID, []string{"admin"}, true},    // its own
			{tenant, g3.ID, []string{"reports"}, false}, // g1's grant does not flow up
			{tenant, g1.ID, []string{"finance", "reports"}, true},
			{tenant, loose.ID, []string{"admin", "reports"}, false},
			{tenant, g1.ID, nil, false},
			{tenant, otherGroup, []string{"admin"}, false},
			{other, g1.ID, []string{"admin"}, false},
		} {
			got, err := r.GroupGrantsRole(c, tc.tenant, tc.group, tc.roles)
			if err != nil || got != tc.want {
				t.Errorf("GroupGrantsRole(%s, %v) = %v, %v; want %v", tc.group, tc.roles, got, err, tc.want)
			}
		}
	},
	"CountGrants": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		ids := mkUsers(t, s, tenant, 3)
		g := mkGroup(t, s, tenant, "agents")
		for _, id := range ids {
			addGrant(t, s, userGrant(tenant, id, "agent", ""))
		}
		addGrant(t, s, groupGrant(tenant, g.ID, "agent", ""))
		addGrant(t, s, userGrant(tenant, ids[0], "admin", ""))
		other, otherUser, _ := otherTenant(t, s)
		addGrant(t, s, userGrant(other, otherUser, "agent", ""))
		for role, want := range map[string]int{"agent": 4, "admin": 1, "owner": 0} {
			if n, err := s.Reader().CountGrants(c, tenant, role); err != nil || n != want {
				t.Errorf("CountGrants(%s) = %d, %v; want %d", role, n, err, want)
			}
		}
	},
}

// nodeName returns a node's name as stored.
func nodeName(t *testing.T, s store.Store, tenant, id string) string {
	t.Helper()
	n, err := s.Reader().GetNode(ctx(t), tenant, id)
	if err != nil {
		t.Fatalf("GetNode %s: %v", id, err)
	}
	return n.Name
}

// ownerRace: two transactions make two users Owner at once; exactly one
// owner grant remains and the loser's conflict names the winner.
func ownerRace(t *testing.T, s store.Store) {
	for round := range 5 {
		tenant := newTenant(t, s)
		ids := mkUsers(t, s, tenant, 2)
		errs := make([]error, 2)
		start := make(chan struct{})
		done := make(chan int, 2)
		for i := range 2 {
			go func() {
				<-start
				errs[i] = txErr(t, s, func(c context.Context, tx store.Tx) error {
					g := userGrant(tenant, ids[i], "owner", "")
					return tx.AddGrant(c, &g)
				})
				done <- i
			}()
		}
		close(start)
		<-done
		<-done
		owner, err := s.Reader().Owner(ctx(t), tenant)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Reader().CountGrants(ctx(t), tenant, "owner"); n != 1 {
			t.Fatalf("round %d: %d owner grants after the race, want 1 (errors %v)", round, n, errs)
		}
		won := 0
		for i, err := range errs {
			if err == nil {
				won++
				if owner != ids[i] {
					t.Fatalf("round %d: user %d won but Owner is %s", round, i, owner)
				}
				continue
			}
			wantHolder(t, fmt.Sprintf("round %d, loser %d", round, i), err, "owner", owner)
		}
		if won != 1 {
			t.Fatalf("round %d: %d owner grants succeeded, want 1 (errors %v)", round, won, errs)
		}
	}
}
