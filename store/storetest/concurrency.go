package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/scimd/scimd/store"
)

var concurrencyTests = map[string]func(t *testing.T, s store.Store){
	// Concurrent membership changes of one group queue; none is lost.
	"AddMembers": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		g := mkGroup(t, s, tenant, "crowd")
		const n = 20
		users := mkUsers(t, s, tenant, n)
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				_, errs[i] = s.UpdateGroup(c, tenant, g.ID, func(x *store.Group, m store.Members) error {
					return m.Add(c, []string{users[i]})
				})
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("UpdateGroup %d: %v", i, err)
			}
		}
		if ids := memberIDs(t, s, tenant, g.ID); !sameStrings(ids, users) {
			t.Fatalf("after %d concurrent adds the group has %d members", n, len(ids))
		}
		if got := getGroup(t, s, tenant, g.ID, 0); got.Meta.Version != n+1 {
			t.Errorf("version = %d, want %d (one per add)", got.Meta.Version, n+1)
		}
		// Each user sees the group.
		for _, id := range users[:3] {
			if refs := getUser(t, s, tenant, id, store.LoadGroups).Groups; len(refs) != 1 || refs[0].ID != g.ID {
				t.Errorf("user %s groups = %+v", id, refs)
			}
		}
	},
	// Concurrent creates of one userName: exactly one wins.
	"CreateSameUserName": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		const n = 5
		var wg sync.WaitGroup
		errs := make([]error, n)
		ids := make([]string, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				// The same name in different case.
				name := "racerx"
				if i%2 == 1 {
					name = "RacerX"
				}
				u := &store.User{TenantID: tenant, UserName: name,
					Values: map[string][]store.Value{"emails": {{Value: fmt.Sprintf("racer%d@example.com", i)}}}}
				errs[i] = s.CreateUser(c, u)
				ids[i] = u.ID
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, store.ErrConflict):
				wantConflict(t, fmt.Sprintf("CreateUser %d", i), err, "userName")
			default:
				t.Errorf("CreateUser %d: %v, want nil or ErrConflict", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d creates succeeded, want exactly 1 (errors %v)", won, errs)
		}
		all := listAllUsers(t, s, tenant, store.Query{Load: store.LoadValues})
		if len(all) != 1 || len(all[0].Values["emails"]) != 1 {
			t.Fatalf("after the race the tenant has %+v", all)
		}
	},
	// Concurrent updates of one user are serialised: every change counts.
	"UpdateUser": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "counter")
		const n = 10
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = s.UpdateUser(c, tenant, u.ID, func(x *store.User) error {
					if x.Values == nil {
						x.Values = map[string][]store.Value{}
					}
					x.Values["roles"] = append(x.Values["roles"], store.Value{Value: fmt.Sprintf("role%d", i)})
					return nil
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("UpdateUser %d: %v", i, err)
			}
		}
		got := getUser(t, s, tenant, u.ID, store.LoadValues)
		if len(got.Values["roles"]) != n || got.Meta.Version != n+1 {
			t.Fatalf("after %d concurrent updates: %d roles, version %d", n, len(got.Values["roles"]), got.Meta.Version)
		}
	},
}
