package sqlstore

// Small helpers shared by the account domain's files (grants.go, nodes.go,
// teams.go, ...): running a query into a slice, existence checks confined
// to a tenant, and telling which unique index a write violated.

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/scimd/scimd/store"
)

// scanRow is what *sql.Row and *sql.Rows have in common.
type scanRow interface{ Scan(...any) error }

// collect runs a query and scans each row with scan.
func collect[T any](ctx context.Context, q querier, scan func(scanRow) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// collectOne runs a query for one row: ErrNotFound if there is none.
func collectOne[T any](ctx context.Context, q querier, scan func(scanRow) (T, error), query string, args ...any) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, store.ErrNotFound
	}
	return v, err
}

// scanString scans a one-column row of text (NULL is "").
func scanString(row scanRow) (string, error) {
	var s string
	err := row.Scan(nullStr{&s})
	return s, err
}

// changedOne turns the result of an UPDATE or DELETE of one addressed row
// into ErrNotFound when it touched none.
func changedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	ok, err := affected(res)
	if err == nil && !ok {
		err = store.ErrNotFound
	}
	return err
}

// Tables whose rows belong to a tenant by their tenant_id and are addressed
// by id; exists only accepts these.
const (
	tblUsers     = "users"
	tblGroups    = "groups"
	tblNodes     = "nodes"
	tblTeams     = "teams"
	tblLocations = "locations"
)

// exists reports whether the tenant has a row with this id in table (one
// of the tbl constants). A row of another tenant does not exist.
func exists(ctx context.Context, q querier, table, tenantID, id string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// mustExist is exists returning ErrNotFound for a missing row.
func mustExist(ctx context.Context, q querier, table, tenantID, id string) error {
	ok, err := exists(ctx, q, table, tenantID, id)
	if err == nil && !ok {
		err = store.ErrNotFound
	}
	return err
}

// violates reports whether err is a unique violation of one index: named
// pgName on PostgreSQL, reported by SQLite by its columns, sqliteCols
// ("nodes.parent_id, nodes.name_ci").
func violates(err error, pgName, sqliteCols string) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505" && pgErr.ConstraintName == pgName
	}
	var e *sqlite.Error
	if errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		// "... UNIQUE constraint failed: nodes.parent_id, nodes.name_ci (2067)"
		msg := e.Error()
		if i := strings.LastIndex(msg, "constraint failed: "); i >= 0 {
			cols := strings.TrimSpace(msg[i+len("constraint failed: "):])
			if j := strings.LastIndex(cols, " ("); j >= 0 {
				cols = cols[:j]
			}
			return cols == sqliteCols
		}
	}
	return false
}

// byChunks calls fn with the ids in chunks of at most maxIDsPerStatement,
// so that IN lists stay far below both drivers' parameter limits.
func byChunks(ids []string, fn func(chunk []string) error) error {
	for len(ids) > 0 {
		n := min(len(ids), maxIDsPerStatement)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// anyArgs returns ids as query arguments after the given leading ones.
func anyArgs(lead []any, ids []string) []any {
	args := make([]any, 0, len(lead)+len(ids))
	args = append(args, lead...)
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}

// translateInTx translates the error of a write inside a transaction, so
// that the caller can tell its kind before the transaction ends. A
// deadlock or serialization failure is left as it is: inTx must still
// recognise it to run the transaction again, and translate would wrap it
// in ErrUnavailable as text.
func (t *wtx) translateInTx(err error) error {
	if retryable(err) {
		return err
	}
	return t.translate(err)
}
