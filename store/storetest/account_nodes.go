package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

var nodeTests = map[string]func(t *testing.T, s store.Store){
	"Tree": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		other, _, _ := otherTenant(t, s)
		mkNode(t, s, other, "", "theirs")
		r := s.Reader()
		nodes, err := r.Nodes(c, tenant)
		if err != nil {
			t.Fatal(err)
		}
		if len(nodes) != 1 || nodes[0].ID != tenant || nodes[0].Kind != "master" || nodes[0].ParentID != "" ||
			nodes[0].Path != "/"+tenant+"/" || nodes[0].TenantID != tenant {
			t.Fatalf("a new tenant's tree = %+v, want its master node alone", nodes)
		}
		before := time.Now().Add(-time.Second)
		a := mkNode(t, s, tenant, "", "Sales")
		if a.ID == "" || a.ParentID != tenant || a.Kind != "account" || a.Path != "/"+tenant+"/"+a.ID+"/" || a.CreatedAt.Before(before) {
			t.Fatalf("InsertNode set %+v", a)
		}
		b := store.Node{TenantID: tenant, ParentID: a.ID, Name: "Berlin", Kind: "location"}
		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.InsertNode(c, &b) })
		if b.Path != a.Path+b.ID+"/" {
			t.Fatalf("child path %q, want %q", b.Path, a.Path+b.ID+"/")
		}
		got, err := r.GetNode(c, tenant, b.ID)
		if err != nil || !reflect.DeepEqual(got, b) {
			t.Fatalf("GetNode = %+v, %v; want %+v", got, err, b)
		}
		nodes, _ = r.Nodes(c, tenant)
		if len(nodes) != 3 || nodes[0].ID != tenant || nodes[1].ID != a.ID || nodes[2].ID != b.ID {
			t.Fatalf("Nodes = %+v, want master, Sales, Berlin by path", nodes)
		}
		_, err = r.GetNode(c, other, b.ID)
		wantErr(t, "GetNode of another tenant's node", err, store.ErrNotFound)
	},
	"InsertRefused": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		other, _, _ := otherTenant(t, s)
		theirs := mkNode(t, s, other, "", "theirs")
		a := mkNode(t, s, tenant, "", "Sales")
		insert := func(n store.Node) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.InsertNode(c, &n) })
		}
		wantErr(t, "parent unknown", insert(store.Node{TenantID: tenant, ParentID: "nope", Name: "x"}), store.ErrNotFound)
		wantErr(t, "parent of another tenant", insert(store.Node{TenantID: tenant, ParentID: theirs.ID, Name: "x"}), store.ErrNotFound)
		wantErr(t, "another tenant's master", insert(store.Node{TenantID: tenant, ParentID: other, Name: "x"}), store.ErrNotFound)
		wantInvalid(t, "no name", insert(store.Node{TenantID: tenant, Name: " "}))
		wantInvalid(t, "a second master", insert(store.Node{TenantID: tenant, Name: "x", Kind: "master"}))
		wantConflict(t, "sibling of the same name", insert(store.Node{TenantID: tenant, Name: "SALES"}), "name")
		// The same name elsewhere in the tree, or in another tenant, is fine.
		mkNode(t, s, tenant, a.ID, "Sales")
		mkNode(t, s, other, "", "Sales")
	},
	"Rename": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		other, _, _ := otherTenant(t, s)
		a := mkNode(t, s, tenant, "", "Sales")
		mkNode(t, s, tenant, "", "Support")
		theirs := mkNode(t, s, other, "", "theirs")
		rename := func(tenantID, id, name string) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.RenameNode(c, tenantID, id, name) })
		}
		if err := rename(tenant, a.ID, "Revenue"); err != nil {
			t.Fatal(err)
		}
		if n := nodeName(t, s, tenant, a.ID); n != "Revenue" {
			t.Fatalf("renamed node is called %q", n)
		}
		wantConflict(t, "rename onto a sibling's name", rename(tenant, a.ID, "support"), "name")
		wantInvalid(t, "rename to nothing", rename(tenant, a.ID, ""))
		wantErr(t, "rename another tenant's node", rename(tenant, theirs.ID, "mine"), store.ErrNotFound)
		wantErr(t, "rename an unknown node", rename(tenant, "nope", "x"), store.ErrNotFound)
		if n, _ := s.Reader().GetNode(c, other, theirs.ID); n.Name != "theirs" {
			t.Fatalf("the other tenant's node was renamed to %q", n.Name)
		}
	},
	// Moving a node rewrites the paths of its whole subtree.
	"Move": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		other, _, _ := otherTenant(t, s)
		theirs := mkNode(t, s, other, "", "theirs")
		a := mkNode(t, s, tenant, "", "a")
		b := mkNode(t, s, tenant, a.ID, "b")
		cc := mkNode(t, s, tenant, b.ID, "c")
		d := mkNode(t, s, tenant, "", "d")
		mkNode(t, s, tenant, d.ID, "taken")
		move := func(tenantID, id, parent string) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.MoveNode(c, tenantID, id, parent) })
		}
		if err := move(tenant, b.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		r := s.Reader()
		get := func(id string) store.Node {
			n, err := r.GetNode(c, tenant, id)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		nb, nc := get(b.ID), get(cc.ID)
		if nb.ParentID != d.ID || nb.Path != d.Path+b.ID+"/" {
			t.Fatalf("moved node = %+v, want parent %s and path %s", nb, d.ID, d.Path+b.ID+"/")
		}
		if nc.ParentID != b.ID || nc.Path != nb.Path+cc.ID+"/" {
			t.Fatalf("its child = %+v, want path %s", nc, nb.Path+cc.ID+"/")
		}
		if na, nd := get(a.ID), get(d.ID); na.Path != a.Path || nd.Path != d.Path {
			t.Fatalf("nodes outside the subtree changed: %+v %+v", na, nd)
		}
		if n, _ := r.GetNode(c, other, theirs.ID); n.Path != theirs.Path {
			t.Fatalf("the other tenant's node changed: %+v", n)
		}
		wantInvalid(t, "move the master", move(tenant, tenant, d.ID))
		wantInvalid(t, "move beneath itself", move(tenant, d.ID, cc.ID))
		wantInvalid(t, "move onto itself", move(tenant, d.ID, d.ID))
		wantErr(t, "move to an unknown parent", move(tenant, a.ID, "nope"), store.ErrNotFound)
		wantErr(t, "move beneath another tenant's node", move(tenant, a.ID, theirs.ID), store.ErrNotFound)
		wantErr(t, "move another tenant's node", move(tenant, theirs.ID, a.ID), store.ErrNotFound)
		taken := mkNode(t, s, tenant, a.ID, "Taken")
		wantConflict(t, "move next to a sibling of the same name", move(tenant, taken.ID, d.ID), "name")
		// Moving back restores the paths.
		if err := move(tenant, b.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if nc := get(cc.ID); nc.Path != cc.Path {
			t.Fatalf("after moving back the grandchild's path is %q, want %q", nc.Path, cc.Path)
		}
	},
	"DeleteAndInUse": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "alice")
		other, _, _ := otherTenant(t, s)
		theirs := mkNode(t, s, other, "", "theirs")
		parent := mkNode(t, s, tenant, "", "parent")
		mkNode(t, s, tenant, parent.ID, "child")
		granted := mkNode(t, s, tenant, "", "granted")
		addGrant(t, s, userGrant(tenant, u.ID, "admin", granted.ID))
		scoped := mkNode(t, s, tenant, "", "scoped")
		inTx(t, s, func(c context.Context, tx store.Tx) error {
			return tx.InsertRole(c, &store.Role{TenantID: tenant, Name: "pkg", Scope: []string{scoped.ID}})
		})
		free := mkNode(t, s, tenant, "", "free")
		r := s.Reader()
		for id, want := range map[string]string{parent.ID: "children", granted.ID: "grants", scoped.ID: "roles", free.ID: ""} {
			why, err := r.NodeInUse(c, tenant, id)
			if err != nil || why != want {
				t.Errorf("NodeInUse(%s) = %q, %v; want %q", nodeName(t, s, tenant, id), why, err, want)
			}
		}
		_, err := r.NodeInUse(c, tenant, theirs.ID)
		wantErr(t, "NodeInUse of another tenant's node", err, store.ErrNotFound)
		del := func(tenantID, id string) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.DeleteNode(c, tenantID, id) })
		}
		for _, id := range []string{parent.ID, granted.ID, scoped.ID, tenant} {
			wantInvalid(t, "DeleteNode "+nodeName(t, s, tenant, id), del(tenant, id))
		}
		wantErr(t, "DeleteNode of another tenant's node", del(tenant, theirs.ID), store.ErrNotFound)
		if err := del(tenant, free.ID); err != nil {
			t.Fatal(err)
		}
		_, err = r.GetNode(c, tenant, free.ID)
		wantErr(t, "GetNode after DeleteNode", err, store.ErrNotFound)
		wantErr(t, "second DeleteNode", del(tenant, free.ID), store.ErrNotFound)
		if _, err := r.GetNode(c, other, theirs.ID); err != nil {
			t.Fatalf("the other tenant's node: %v", err)
		}
	},
}

