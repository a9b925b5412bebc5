package sqlstore_test

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// TestFilterSQLRuns runs compiled filters directly on both databases: a few
// with known answers, then many random type-correct ones that must at least
// be valid SQL in both dialects.
func TestFilterSQLRuns(t *testing.T) {
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := sqltest.Open(t, backend)
			tn, err := s.CreateTenant(ctx, "t")
			if err != nil {
				t.Fatal(err)
			}
			users := map[string]*store.User{}
			for _, u := range []*store.User{
				{UserName: "Percent", Title: "50% off", Active: ptr(true),
					Values: map[string][]store.Value{"emails": {{Value: "p@example.com", Type: "work"}}}},
				{UserName: "quote", Title: "500", DisplayName: `it's "x"`, Active: ptr(false)},
				{UserName: "slash", Title: `a\b`, Values: map[string][]store.Value{"emails": {{Value: "S@X", Type: "home"}}}},
			} {
				u.TenantID = tn.ID
				if err := s.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				users[u.UserName] = u
			}
			g := &store.Group{TenantID: tn.ID, DisplayName: "G", Members: []store.Member{{ID: users["quote"].ID}}}
			if err := s.CreateGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
			title := store.Field{Column: "title"}
			for _, tc := range []struct {
				resource string
				e        store.Expr
				want     []string
			}{
				{"users", store.Compare{Field: title, Op: store.OpCo, Value: "50%"}, []string{"Percent"}},
				{"users", store.Compare{Field: title, Op: store.OpEq, Value: `A\B`}, []string{"slash"}},
				{"users", store.Compare{Field: store.Field{Column: "display_name"}, Op: store.OpEq, Value: `IT'S "X"`}, []string{"quote"}},
				{"users", store.Compare{Field: store.Field{Column: "active", Type: store.TypeBool}, Op: store.OpNe, Value: true}, []string{"quote", "slash"}},
				{"users", store.Not{X: store.Compare{Field: title, Op: store.OpSw, Value: "5"}}, []string{"slash"}},
				{"users", store.Has{Set: "emails", Where: store.Compare{Field: store.Field{Set: "emails", Column: "value"}, Op: store.OpEq, Value: "s@x"}}, []string{"slash"}},
				{"users", store.Or{Left: store.Has{Set: "groups"}, Right: store.Compare{Field: store.Field{Column: "created_at", Type: store.TypeTime}, Op: store.OpLe, Value: users["Percent"].Meta.Created}}, []string{"Percent", "quote"}},
				{"groups", store.Has{Set: "members", Where: store.Compare{Field: store.Field{Set: "members", Column: "value", CaseExact: true}, Op: store.OpEq, Value: users["quote"].ID}}, []string{"G"}},
			} {
				got := runFilter(t, s, tc.resource, tn.ID, tc.e)
				if !slices.Equal(got, tc.want) {
					t.Errorf("%#v = %v, want %v", tc.e, got, tc.want)
				}
			}
			values := []string{"50%", `a\b`, "it's", "s@x", "G", "", `"x"`, "_", "Percent"}
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range 300 {
				shape := make([]byte, 40)
				for j := range shape {
					shape[j] = byte(rng.IntN(256))
				}
				resource := []string{"users", "groups"}[i%2]
				runFilter(t, s, resource, tn.ID, sqlstore.RandomFilter(resource, shape, values))
			}
		})
	}
}

// runFilter compiles e and runs it over the tenant's rows, returning the
// sorted userNames or displayNames that match.
func runFilter(t *testing.T, s *sqlstore.Store, resource, tenantID string, e store.Expr) []string {
	t.Helper()
	where, args, err := sqlstore.CompileFilter(s, resource, e)
	if err != nil {
		t.Fatalf("compile %#v: %v", e, err)
	}
	query := `SELECT u.user_name FROM users u WHERE (` + where + `) AND u.tenant_id = $` + strconv.Itoa(len(args)+1)
	if resource == "groups" {
		query = `SELECT g.display_name FROM groups g WHERE (` + where + `) AND g.tenant_id = $` + strconv.Itoa(len(args)+1)
	}
	rows, err := s.DB().DB.QueryContext(t.Context(), query, append(args, tenantID)...)
	if err != nil {
		t.Fatalf("run %s\nargs %q\nfilter %#v: %v", query, args, e, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("run %s: %v", query, err)
	}
	slices.Sort(out)
	return out
}

func ptr[T any](v T) *T { return &v }
