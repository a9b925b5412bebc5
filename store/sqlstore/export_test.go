package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/scimd/scimd/store"
)

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

// ScanKinds names the destinations ScanBothWays scans columns into.
var ScanKinds = []string{"nullStr", "string", "nullBool", "time", "timePtr", "json", "any", "int64"}

// ScanBothWays runs a query through queryEach (decoding raw values on
// PostgreSQL) and through database/sql, scanning column i into a
// destination of kinds[i], and returns what each way read, row by row, as
// printable values (or the error).
func ScanBothWays(ctx context.Context, s *Store, query string, args []any, kinds []string) (native, viaSQL []string, errNative, errSQL error) {
	run := func(each func(context.Context, querier, string, []any, func(scanRow) error) error) ([]string, error) {
		var out []string
		err := each(ctx, s.db.DB, query, args, func(row scanRow) error {
			var (
				ns    = make([]string, len(kinds))
				b     = make([]*bool, len(kinds))
				t     = make([]time.Time, len(kinds))
				tp    = make([]*time.Time, len(kinds))
				js    = make([][][]cell, len(kinds))
				a     = make([]any, len(kinds))
				i64   = make([]int64, len(kinds))
				dests = make([]any, len(kinds))
			)
			for i, k := range kinds {
				switch k {
				case "nullStr":
					dests[i] = nullStr{&ns[i]}
				case "string":
					dests[i] = &ns[i]
				case "nullBool":
					dests[i] = nullBool{&b[i]}
				case "time":
					dests[i] = timeScan{&t[i]}
				case "timePtr":
					dests[i] = timePtrScan{&tp[i]}
				case "json":
					dests[i] = jsonRows{&js[i]}
				case "any":
					dests[i] = &a[i]
				case "int64":
					dests[i] = &i64[i]
				}
			}
			if err := row.Scan(dests...); err != nil {
				return err
			}
			line := ""
			for i, k := range kinds {
				var v any
				switch k {
				case "nullStr", "string":
					v = ns[i]
				case "nullBool":
					v = b[i]
					if b[i] != nil {
						v = *b[i]
					}
				case "time":
					v = t[i].Format(time.RFC3339Nano) + " " + t[i].Location().String()
				case "timePtr":
					v = tp[i]
					if tp[i] != nil {
						v = tp[i].Format(time.RFC3339Nano) + " " + tp[i].Location().String()
					}
				case "json":
					v = js[i]
					if js[i] == nil {
						v = "nil rows"
					}
				case "any":
					v = a[i]
				case "int64":
					v = i64[i]
				}
				line += fmt.Sprintf("%s=%#v; ", k, v)
			}
			out = append(out, line)
			return nil
		})
		return out, err
	}
	native, errNative = run(s.queryEach)
	viaSQL, errSQL = run(func(ctx context.Context, q querier, query string, args []any, each func(scanRow) error) error {
		return sqlQueryEach(ctx, q, query, args, each)
	})
	return native, viaSQL, errNative, errSQL
}

// GroupsByClosure reads a user's groups with the recursive per-user query
// (userGroupsClosure), the form PostgreSQL reads only for users in nested
// groups (loadGroupClosures).
func GroupsByClosure(ctx context.Context, s *Store, userID string) ([]store.GroupRef, error) {
	var rows [][]cell
	err := s.db.DB.QueryRowContext(ctx, `SELECT `+s.userGroupsClosure()[2:]+` FROM users u WHERE u.id = $1`, userID).Scan(jsonRows{&rows})
	u := &store.User{}
	fillGroups(u, rows)
	return u.Groups, err
}
