package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/scimd/scimd/store"
)

func editMembers(t *testing.T, s store.Store, tenant, id string, fn func(m store.Members) error) *store.Group {
	t.Helper()
	g, err := s.EditMembers(ctx(t), tenant, id, fn)
	if err != nil {
		t.Fatalf("EditMembers %s: %v", id, err)
	}
	return g
}

var editMembersTests = map[string]func(t *testing.T, s store.Store){
	"AddRemove": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		a, b := mkUser(t, s, tenant, "a"), mkUser(t, s, tenant, "b")
		sub := mkGroup(t, s, tenant, "sub")
		g := mkGroup(t, s, tenant, "g", a.ID)

		got := editMembers(t, s, tenant, g.ID, func(m store.Members) error { return m.Add(c, []string{a.ID, b.ID, sub.ID}) })
		if got.ID != g.ID || got.DisplayName != "g" || got.Meta.Version != 2 || got.Meta.LastModified.Before(g.Meta.LastModified) {
			t.Errorf("EditMembers returned %+v", got)
		}
		if ids := memberIDs(t, s, tenant, g.ID); !sameStrings(ids, []string{a.ID, b.ID, sub.ID}) {
			t.Fatalf("members = %v", ids)
		}
		if stored := getGroup(t, s, tenant, g.ID, 0); stored.Meta.Version != 2 || !stored.Meta.LastModified.Equal(got.Meta.LastModified) {
			t.Errorf("stored %+v, returned %+v", stored.Meta, got.Meta)
		}
		// Nothing to do: no new version.
		got = editMembers(t, s, tenant, g.ID, func(m store.Members) error {
			if err := m.Add(c, []string{b.ID}); err != nil {
				return err
			}
			return m.Remove(c, []string{"absent"})
		})
		if got.Meta.Version != 2 {
			t.Errorf("no-op EditMembers bumped the version to %d", got.Meta.Version)
		}
		got = editMembers(t, s, tenant, g.ID, func(m store.Members) error { return m.Remove(c, []string{a.ID, sub.ID}) })
		if got.Meta.Version != 3 {
			t.Errorf("version after Remove = %d, want 3", got.Meta.Version)
		}
		if ids := memberIDs(t, s, tenant, g.ID); !sameStrings(ids, []string{b.ID}) {
			t.Fatalf("members after Remove = %v", ids)
		}
		got = editMembers(t, s, tenant, g.ID, func(m store.Members) error {
			ms, err := m.List(c)
			if err != nil || len(ms) != 1 || ms[0].ID != b.ID || ms[0].Type != store.MemberUser {
				t.Errorf("List = %+v, %v", ms, err)
			}
			return m.RemoveAll(c)
		})
		if got.Meta.Version != 4 || len(memberIDs(t, s, tenant, g.ID)) != 0 {
			t.Errorf("after RemoveAll: version %d, members %v", got.Meta.Version, memberIDs(t, s, tenant, g.ID))
		}
	},
	"Refused": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant, other := newTenant(t, s), newTenant(t, s)
		a, b := mkUser(t, s, tenant, "a"), mkUser(t, s, tenant, "b")
		foreign := mkUser(t, s, other, "foreign")
		g := mkGroup(t, s, tenant, "g", a.ID)
		outer := mkGroup(t, s, tenant, "outer", g.ID)
		for name, fn := range map[string]func(m store.Members) error{
			"unknown id": func(m store.Members) error { return m.Add(c, []string{b.ID, "nope"}) },
			"foreign":    func(m store.Members) error { return m.Add(c, []string{foreign.ID}) },
			"itself":     func(m store.Members) error { return m.Add(c, []string{g.ID}) },
			"cycle":      func(m store.Members) error { return m.Add(c, []string{outer.ID}) },
			"late error": func(m store.Members) error {
				if err := m.RemoveAll(c); err != nil {
					return err
				}
				return m.Add(c, []string{"nope"})
			},
		} {
			_, err := s.EditMembers(c, tenant, g.ID, fn)
			wantErr(t, name, err, store.ErrInvalid)
		}
		_, err := s.EditMembers(c, tenant, g.ID, func(m store.Members) error {
			if err := m.Add(c, []string{b.ID}); err != nil {
				return err
			}
			return errVeto
		})
		wantErr(t, "failing edit", err, errVeto)
		if got := getGroup(t, s, tenant, g.ID, 0); got.Meta.Version != 1 {
			t.Errorf("refused edits changed the version to %d", got.Meta.Version)
		}
		if ids := memberIDs(t, s, tenant, g.ID); !sameStrings(ids, []string{a.ID}) {
			t.Fatalf("refused edits changed the members: %v", ids)
		}
		for _, tn := range []string{other, tenant} {
			id := g.ID
			if tn == tenant {
				id = "00000000-0000-0000-0000-000000000000"
			}
			_, err := s.EditMembers(c, tn, id, func(m store.Members) error {
				t.Errorf("edit called for a group not in tenant %s", tn)
				return nil
			})
			wantErr(t, "EditMembers of a missing group", err, store.ErrNotFound)
		}
	},
}

