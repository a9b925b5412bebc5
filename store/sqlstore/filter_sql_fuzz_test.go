package sqlstore

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// exprGen builds filter trees over a table from fuzz bytes: known columns,
// sets and operators, values taken from the fuzzed strings. In typed mode
// every comparison is one the mapping package could produce (values match
// the column type, no unknown names), so the SQL must also run; otherwise
// some nodes are wrong on purpose and the compiler must refuse them.
type exprGen struct {
	data   []byte
	values []string
	next   int
	typed  bool
}

func (g *exprGen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

func (g *exprGen) pick(n int) int { return int(g.byte()) % n }

func (g *exprGen) value() string {
	if len(g.values) == 0 {
		return ""
	}
	v := g.values[g.next%len(g.values)]
	g.next++
	return v
}

// colType is the store type of a column as the mapping package declares it.
func colType(col string) store.Type {
	switch col {
	case "active", "is_primary", "leader":
		return store.TypeBool
	case "created_at", "last_modified":
		return store.TypeTime
	}
	return store.TypeString
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var allOps = []store.Op{store.OpEq, store.OpNe, store.OpCo, store.OpSw, store.OpEw,
	store.OpGt, store.OpGe, store.OpLt, store.OpLe, store.OpPr}

func (g *exprGen) expr(t table, set string, depth int) store.Expr {
	k := g.pick(8)
	if depth >= 4 {
		k = 7
	}
	switch k {
	case 0:
		return store.And{Left: g.expr(t, set, depth+1), Right: g.expr(t, set, depth+1)}
	case 1:
		return store.Or{Left: g.expr(t, set, depth+1), Right: g.expr(t, set, depth+1)}
	case 2:
		return store.Not{X: g.expr(t, set, depth+1)}
	case 3, 4:
		if set != "" && g.typed {
			break
		}
		names := sortedKeys(t.sets)
		if !g.typed {
			names = append(names, "nope")
		}
		h := store.Has{Set: names[g.pick(len(names))]}
		if g.pick(3) > 0 {
			h.Where = g.expr(t, h.Set, depth+1)
		}
		return h
	}
	return g.compare(t, set)
}

func (g *exprGen) compare(t table, set string) store.Compare {
	cols := t.columns
	if cs, ok := t.sets[set]; ok {
		cols = cs.columns
	}
	names := sortedKeys(cols)
	if !g.typed {
		names = append(names, "password_hash", "nope")
	}
	col := names[g.pick(len(names))]
	f := store.Field{Set: set, Column: col, Type: colType(col), CaseExact: g.pick(2) == 0}
	ops := allOps
	if g.typed {
		switch f.Type {
		case store.TypeBool:
			ops = []store.Op{store.OpEq, store.OpNe, store.OpPr}
		case store.TypeTime:
			ops = []store.Op{store.OpEq, store.OpNe, store.OpGt, store.OpGe, store.OpLt, store.OpLe, store.OpPr}
		}
	} else {
		ops = append(ops, "zz")
	}
	c := store.Compare{Field: f, Op: ops[g.pick(len(ops))]}
	if c.Op == store.OpPr {
		return c
	}
	kind := f.Type
	if !g.typed && g.pick(4) == 0 {
		kind = store.Type(g.pick(6)) // maybe the wrong type, maybe an unknown one
	}
	switch kind {
	case store.TypeString:
		c.Value = g.value()
	case store.TypeBool:
		c.Value = g.pick(2) == 0
	case store.TypeTime:
		c.Value = time.Unix(int64(g.byte())*86400*30, int64(g.byte())*1000).UTC()
	case store.TypeInt:
		c.Value = int64(g.byte())
	case store.TypeDecimal:
		c.Value = float64(g.byte()) / 7
	default:
		c.Value = nil
		if g.pick(2) == 0 {
			c.Value = []byte(g.value())
		}
	}
	return c
}

// mapValues returns e with every string value replaced by fn(value).
func mapValues(e store.Expr, fn func(string) string) store.Expr {
	switch e := e.(type) {
	case store.And:
		return store.And{Left: mapValues(e.Left, fn), Right: mapValues(e.Right, fn)}
	case store.Or:
		return store.Or{Left: mapValues(e.Left, fn), Right: mapValues(e.Right, fn)}
	case store.Not:
		return store.Not{X: mapValues(e.X, fn)}
	case store.Has:
		if e.Where != nil {
			e.Where = mapValues(e.Where, fn)
		}
		return e
	case store.Compare:
		if s, ok := e.Value.(string); ok {
			e.Value = fn(s)
		}
		return e
	}
	return e
}

// wantArgs counts the parameters a compiled expression must have: one per
// comparison with a value, one per Has over a user value set (its attr).
func wantArgs(t table, e store.Expr) int {
	switch e := e.(type) {
	case store.And:
		return wantArgs(t, e.Left) + wantArgs(t, e.Right)
	case store.Or:
		return wantArgs(t, e.Left) + wantArgs(t, e.Right)
	case store.Not:
		return wantArgs(t, e.X)
	case store.Has:
		// The value attribute's name is a literal of the compiler's own
		// (it selects the partial index), not a parameter.
		n := 0
		if e.Where != nil {
			n += wantArgs(t, e.Where)
		}
		return n
	case store.Compare:
		if e.Op == store.OpPr || e.Value == nil {
			return 0
		}
		return 1
	}
	return 0
}

func isValueAttr(s string) bool {
	for _, a := range store.ValueAttrs {
		if a == s {
			return true
		}
	}
	return false
}

var placeholderRE = regexp.MustCompile(`\$([0-9]+)`)

// checkPlaceholders fails unless sql holds $1..$n, each exactly once.
func checkPlaceholders(t *testing.T, sql string, n int) {
	t.Helper()
	found := placeholderRE.FindAllStringSubmatch(sql, -1)
	if len(found) != n {
		t.Fatalf("%d placeholders for %d args in %s", len(found), n, sql)
	}
	seen := map[int]bool{}
	for _, m := range found {
		i, _ := strconv.Atoi(m[1])
		if i < 1 || i > n || seen[i] {
			t.Fatalf("placeholder $%d out of range or repeated (%d args) in %s", i, n, sql)
		}
		seen[i] = true
	}
}

func compile(d dialect, t table, e store.Expr) (string, []any, error) {
	b := &sqlBuilder{d: d}
	sql, err := b.expr(t, nil, e)
	return sql, b.args, err
}

func FuzzFilterSQL(f *testing.F) {
	for _, seed := range []struct {
		shape      []byte
		v1, v2, v3 string
	}{
		{[]byte{7, 0, 0}, "bjensen", "", "x"},
		{[]byte{0, 7, 2, 3, 7, 1, 1, 7, 9, 4}, `O'Brien`, `back\slash`, `"quoted"`},
		{[]byte{1, 7, 5, 2, 7, 7, 3, 0, 1, 7, 0, 4, 7, 2, 1}, "50%", "a_b", `\%\_`},
		{[]byte{3, 4, 1, 0, 7, 1, 0, 7, 2, 6}, "'; DROP TABLE users; --", "' OR '1'='1", "$1"},
		{[]byte{2, 0, 3, 2, 1, 7, 3, 8}, "SELECT * FROM users", "NULL", "u.id"},
		{[]byte{0, 0, 0, 0, 7, 255, 254, 253, 7, 128, 6, 5}, "\x00", "é\u212a", "%_%\\"},
		{[]byte{4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, "$$ lit $$", "--", "/* c */"},
		{[]byte{3, 13, 1, 2, 7, 9, 3, 0, 2}, "ESCAPE '\\'", "IS NULL", ")"},
	} {
		f.Add(seed.shape, seed.v1, seed.v2, seed.v3)
	}
	f.Fuzz(func(t *testing.T, shape []byte, v1, v2, v3 string) {
		values := []string{v1, v2, v3}
		for _, tbl := range []table{usersTable, groupsTable} {
			for _, typed := range []bool{false, true} {
				g := &exprGen{data: shape, values: values, typed: typed}
				e := g.expr(tbl, "", 0)
				sql, args, err := compile(pgDialect, tbl, e)
				if err != nil {
					if typed {
						t.Fatalf("typed filter refused: %v\n%#v", err, e)
					}
					continue
				}
				checkPlaceholders(t, sql, len(args))
				if want := wantArgs(tbl, e); len(args) != want {
					t.Fatalf("%d args, want %d, for %s", len(args), want, sql)
				}
				// The SQL text depends on the expression's shape only:
				// with other values it is the same, byte for byte.
				neutral, nargs, err := compile(pgDialect, tbl, mapValues(e, func(string) string { return "v" }))
				if err != nil || neutral != sql || len(nargs) != len(args) {
					t.Fatalf("SQL depends on the values:\n%s\n%s (%v)", sql, neutral, err)
				}
				// No value text reaches the SQL: values wrapped in a byte
				// the SQL vocabulary never has leave no trace of it.
				marked, _, err := compile(pgDialect, tbl, mapValues(e, func(s string) string { return "\x01" + s + "\x01" }))
				if err != nil || strings.ContainsRune(marked, 1) {
					t.Fatalf("value text in SQL: %q (%v)", marked, err)
				}
				// The other dialect compiles the same text but for its
				// case-folding function (and, on SQLite, the IN form of
				// filters on user values, whose results the end-to-end
				// fuzz test compares).
				noIn := sqliteDialect
				noIn.childIn = false
				lite, _, err := compile(noIn, tbl, e)
				if err != nil || strings.ReplaceAll(lite, sqliteDialect.lower+"(", pgDialect.lower+"(") != sql {
					t.Fatalf("dialects differ:\n%s\n%s (%v)", sql, lite, err)
				}
				// A sort key compiles too, numbering on after the filter.
				b := &sqlBuilder{d: pgDialect, args: args}
				set := ""
				if sets := sortedKeys(tbl.sets); g.pick(2) == 0 {
					set = sets[g.pick(len(sets))]
				}
				col := g.compare(tbl, set).Field
				if key, err := b.sortExpr(tbl, col); err == nil {
					checkPlaceholders(t, sql+" "+key, len(b.args))
				}
			}
		}
	})
}

// TestFilterSQLShapes pins the SQL of a few expressions.
func TestFilterSQLShapes(t *testing.T) {
	title := store.Field{Column: "title"}
	for _, tc := range []struct {
		e    store.Expr
		sql  string
		args []any
	}{
		{store.Compare{Field: title, Op: store.OpCo, Value: `50%_\`}, `lower(u.title) LIKE $1 ESCAPE '\'`, []any{`%50\%\_\\%`}},
		{store.Compare{Field: store.Field{Column: "external_id", CaseExact: true}, Op: store.OpEq, Value: "X'"}, `u.external_id = $1`, []any{"X'"}},
		{store.Compare{Field: store.Field{Column: "user_name"}, Op: store.OpSw, Value: "AB"}, `u.user_name_ci LIKE $1 ESCAPE '\'`, []any{"ab%"}},
		{store.Not{X: store.Compare{Field: title, Op: store.OpEq, Value: "x"}}, `(lower(u.title) = $1) IS NOT TRUE`, []any{"x"}},
		{store.Has{Set: "emails"}, `EXISTS (SELECT 1 FROM user_values c WHERE c.user_id = u.id AND c.attr = 'emails')`, nil},
	} {
		sql, args, err := compile(pgDialect, usersTable, tc.e)
		if err != nil || sql != tc.sql || len(args) != len(tc.args) {
			t.Errorf("%#v:\n got %s %q (%v)\nwant %s %q", tc.e, sql, args, err, tc.sql, tc.args)
			continue
		}
		for i := range args {
			if args[i] != tc.args[i] {
				t.Errorf("%#v: arg %d = %#v, want %#v", tc.e, i, args[i], tc.args[i])
			}
		}
	}
}
