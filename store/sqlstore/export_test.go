package sqlstore

import "github.com/scimd/scimd/store"

// Hooks for the external tests of this package (package sqlstore_test).

// CompileFilter compiles e as ListUsers ("users") or ListGroups ("groups")
// would for this store's dialect; the SQL refers to the table as u or g.
func CompileFilter(s *Store, resource string, e store.Expr) (string, []any, error) {
	t := usersTable
	if resource == "groups" {
		t = groupsTable
	}
	return compile(s.d, t, e)
}

// RandomFilter builds a type-correct filter over resource from shape bytes
// and values, as the fuzz target does.
func RandomFilter(resource string, shape []byte, values []string) store.Expr {
	t := usersTable
	if resource == "groups" {
		t = groupsTable
	}
	g := &exprGen{data: shape, values: values, typed: true}
	return g.expr(t, "", 0)
}
