package storetest

import (
	"slices"
	"testing"

	"github.com/scimd/scimd/store"
)

var memberTests = map[string]func(t *testing.T, s store.Store){
	"Add": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		a, b, d := mkUser(t, s, tenant, "a"), mkUser(t, s, tenant, "b"), mkUser(t, s, tenant, "d")
		sub := mkGroup(t, s, tenant, "sub")
		g := mkGroup(t, s, tenant, "g", a.ID)

		got := updateGroup(t, s, tenant, g.ID, func(x *store.Group, m store.Members) error {
			return m.Add(c, []string{a.ID, b.ID, sub.ID, b.ID})
		})
		if got.Meta.Version != 2 {
			t.Errorf("version after adding = %d, want 2", got.Meta.Version)
		}
		if ids := memberIDs(t, s, tenant, g.ID); !sameStrings(ids, []string{a.ID, b.ID, sub.ID}) {
			t.Fatalf("members = %v", ids)
		}
		// Adding present members changes nothing.
		got = updateGroup(t, s, tenant, g.ID, func(x *store.Group, m store.Members) error {
			return m.Add(c, []string{a.ID, sub.ID})
		})
		if got.Meta.Version != 2 {
			t.Errorf("version after re-adding = %d, want 2", got.Meta.Version)
		}
		// An unknown id refuses the whole update, also what came before it.
		_, err := s.UpdateGroup(c, tenant, g.ID, func(x *store.Group, m store.Members) error {
			x.DisplayName = "renamed"
			if err := m.Add(c, []string{d.ID}); err != nil {
				t.Errorf("Add(d): %v", err)
			}
			return m.Add(c, []string{"00000000-0000-0000-0000-000000000000"})
		})
		wantErr(t, "Add of an unknown id", err, store.ErrInvalid)
		_, err = s.UpdateGroup(c, tenant, g.ID, func(x *store.Group, m store.Members) error {
			return m.Add(c, []string{d.ID, "nope"})
		})
		wantErr(t, "Add of a known and an unknown id", err, store.ErrInvalid)
		after := getGroup(t, s, tenant, g.ID, store.LoadMembers)
		if after.DisplayName != "g" || after.Meta.Version != 2 || len(after.Members) != 3 {
			t.Fatalf("refused Add wrote: %+v", after)
		}
		// Add of nothing is no change.
		if got := updateGroup(t, s, tenant, g.ID, func(x *store.Group, m store.Members) error { return m.Add(c, nil) }); got.Meta.Version != 2 {
			t.Errorf("version after Add(nil) = %d", got.Meta.Version)
		}
	},
	"Remove": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		a, b := mkUser(t, s, tenant, "a"), mkUser(t, s, tenant, "b")
		sub := mkGroup(t, s, tenant, "sub")
		g := mkGroup(t, s, tenant, "g", a.ID, b.ID, sub.ID)

		got := updateGroup(t, s, tenant, g.ID, func(x *store.Group, m store.Members) error {
			return m.Remove(c, []string{"absent", g.ID})
		})
		if got.Meta.Version != 1 {
			t.Errorf("removing absent ids bumped the version to %d", got.Meta.Version)
		}
		got = updateGroup(t, s, tenant, g.ID, func(x *store.Group, m store.Members) error {
			return m.Remove(c, []string{a.ID, "absent", sub.ID})
		})
		if got.Meta.Version != 2 {
			t.Errorf("version after Remove = %d, want 2", got.Meta.Version)
		}
		if ids := memberIDs(t, s, tenant, g.ID); !sameStrings(ids, []string{b.ID}) {
			t.Fatalf("members after Remove = %v, want [%s]", ids, b.ID)
		}
		// The removed resources still exist.
		getUser(t, s, tenant, a.ID, 0)
		getGroup(t, s, tenant, sub.ID, 0)
	},
	"RemoveAll": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		a, b := mkUser(t, s, tenant, "a"), mkUser(t, s, tenant, "b")
		g := mkGroup(t, s, tenant, "g", a.ID, b.ID)
		other := mkGroup(t, s, tenant, "other", a.ID)
		got := updateGroup(t, s, tenant, g.ID, func(x *store.Group, m store.Members) error { return m.RemoveAll(c) })
		if got.Meta.Version != 2 {
			t.Errorf("version after RemoveAll = %d", got.Meta.Version)
		}
		if ids := memberIDs(t, s, tenant, g.ID); len(ids) != 0 {
			t.Fatalf("members after RemoveAll = %v", ids)
		}
		if ids := memberIDs(t, s, tenant, other.ID); !sameStrings(ids, []string{a.ID}) {
			t.Fatalf("RemoveAll touched another group: %v", ids)
		}
		got = updateGroup(t, s, tenant, g.ID, func(x *store.Group, m store.Members) error { return m.RemoveAll(c) })
		if got.Meta.Version != 2 {
			t.Errorf("RemoveAll of an empty group bumped the version to %d", got.Meta.Version)
		}
		// Replace: RemoveAll then Add in one update.
		got = updateGroup(t, s, tenant, g.ID, func(x *store.Group, m store.Members) error {
			if err := m.RemoveAll(c); err != nil {
				return err
			}
			return m.Add(c, []string{b.ID})
		})
		if got.Meta.Version != 3 {
			t.Errorf("version after replace = %d, want 3", got.Meta.Version)
		}
		if ids := memberIDs(t, s, tenant, g.ID); !sameStrings(ids, []string{b.ID}) {
			t.Fatalf("members after replace = %v", ids)
		}
	},
	"List": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		a := mkUser(t, s, tenant, "a", func(u *store.User) { u.DisplayName = "Ann" })
		b := mkUser(t, s, tenant, "b")
		sub := mkGroup(t, s, tenant, "sub")
		g := mkGroup(t, s, tenant, "g", a.ID)
		updateGroup(t, s, tenant, g.ID, func(x *store.Group, m store.Members) error {
			ms, err := m.List(c)
			if err != nil {
				return err
			}
			checkMembers(t, "List before", ms, []store.Member{{ID: a.ID, Type: store.MemberUser, Display: "Ann"}})
			if err := m.Add(c, []string{b.ID, sub.ID}); err != nil {
				return err
			}
			if err := m.Remove(c, []string{a.ID}); err != nil {
				return err
			}
			ms, err = m.List(c)
			if err != nil {
				return err
			}
			checkMembers(t, "List inside the transaction", ms, []store.Member{
				{ID: b.ID, Type: store.MemberUser, Display: "b"},
				{ID: sub.ID, Type: store.MemberGroup, Display: "sub"},
			})
			return nil
		})
		if ids := memberIDs(t, s, tenant, g.ID); !sameStrings(ids, []string{b.ID, sub.ID}) {
			t.Fatalf("members after commit = %v", ids)
		}
	},
}

