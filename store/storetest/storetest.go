// Package storetest is the behaviour suite every store.Store backend must
// pass. A backend's test calls Run with a function that opens a fresh, empty
// (migrated) store; every subtest opens its own, so subtests run in parallel
// and never see each other's rows.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// Run runs the whole suite against the stores open returns. open must
// return a fresh, empty, migrated store and arrange its cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests map[string]func(t *testing.T, s store.Store)
	}{
		{"Tenants", tenantTests},
		{"Tokens", tokenTests},
		{"Users", userTests},
		{"UpdateUser", updateUserTests},
		{"UpdateUserOutsideLock", updateOutsideLockTests},
		{"DeleteUser", deleteUserTests},
		{"Groups", groupTests},
		{"Members", memberTests},
		{"EditMembers", editMembersTests},
		{"Nesting", nestingTests},
		{"Concurrency", concurrencyTests},
		{"Race", raceTests},
		{"Filter", filterTests},
		{"Sort", sortTests},
		{"Paging", pagingTests},
		{"Grants", grantTests},
		{"Nodes", nodeTests},
		{"Roles", roleTests},
		{"AgentIDs", agentTests},
		{"Teams", teamTests},
		{"Voice", voiceTests},
		{"Invitations", invitationTests},
		{"Audit", auditTests},
		{"Mails", mailTests},
		{"Imports", importTests},
		{"DomainLoad", domainLoadTests},
		{"AccountDelete", accountDeleteTests},
		{"AccountRace", accountRaceTests},
		{"Events", eventTests},
		{"Webhooks", webhookTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			names := make([]string, 0, len(g.tests))
			for name := range g.tests {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				test := g.tests[name]
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					test(t, open(t))
				})
			}
		})
	}
}

// ctx returns a context that ends with the test, with a generous deadline so
// that a hung database fails the test instead of the whole run.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

var tenantSeq atomic.Int64

// newTenant creates a tenant with a unique name.
func newTenant(t *testing.T, s store.Store) string {
	t.Helper()
	tn, err := s.CreateTenant(ctx(t), fmt.Sprintf("tenant-%d", tenantSeq.Add(1)))
	if err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	return tn.ID
}

// mkUser creates a user with the given userName and options.
func mkUser(t *testing.T, s store.Store, tenant, userName string, opts ...func(u *store.User)) *store.User {
	t.Helper()
	u := &store.User{TenantID: tenant, UserName: userName}
	for _, o := range opts {
		o(u)
	}
	if err := s.CreateUser(ctx(t), u); err != nil {
		t.Fatalf("CreateUser %q: %v", userName, err)
	}
	return u
}

// mkGroup creates a group with the given members.
func mkGroup(t *testing.T, s store.Store, tenant, name string, memberIDs ...string) *store.Group {
	t.Helper()
	g := &store.Group{TenantID: tenant, DisplayName: name}
	for _, id := range memberIDs {
		g.Members = append(g.Members, store.Member{ID: id})
	}
	if err := s.CreateGroup(ctx(t), g); err != nil {
		t.Fatalf("CreateGroup %q: %v", name, err)
	}
	return g
}

// mkUsers creates n users named user00, user01, ... and returns their ids.
func mkUsers(t *testing.T, s store.Store, tenant string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = mkUser(t, s, tenant, fmt.Sprintf("user%02d", i)).ID
	}
	return ids
}

func getUser(t *testing.T, s store.Store, tenant, id string, load store.Load) *store.User {
	t.Helper()
	u, err := s.GetUser(ctx(t), tenant, id, load)
	if err != nil {
		t.Fatalf("GetUser %s: %v", id, err)
	}
	return u
}

func getGroup(t *testing.T, s store.Store, tenant, id string, load store.Load) *store.Group {
	t.Helper()
	g, err := s.GetGroup(ctx(t), tenant, id, load)
	if err != nil {
		t.Fatalf("GetGroup %s: %v", id, err)
	}
	return g
}

// updateGroup runs an UpdateGroup that must succeed.
func updateGroup(t *testing.T, s store.Store, tenant, id string, fn func(g *store.Group, m store.Members) error) *store.Group {
	t.Helper()
	g, err := s.UpdateGroup(ctx(t), tenant, id, fn)
	if err != nil {
		t.Fatalf("UpdateGroup %s: %v", id, err)
	}
	return g
}

// memberIDs returns the sorted ids of a group's members as loaded now.
func memberIDs(t *testing.T, s store.Store, tenant, id string) []string {
	t.Helper()
	g := getGroup(t, s, tenant, id, store.LoadMembers)
	var ids []string
	for _, m := range g.Members {
		ids = append(ids, m.ID)
	}
	sort.Strings(ids)
	return ids
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func sameStrings(a, b []string) bool {
	return slices.Equal(sorted(a...), sorted(b...))
}

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// wantConflict fails unless err is a *store.ConflictError naming field.
func wantConflict(t *testing.T, what string, err error, field string) {
	t.Helper()
	var ce *store.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("%s: got error %v (%T), want *store.ConflictError{%q}", what, err, err, field)
	}
	if ce.Field != field {
		t.Fatalf("%s: conflict on %q, want %q", what, ce.Field, field)
	}
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("%s: errors.Is(err, ErrConflict) is false for %v", what, err)
	}
}

func ptr[T any](v T) *T { return &v }

// Fields as the mapping package builds them.
func strField(col string) store.Field { return store.Field{Column: col} }
func exactField(col string) store.Field {
	return store.Field{Column: col, CaseExact: true}
}
func boolField(col string) store.Field { return store.Field{Column: col, Type: store.TypeBool} }
func timeField(col string) store.Field { return store.Field{Column: col, Type: store.TypeTime} }
func setField(set, col string) store.Field {
	return store.Field{Set: set, Column: col}
}

func cmp(f store.Field, op store.Op, v any) store.Compare {
	return store.Compare{Field: f, Op: op, Value: v}
}

// userNames returns the userNames of users, in order.
func userNames(users []*store.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.UserName
	}
	return out
}

// listAllUsers lists every user of a tenant matching q's filter and sort in
// one page.
func listAllUsers(t *testing.T, s store.Store, tenant string, q store.Query) []*store.User {
	t.Helper()
	q.Limit, q.Offset, q.Keyset, q.After = 10000, 0, false, nil
	p, err := s.ListUsers(ctx(t), tenant, q)
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	return p.Items
}

func describe(e store.Expr) string {
	switch e := e.(type) {
	case nil:
		return "<all>"
	case store.Compare:
		f := e.Field.Column
		if e.Field.Set != "" {
			f = e.Field.Set + "." + f
		}
		if e.Op == store.OpPr {
			return f + " pr"
		}
		return fmt.Sprintf("%s %s %#v", f, e.Op, e.Value)
	case store.And:
		return "(" + describe(e.Left) + " and " + describe(e.Right) + ")"
	case store.Or:
		return "(" + describe(e.Left) + " or " + describe(e.Right) + ")"
	case store.Not:
		return "not(" + describe(e.X) + ")"
	case store.Has:
		if e.Where == nil {
			return e.Set + " pr"
		}
		return e.Set + "[" + describe(e.Where) + "]"
	}
	return fmt.Sprintf("%#v", e)
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, " ") + "]"
}