var roleTests = map[string]func(t *testing.T, s store.Store){
	"CRUD": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "alice")
		a := mkNode(t, s, tenant, "", "a")
		b := mkNode(t, s, tenant, a.ID, "b")
		// Scope given out of path order comes back by path.
		role := store.Role{TenantID: tenant, Name: "Packages", Description: "sub-accounts",
			Permissions: []string{"reports.run", "data.export"}, Scope: []string{b.ID, a.ID}}
		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.InsertRole(c, &role) })
		if role.ID == "" || role.CreatedAt.IsZero() {
			t.Fatalf("InsertRole set %+v", role)
		}
		r := s.Reader()
		got, err := r.GetRole(c, tenant, role.ID)
		want := role
		want.Scope = []string{a.ID, b.ID}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("GetRole = %+v, %v; want %+v", got, err, want)
		}
		plain := store.Role{TenantID: tenant, Name: "apprentice"}
		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.InsertRole(c, &plain) })
		roles, err := r.Roles(c, tenant)
		if err != nil || len(roles) != 2 || roles[0].ID != plain.ID || !reflect.DeepEqual(roles[1], want) {
			t.Fatalf("Roles = %+v, %v; want apprentice, then Packages", roles, err)
		}
		if roles[0].Permissions != nil || roles[0].Scope != nil {
			t.Errorf("a role without permissions or scope loaded %+v", roles[0])
		}

		want.Name, want.Description, want.Permissions, want.Scope = "Bundles", "", []string{"orders"}, []string{b.ID}
		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.UpdateRole(c, want) })
		if got, _ := r.GetRole(c, tenant, role.ID); !reflect.DeepEqual(got, want) {
			t.Fatalf("after UpdateRole GetRole = %+v, want %+v", got, want)
		}
		if why, _ := r.NodeInUse(c, tenant, a.ID); why != "children" {
			t.Fatalf("node a is in use for %q after leaving the scope", why)
		}

		addGrant(t, s, userGrant(tenant, u.ID, role.ID, ""))
		addGrant(t, s, userGrant(tenant, u.ID, plain.ID, ""))
		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.DeleteRole(c, tenant, role.ID) })
		_, err = r.GetRole(c, tenant, role.ID)
		wantErr(t, "GetRole after DeleteRole", err, store.ErrNotFound)
		if why, _ := r.NodeInUse(c, tenant, b.ID); why != "" {
			t.Fatalf("the deleted role's scope still holds node b (%q)", why)
		}
		if gs, _ := r.GrantsOf(c, tenant, u.ID, ""); len(gs) != 1 || gs[0].Role != plain.ID {
			t.Fatalf("after DeleteRole the user's grants are %+v, want only the other role's", gs)
		}
	},
	"Refused": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		other, _, _ := otherTenant(t, s)
		theirs := mkNode(t, s, other, "", "theirs")
		first := store.Role{TenantID: tenant, Name: "Supervisor"}
		second := store.Role{TenantID: tenant, Name: "Trainer"}
		inTx(t, s, func(c context.Context, tx store.Tx) error {
			if err := tx.InsertRole(c, &first); err != nil {
				return err
			}
			return tx.InsertRole(c, &second)
		})
		insert := func(r store.Role) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.InsertRole(c, &r) })
		}
		wantConflict(t, "a role of the same name", insert(store.Role{TenantID: tenant, Name: "SUPERVISOR"}), "name")
		wantInvalid(t, "a role without a name", insert(store.Role{TenantID: tenant}))
		wantInvalid(t, "a permission with a comma", insert(store.Role{TenantID: tenant, Name: "x", Permissions: []string{"a,b"}}))
		wantInvalid(t, "an empty permission", insert(store.Role{TenantID: tenant, Name: "x", Permissions: []string{""}}))
		wantInvalid(t, "another tenant's node in the scope", insert(store.Role{TenantID: tenant, Name: "x", Scope: []string{theirs.ID}}))
		if err := insert(store.Role{TenantID: other, Name: "Supervisor"}); err != nil {
			t.Fatalf("the same name in another tenant: %v", err)
		}
		renamed := second
		renamed.Name = "supervisor"
		err := txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.UpdateRole(c, renamed) })
		wantConflict(t, "rename onto another role's name", err, "name")
		stolen := first
		stolen.TenantID = other
		err = txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.UpdateRole(c, stolen) })
		wantErr(t, "UpdateRole through another tenant", err, store.ErrNotFound)
		err = txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.DeleteRole(c, other, first.ID) })
		wantErr(t, "DeleteRole through another tenant", err, store.ErrNotFound)
		_, err = s.Reader().GetRole(c, other, first.ID)
		wantErr(t, "GetRole through another tenant", err, store.ErrNotFound)
		if roles, _ := s.Reader().Roles(c, tenant); len(roles) != 2 {
			t.Fatalf("Roles = %+v, want the two", roles)
		}
	},
}