var raceTests = map[string]func(t *testing.T, s store.Store){
	// Concurrent EditMembers of one group overlap, but none is lost.
	"EditMembers": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		g := mkGroup(t, s, tenant, "crowd")
		const n = 20
		users := mkUsers(t, s, tenant, n)
		errs := race(n, func(i int) error {
			if i%4 == 0 { // a few through UpdateGroup, which locks the row first
				_, err := s.UpdateGroup(c, tenant, g.ID, func(_ *store.Group, m store.Members) error { return m.Add(c, users[i:i+1]) })
				return err
			}
			_, err := s.EditMembers(c, tenant, g.ID, func(m store.Members) error { return m.Add(c, users[i:i+1]) })
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("add %d: %v", i, err)
			}
		}
		if ids := memberIDs(t, s, tenant, g.ID); !sameStrings(ids, users) {
			t.Fatalf("after %d concurrent adds the group has %d members", n, len(ids))
		}
		if got := getGroup(t, s, tenant, g.ID, 0); got.Meta.Version != n+1 {
			t.Errorf("version = %d, want %d (one per add)", got.Meta.Version, n+1)
		}
	},
	// Two groups added into each other at once: one must be refused, or
	// nesting would make a cycle.
	"Cycle": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		for round := range 10 {
			a := mkGroup(t, s, tenant, fmt.Sprintf("a%d", round))
			b := mkGroup(t, s, tenant, fmt.Sprintf("b%d", round))
			pair := [2][2]string{{a.ID, b.ID}, {b.ID, a.ID}}
			errs := race(2, func(i int) error {
				into, member := pair[i][0], pair[i][1]
				if round%2 == 0 {
					_, err := s.EditMembers(c, tenant, into, func(m store.Members) error { return m.Add(c, []string{member}) })
					return err
				}
				_, err := s.UpdateGroup(c, tenant, into, func(_ *store.Group, m store.Members) error { return m.Add(c, []string{member}) })
				return err
			})
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, store.ErrInvalid):
					t.Errorf("round %d: %v, want nil or ErrInvalid", round, err)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d of the two crossing adds succeeded (errors %v): a and b contain each other: a %v, b %v",
					round, ok, errs, memberIDs(t, s, tenant, a.ID), memberIDs(t, s, tenant, b.ID))
			}
		}
	},
	// A group deleted while members are added: each add either happened
	// before the delete or finds the group gone.
	"DeleteGroup": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		const n = 8
		users := mkUsers(t, s, tenant, n)
		for round := range 5 {
			g := mkGroup(t, s, tenant, fmt.Sprintf("doomed%d", round))
			errs := race(n+1, func(i int) error {
				if i == n {
					return s.DeleteGroup(c, tenant, g.ID, nil)
				}
				_, err := s.EditMembers(c, tenant, g.ID, func(m store.Members) error { return m.Add(c, users[i:i+1]) })
				return err
			})
			if errs[n] != nil {
				t.Fatalf("round %d: DeleteGroup: %v", round, errs[n])
			}
			for i, err := range errs[:n] {
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("round %d: add %d: %v, want nil or ErrNotFound", round, i, err)
				}
			}
			_, err := s.GetGroup(c, tenant, g.ID, 0)
			wantErr(t, "GetGroup after the delete", err, store.ErrNotFound)
		}
	},
	// A user deleted while being added: the add either happened before
	// (and the membership went with the user) or the user is unknown.
	"DeleteUser": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		g := mkGroup(t, s, tenant, "g")
		for round := range 10 {
			u := mkUser(t, s, tenant, fmt.Sprintf("u%d", round))
			errs := race(2, func(i int) error {
				if i == 0 {
					return s.DeleteUser(c, tenant, u.ID, nil)
				}
				_, err := s.EditMembers(c, tenant, g.ID, func(m store.Members) error { return m.Add(c, []string{u.ID}) })
				return err
			})
			if errs[0] != nil {
				t.Fatalf("round %d: DeleteUser: %v", round, errs[0])
			}
			if errs[1] != nil && !errors.Is(errs[1], store.ErrInvalid) {
				t.Errorf("round %d: add of a user being deleted: %v, want nil or ErrInvalid", round, errs[1])
			}
		}
		if ids := memberIDs(t, s, tenant, g.ID); len(ids) != 0 {
			t.Fatalf("deleted users are still members: %v", ids)
		}
	},
}

// race runs fn(0..n-1) in goroutines released at once and returns their errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}
