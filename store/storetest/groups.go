package storetest

import (
	"sort"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// sortMembers orders members by id for comparison.
func sortMembers(ms []store.Member) []store.Member {
	out := append([]store.Member(nil), ms...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func checkMembers(t *testing.T, what string, got, want []store.Member) {
	t.Helper()
	g, w := sortMembers(got), sortMembers(want)
	if len(g) != len(w) {
		t.Fatalf("%s: members\n got %+v\nwant %+v", what, g, w)
	}
	for i := range g {
		if g[i] != w[i] {
			t.Fatalf("%s: members\n got %+v\nwant %+v", what, g, w)
		}
	}
}

var groupTests = map[string]func(t *testing.T, s store.Store){
	"CreateWithMembers": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		alice := mkUser(t, s, tenant, "alice", func(u *store.User) { u.DisplayName = "Alice A." })
		bob := mkUser(t, s, tenant, "bob")
		sub := mkGroup(t, s, tenant, "Sub Team")
		before := time.Now().Add(-time.Second)
		g := &store.Group{TenantID: tenant, DisplayName: "Engineering", ExternalID: "eng-1",
			Members: []store.Member{{ID: alice.ID}, {ID: bob.ID}, {ID: sub.ID}, {ID: alice.ID}}}
		if err := s.CreateGroup(c, g); err != nil {
			t.Fatalf("CreateGroup: %v", err)
		}
		if g.ID == "" || g.Meta.Version != 1 || g.Meta.Created.Before(before) || !g.Meta.LastModified.Equal(g.Meta.Created) {
			t.Fatalf("CreateGroup set %+v", g)
		}
		want := []store.Member{
			{ID: alice.ID, Type: store.MemberUser, Display: "Alice A."},
			{ID: bob.ID, Type: store.MemberUser, Display: "bob"},
			{ID: sub.ID, Type: store.MemberGroup, Display: "Sub Team"},
		}
		checkMembers(t, "members CreateGroup returned", g.Members, want)

		plain := getGroup(t, s, tenant, g.ID, 0)
		if len(plain.Members) != 0 {
			t.Errorf("GetGroup without LoadMembers has members %+v", plain.Members)
		}
		if plain.ID != g.ID || plain.TenantID != tenant || plain.DisplayName != "Engineering" || plain.ExternalID != "eng-1" ||
			plain.Meta.Version != 1 || !plain.Meta.Created.Equal(g.Meta.Created) || !plain.Meta.LastModified.Equal(g.Meta.LastModified) {
			t.Errorf("GetGroup = %+v, created %+v", plain, g)
		}
		full := getGroup(t, s, tenant, g.ID, store.LoadMembers)
		checkMembers(t, "GetGroup(LoadMembers)", full.Members, want)

		empty := mkGroup(t, s, tenant, "Empty")
		if got := getGroup(t, s, tenant, empty.ID, store.LoadMembers); len(got.Members) != 0 || got.ExternalID != "" {
			t.Errorf("empty group = %+v", got)
		}
		// ListGroups loads members on request.
		p, err := s.ListGroups(c, tenant, store.Query{Limit: 10, Load: store.LoadMembers,
			Filter: cmp(strField("display_name"), store.OpEq, "engineering")})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("ListGroups = %+v, %v", p, err)
		}
		checkMembers(t, "ListGroups(LoadMembers)", p.Items[0].Members, want)
	},
	"CreateWithUnknownMember": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant, other := newTenant(t, s), newTenant(t, s)
		alice := mkUser(t, s, tenant, "alice")
		foreign := mkUser(t, s, other, "foreign")
		for _, bad := range []string{"00000000-0000-0000-0000-000000000000", foreign.ID} {
			err := s.CreateGroup(c, &store.Group{TenantID: tenant, DisplayName: "G",
				Members: []store.Member{{ID: alice.ID}, {ID: bad}}})
			wantErr(t, "CreateGroup with member "+bad, err, store.ErrInvalid)
		}
		p, err := s.ListGroups(c, tenant, store.Query{Total: true})
		if err != nil || p.Total != 0 {
			t.Fatalf("refused CreateGroup left groups: %+v, %v", p, err)
		}
		mkGroup(t, s, tenant, "G", alice.ID)
	},
	"Conflicts": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant, other := newTenant(t, s), newTenant(t, s)
		mkGroup(t, s, tenant, "Sales")
		err := s.CreateGroup(c, &store.Group{TenantID: tenant, DisplayName: "SALES"})
		wantConflict(t, "CreateGroup with a taken displayName", err, "displayName")
		g := &store.Group{TenantID: tenant, DisplayName: "Ops", ExternalID: "x"}
		if err := s.CreateGroup(c, g); err != nil {
			t.Fatal(err)
		}
		err = s.CreateGroup(c, &store.Group{TenantID: tenant, DisplayName: "Ops2", ExternalID: "x"})
		wantConflict(t, "CreateGroup with a taken externalId", err, "externalId")
		// Another tenant may use the same names.
		mkGroup(t, s, other, "sales")
		if err := s.CreateGroup(c, &store.Group{TenantID: other, DisplayName: "Ops", ExternalID: "x"}); err != nil {
			t.Fatalf("same names in another tenant: %v", err)
		}

		// Renaming onto a taken name (other case) fails and writes nothing.
		_, err = s.UpdateGroup(c, tenant, g.ID, func(x *store.Group, m store.Members) error {
			x.DisplayName = "sAlEs"
			x.ExternalID = "y"
			return nil
		})
		wantConflict(t, "rename onto a taken displayName", err, "displayName")
		if got := getGroup(t, s, tenant, g.ID, 0); got.DisplayName != "Ops" || got.ExternalID != "x" || got.Meta.Version != 1 {
			t.Fatalf("refused rename changed the group: %+v", got)
		}
		// Changing the case of one's own name is fine.
		got := updateGroup(t, s, tenant, g.ID, func(x *store.Group, m store.Members) error { x.DisplayName = "OPS"; return nil })
		if got.DisplayName != "OPS" || got.Meta.Version != 2 {
			t.Fatalf("case-only rename = %+v", got)
		}
	},
	"UpdateAttributes": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		g := mkGroup(t, s, tenant, "Old")
		time.Sleep(2 * time.Millisecond)
		got := updateGroup(t, s, tenant, g.ID, func(x *store.Group, m store.Members) error {
			if x.ID != g.ID || x.DisplayName != "Old" || len(x.Members) != 0 {
				t.Errorf("update sees %+v", x)
			}
			x.DisplayName, x.ExternalID = "New", "ext-new"
			x.Meta.Version = 42
			return nil
		})
		if got.DisplayName != "New" || got.ExternalID != "ext-new" || got.Meta.Version != 2 ||
			!got.Meta.LastModified.After(g.Meta.LastModified) || !got.Meta.Created.Equal(g.Meta.Created) {
			t.Fatalf("UpdateGroup = %+v (created %+v)", got, g.Meta)
		}
		stored := getGroup(t, s, tenant, g.ID, 0)
		if stored.DisplayName != "New" || stored.ExternalID != "ext-new" || stored.Meta.Version != 2 ||
			!stored.Meta.LastModified.Equal(got.Meta.LastModified) {
			t.Fatalf("stored = %+v, returned %+v", stored, got)
		}
		// No change, no new version.
		same := updateGroup(t, s, tenant, g.ID, func(x *store.Group, m store.Members) error { x.DisplayName = "New"; return nil })
		if same.Meta.Version != 2 || !same.Meta.LastModified.Equal(got.Meta.LastModified) {
			t.Fatalf("no-op UpdateGroup = %+v", same.Meta)
		}
		// An error aborts.
		_, err := s.UpdateGroup(c, tenant, g.ID, func(x *store.Group, m store.Members) error {
			x.DisplayName = "Aborted"
			return errVeto
		})
		wantErr(t, "failing UpdateGroup", err, errVeto)
		if got := getGroup(t, s, tenant, g.ID, 0); got.DisplayName != "New" || got.Meta.Version != 2 {
			t.Fatalf("aborted update wrote %+v", got)
		}
		_, err = s.UpdateGroup(c, tenant, "00000000-0000-0000-0000-000000000000", func(*store.Group, store.Members) error {
			t.Error("update called for an unknown group")
			return nil
		})
		wantErr(t, "UpdateGroup unknown", err, store.ErrNotFound)
	},
	"TenantIsolation": func(t *testing.T, s store.Store) {
		c := ctx(t)
		a, b := newTenant(t, s), newTenant(t, s)
		ua := mkUser(t, s, a, "alice")
		ga := mkGroup(t, s, a, "A-team", ua.ID)
		gb := mkGroup(t, s, b, "B-team")
		_, err := s.GetGroup(c, b, ga.ID, store.LoadMembers)
		wantErr(t, "GetGroup through another tenant", err, store.ErrNotFound)
		_, err = s.UpdateGroup(c, b, ga.ID, func(x *store.Group, m store.Members) error {
			t.Error("update called for another tenant's group")
			return m.RemoveAll(c)
		})
		wantErr(t, "UpdateGroup through another tenant", err, store.ErrNotFound)
		err = s.DeleteGroup(c, b, ga.ID, nil)
		wantErr(t, "DeleteGroup through another tenant", err, store.ErrNotFound)
		// Another tenant's users and groups cannot become members.
		for _, id := range []string{ua.ID, ga.ID} {
			_, err = s.UpdateGroup(c, b, gb.ID, func(x *store.Group, m store.Members) error { return m.Add(c, []string{id}) })
			wantErr(t, "adding another tenant's resource", err, store.ErrInvalid)
		}
		if ids := memberIDs(t, s, a, ga.ID); !sameStrings(ids, []string{ua.ID}) {
			t.Fatalf("A-team members = %v", ids)
		}
		p, err := s.ListGroups(c, b, store.Query{Limit: 10, Total: true})
		if err != nil || p.Total != 1 || len(p.Items) != 1 || p.Items[0].ID != gb.ID {
			t.Fatalf("tenant b lists %+v, %v", p, err)
		}
		// A user's groups never include another tenant's (none can exist), and
		// deleting in one tenant leaves the other alone.
		if err := s.DeleteGroup(c, b, gb.ID, nil); err != nil {
			t.Fatal(err)
		}
		getGroup(t, s, a, ga.ID, 0)
	},
	"Delete": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "u")
		inner := mkGroup(t, s, tenant, "inner", u.ID)
		outer := mkGroup(t, s, tenant, "outer", inner.ID, u.ID)
		bystander := mkGroup(t, s, tenant, "bystander", u.ID)

		err := s.DeleteGroup(c, tenant, inner.ID, func(g *store.Group) error {
			if g.ID != inner.ID || g.DisplayName != "inner" {
				t.Errorf("check sees %+v", g)
			}
			return errVeto
		})
		wantErr(t, "vetoed DeleteGroup", err, errVeto)
		if got := getGroup(t, s, tenant, outer.ID, store.LoadMembers); got.Meta.Version != 1 || len(got.Members) != 2 {
			t.Fatalf("vetoed delete changed outer: %+v", got)
		}

		if err := s.DeleteGroup(c, tenant, inner.ID, nil); err != nil {
			t.Fatalf("DeleteGroup: %v", err)
		}
		_, err = s.GetGroup(c, tenant, inner.ID, 0)
		wantErr(t, "GetGroup after delete", err, store.ErrNotFound)
		got := getGroup(t, s, tenant, outer.ID, store.LoadMembers)
		checkMembers(t, "outer after deleting inner", got.Members, []store.Member{{ID: u.ID, Type: store.MemberUser, Display: "u"}})
		if got.Meta.Version != 2 {
			t.Errorf("outer version = %d, want 2", got.Meta.Version)
		}
		if got := getGroup(t, s, tenant, bystander.ID, 0); got.Meta.Version != 1 {
			t.Errorf("bystander version = %d, want 1", got.Meta.Version)
		}
		// The user is untouched and no longer lists the deleted group.
		refs := getUser(t, s, tenant, u.ID, store.LoadGroups).Groups
		if len(refs) != 2 || refs[0].Display == "inner" || refs[1].Display == "inner" {
			t.Errorf("user groups after delete = %+v", refs)
		}
		// The name is free again; a second delete finds nothing.
		mkGroup(t, s, tenant, "inner")
		err = s.DeleteGroup(c, tenant, inner.ID, nil)
		wantErr(t, "second DeleteGroup", err, store.ErrNotFound)
	},
}
