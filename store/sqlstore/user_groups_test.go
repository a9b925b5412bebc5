package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// TestUserGroupsMatchClosure holds the user reads' groups (on PostgreSQL:
// the direct ones, and the recursive query only for users in nested
// groups) to the recursive query per user: the same groups, direct or not,
// in the same order, through GetUser and pages of ListUsers, on random
// nestings (chains, diamonds, users in several groups, tied names).
func TestUserGroupsMatchClosure(t *testing.T) {
	ctx := context.Background()
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := sqltest.Open(t, backend)
			tn, err := s.CreateTenant(ctx, "groups")
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(9, 10))
			var users []string
			for i := range 30 {
				u := &store.User{TenantID: tn.ID, UserName: fmt.Sprintf("user%02d", i)}
				if err := s.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				users = append(users, u.ID)
			}
			names := []string{"Alpha", "beta", "Beta", "gamma", "Zoë", "名前", "alpha", "a", "", " "}
			var groups []string
			for i := range 25 {
				g := &store.Group{TenantID: tn.ID, DisplayName: fmt.Sprint(names[r.IntN(len(names))], 25-i)}
				for _, u := range users {
					if r.IntN(8) == 0 {
						g.Members = append(g.Members, store.Member{ID: u})
					}
				}
				// Members among the groups made before: a DAG, so no cycle.
				for _, child := range groups {
					if i > 5 && r.IntN(6) == 0 {
						g.Members = append(g.Members, store.Member{ID: child})
					}
				}
				if err := s.CreateGroup(ctx, g); err != nil {
					t.Fatal(err)
				}
				groups = append(groups, g.ID)
			}
			nested := 0
			for _, id := range users {
				want, err := sqlstore.GroupsByClosure(ctx, s, id)
				if err != nil {
					t.Fatal(err)
				}
				for _, g := range want {
					if !g.Direct {
						nested++
					}
				}
				got, err := s.GetUser(ctx, tn.ID, id, store.LoadGroups|store.LoadValues)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got.Groups, want) {
					t.Errorf("GetUser %s groups\n got %+v\nwant %+v", id, got.Groups, want)
				}
				page, err := s.ListUsers(ctx, tn.ID, store.Query{Limit: 10, Load: store.LoadGroups,
					Filter: store.Compare{Field: store.Field{Column: "id", CaseExact: true}, Op: store.OpEq, Value: id}})
				if err != nil || len(page.Items) != 1 {
					t.Fatalf("ListUsers id eq: %v, %v", page, err)
				}
				if !reflect.DeepEqual(page.Items[0].Groups, want) {
					t.Errorf("ListUsers %s groups\n got %+v\nwant %+v", id, page.Items[0].Groups, want)
				}
			}
			if nested == 0 {
				t.Fatal("no user is in a nested group: the test tests nothing")
			}
			// Whole pages, where some users need the closure and some not.
			for offset := 0; offset < len(users); offset += 7 {
				page, err := s.ListUsers(ctx, tn.ID, store.Query{Offset: offset, Limit: 7, Load: store.LoadAll})
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range page.Items {
					want, _ := sqlstore.GroupsByClosure(ctx, s, u.ID)
					if !reflect.DeepEqual(u.Groups, want) {
						t.Errorf("page at %d, %s groups\n got %+v\nwant %+v", offset, u.UserName, u.Groups, want)
					}
				}
			}
		})
	}
}