var nestingTests = map[string]func(t *testing.T, s store.Store){
	"Cycles": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		a := mkGroup(t, s, tenant, "A")
		b := mkGroup(t, s, tenant, "B", a.ID)
		cc := mkGroup(t, s, tenant, "C", b.ID)
		add := func(to, member string) error {
			_, err := s.UpdateGroup(c, tenant, to, func(x *store.Group, m store.Members) error { return m.Add(c, []string{member}) })
			return err
		}
		wantErr(t, "group in itself", add(a.ID, a.ID), store.ErrInvalid)
		wantErr(t, "B in A when A is in B", add(a.ID, b.ID), store.ErrInvalid)
		wantErr(t, "C in A when A is in B is in C", add(a.ID, cc.ID), store.ErrInvalid)
		for _, g := range []*store.Group{a, b, cc} {
			if got := getGroup(t, s, tenant, g.ID, 0); got.Meta.Version != 1 {
				t.Errorf("refused cycle changed %s: version %d", g.DisplayName, got.Meta.Version)
			}
		}
		if ids := memberIDs(t, s, tenant, a.ID); len(ids) != 0 {
			t.Fatalf("A has members %v after refused cycles", ids)
		}
		// A diamond is not a cycle: A in B and in C, B in C.
		if err := add(cc.ID, a.ID); err != nil {
			t.Fatalf("diamond: %v", err)
		}
		// Once B leaves C, C may go into B (C then holds only A, which B holds too).
		updateGroup(t, s, tenant, cc.ID, func(x *store.Group, m store.Members) error { return m.Remove(c, []string{b.ID}) })
		if err := add(b.ID, cc.ID); err != nil {
			t.Fatalf("C in B after B left C: %v", err)
		}
		wantErr(t, "B in C when C is in B", add(cc.ID, b.ID), store.ErrInvalid)
	},
	"UserGroups": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "u")
		loner := mkUser(t, s, tenant, "loner")
		a := mkGroup(t, s, tenant, "A", u.ID)
		b := mkGroup(t, s, tenant, "B", a.ID)
		cg := mkGroup(t, s, tenant, "C", b.ID, u.ID)
		d := mkGroup(t, s, tenant, "D", cg.ID)
		mkGroup(t, s, tenant, "E") // unrelated

		want := []store.GroupRef{
			{ID: a.ID, Display: "A", Direct: true},
			{ID: b.ID, Display: "B", Direct: false},
			{ID: cg.ID, Display: "C", Direct: true},
			{ID: d.ID, Display: "D", Direct: false},
		}
		check := func(what string, got []store.GroupRef, want []store.GroupRef) {
			t.Helper()
			g := slices.Clone(got)
			slices.SortFunc(g, func(x, y store.GroupRef) int { return compareStr(x.Display, y.Display) })
			if !slices.Equal(g, want) {
				t.Errorf("%s: groups\n got %+v\nwant %+v", what, got, want)
			}
		}
		check("GetUser(LoadGroups)", getUser(t, s, tenant, u.ID, store.LoadGroups).Groups, want)
		if got := getUser(t, s, tenant, u.ID, store.LoadValues).Groups; len(got) != 0 {
			t.Errorf("GetUser without LoadGroups has groups %+v", got)
		}
		if got := getUser(t, s, tenant, loner.ID, store.LoadGroups).Groups; len(got) != 0 {
			t.Errorf("loner has groups %+v", got)
		}
		p, err := s.ListUsers(c, tenant, store.Query{Limit: 10, Load: store.LoadGroups, Sort: ptr(strField("user_name"))})
		if err != nil || len(p.Items) != 2 {
			t.Fatalf("ListUsers = %+v, %v", p, err)
		}
		if p.Items[0].UserName != "loner" || len(p.Items[0].Groups) != 0 {
			t.Errorf("ListUsers loner = %+v", p.Items[0])
		}
		check("ListUsers(LoadGroups)", p.Items[1].Groups, want)

		// Leaving C directly keeps C (and D) through B.
		updateGroup(t, s, tenant, cg.ID, func(x *store.Group, m store.Members) error { return m.Remove(c, []string{u.ID}) })
		want[2].Direct = false
		check("after leaving C directly", getUser(t, s, tenant, u.ID, store.LoadGroups).Groups, want)
		// Leaving A drops everything.
		updateGroup(t, s, tenant, a.ID, func(x *store.Group, m store.Members) error { return m.RemoveAll(c) })
		check("after leaving A", getUser(t, s, tenant, u.ID, store.LoadGroups).Groups, nil)
	},
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
