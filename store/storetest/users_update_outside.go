package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// updateOutsideLockTests check that UpdateUser's update function holds no
// write lock (issue 11: one tenant's 6,000-operation PATCH held SQLite's
// write lock for 13 s and every other tenant's writes failed), and that a
// write racing it is not lost.
var updateOutsideLockTests = map[string]func(t *testing.T, s store.Store){
	"OtherWritesProceedDuringUpdate": func(t *testing.T, s store.Store) {
		a, b := newTenant(t, s), newTenant(t, s)
		u := mkUser(t, s, a, "slow")
		calls := 0
		_, err := s.UpdateUser(ctx(t), a, u.ID, func(x *store.User) error {
			calls++
			if calls == 1 {
				// Were the update holding the write lock (SQLite) or the
				// row lock (PostgreSQL), these would wait for it: bounded
				// here, they fail instead of hanging the test.
				c, cancel := context.WithTimeout(ctx(t), 3*time.Second)
				defer cancel()
				if err := s.CreateUser(c, &store.User{TenantID: b, UserName: "other-tenant"}); err != nil {
					t.Errorf("another tenant's write during an update: %v", err)
				}
				if _, err := s.UpdateUser(c, a, u.ID, func(y *store.User) error { y.NickName = "racer"; return nil }); err != nil {
					t.Errorf("a write to the same user during an update: %v", err)
				}
			}
			x.Title = "slowly"
			return nil
		})
		if err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if calls < 2 {
			t.Errorf("the update ran %d time(s): a write raced it, so it must run again on the new version", calls)
		}
		got := getUser(t, s, a, u.ID, 0)
		if got.Title != "slowly" || got.NickName != "racer" || got.Meta.Version != 3 {
			t.Errorf("after racing updates: title %q, nickName %q, version %d; want both changes and version 3",
				got.Title, got.NickName, got.Meta.Version)
		}
	},
	"ManyValuesInBatches": func(t *testing.T, s store.Store) {
		// Far more values than one statement may bind (SQLite allows 32,766
		// parameters, seven a row): the store batches its inserts.
		tenant := newTenant(t, s)
		vals := func(n int, prefix string) []store.Value {
			out := make([]store.Value, n)
			for i := range out {
				out[i] = store.Value{Value: fmt.Sprintf("%s%d@example.com", prefix, i), Type: "work"}
			}
			return out
		}
		u := &store.User{TenantID: tenant, UserName: "many", Values: map[string][]store.Value{"emails": vals(6000, "a")}}
		if err := s.CreateUser(ctx(t), u); err != nil {
			t.Fatalf("CreateUser with 6,000 emails: %v", err)
		}
		if _, err := s.UpdateUser(ctx(t), tenant, u.ID, func(x *store.User) error {
			x.Values["emails"] = vals(5000, "b")
			x.Addresses = make([]store.Address, 4000)
			for i := range x.Addresses {
				x.Addresses[i] = store.Address{Locality: fmt.Sprint("town", i)}
			}
			return nil
		}); err != nil {
			t.Fatalf("UpdateUser with 5,000 emails and 4,000 addresses: %v", err)
		}
		got := getUser(t, s, tenant, u.ID, store.LoadValues|store.LoadAddresses)
		if len(got.Values["emails"]) != 5000 || got.Values["emails"][4999].Value != "b4999@example.com" || len(got.Addresses) != 4000 {
			t.Errorf("stored %d emails, %d addresses", len(got.Values["emails"]), len(got.Addresses))
		}
	},
}
