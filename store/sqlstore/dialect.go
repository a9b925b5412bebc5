package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/scimd/scimd/store"
)

// dialect holds what differs between PostgreSQL and SQLite. Both accept $N
// placeholders, lower(), LIKE ... ESCAPE, NULLS FIRST/LAST, partial indexes,
// ON CONFLICT DO NOTHING and WITH RECURSIVE, so the SQL is otherwise shared.
type dialect struct {
	name string
	// forUpdate locks the selected row in a transaction. SQLite needs no row
	// lock: its write transactions start with BEGIN IMMEDIATE.
	forUpdate string
	// jsonArray and jsonAgg build and aggregate JSON arrays.
	jsonArray, jsonAgg string
	// lower is the SQL function folding case like fold does. SQLite's own
	// lower() folds ASCII only, so there it is a function of ours.
	lower string
	// timeArg converts a time to the column's representation:
	// timestamptz on PostgreSQL, microseconds since 1970 on SQLite.
	timeArg func(time.Time) any
	// uniqueField returns the SCIM attribute behind a unique violation.
	uniqueField func(error) (string, bool)
	// childIn compiles a filter on user values as "u.id IN (SELECT ...)"
	// rather than a correlated EXISTS (see childSet.uncorrelated).
	childIn bool
}

var pgDialect = dialect{
	name:        "postgres",
	forUpdate:   " FOR UPDATE",
	jsonArray:   "json_build_array",
	jsonAgg:     "json_agg",
	lower:       "lower",
	timeArg:     func(t time.Time) any { return t.UTC() },
	uniqueField: pgUniqueField,
}

var sqliteDialect = dialect{
	name:        "sqlite",
	jsonArray:   "json_array",
	jsonAgg:     "json_group_array",
	lower:       "scimd_lower",
	timeArg:     func(t time.Time) any { return t.UnixMicro() },
	uniqueField: sqliteUniqueField,
	childIn:     true,
}

func init() {
	// scimd_lower is fold in SQL, for SQLite, whose lower() leaves
	// non-ASCII letters alone (É would not match é).
	sqlite.MustRegisterDeterministicScalarFunction("scimd_lower", 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch v := args[0].(type) {
			case string:
				return fold(v), nil
			case []byte:
				return fold(string(v)), nil
			}
			return args[0], nil
		})
}

// constraintFields names the SCIM attribute each unique index protects.
var constraintFields = map[string]string{
	"users_user_name_uq":     "userName",
	"users_external_id_uq":   "externalId",
	"groups_display_name_uq": "displayName",
	"groups_external_id_uq":  "externalId",
	"tenants_name_key":       "name",
}

func pgUniqueField(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return "", false
	}
	if f, ok := constraintFields[pgErr.ConstraintName]; ok {
		return f, true
	}
	return pgErr.ConstraintName, true
}

// sqliteColumns maps the column lists SQLite names in "UNIQUE constraint
// failed: ..." to SCIM attributes.
var sqliteColumns = map[string]string{
	"users.tenant_id, users.user_name_ci":      "userName",
	"users.tenant_id, users.external_id":       "externalId",
	"groups.tenant_id, groups.display_name_ci": "displayName",
	"groups.tenant_id, groups.external_id":     "externalId",
	"tenants.name":                             "name",
}

func sqliteUniqueField(err error) (string, bool) {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return "", false
	}
	if e.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE && e.Code() != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return "", false
	}
	// The driver wraps SQLite's message: "constraint failed: UNIQUE
	// constraint failed: users.tenant_id, users.user_name_ci (2067)", so the
	// column list follows the last "constraint failed: ".
	msg := e.Error()
	if i := strings.LastIndex(msg, "constraint failed: "); i >= 0 {
		cols := strings.TrimSpace(msg[i+len("constraint failed: "):])
		for k, f := range sqliteColumns {
			if strings.HasPrefix(cols, k) {
				return f, true
			}
		}
	}
	return "id", true
}

// translate turns a database error into one of the store's kinds: unique
// violations into ConflictError, an unreachable or overloaded database into
// ErrUnavailable. Anything else is returned as it is (an internal error).
func (d dialect) translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrPrecondition) ||
		errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrConflict) ||
		errors.Is(err, store.ErrUnavailable) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if f, ok := d.uniqueField(err); ok {
		return &store.ConflictError{Field: f}
	}
	// A connection that fails while serving is the database not serving
	// now, whatever the cause: even a database dropped or a password
	// changed under a running server is the operator's to mend, and the
	// client's answer is 503, not 500. (At start, Open tells permanent
	// causes apart and ends the server.)
	var connErr *pgconn.ConnectError
	if unavailable(err) || errors.As(err, &connErr) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// unavailable reports errors that mean "the database cannot serve now"
// rather than "this request is wrong". A failed connection is unavailable
// only for a cause that waiting may cure (refused, timed out, dropped,
// the server starting or full), never for a permanent one (see
// permanent): a database that does not exist is not coming back.
func unavailable(err error) bool {
	if permanent(err) {
		return false
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 53: insufficient resources;
		// 57P: operator intervention (shutdown); 40001/40P01: serialization.
		c := pgErr.Code
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "53") || strings.HasPrefix(c, "57P") ||
			c == "40001" || c == "40P01"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL:
			return true
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "conn closed") ||
		strings.Contains(msg, "broken pipe")
}

// timeScan scans a timestamp from either dialect's representation.
type timeScan struct{ t *time.Time }

func (s timeScan) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*s.t = v.UTC()
	case int64:
		*s.t = time.UnixMicro(v).UTC()
	case nil:
		*s.t = time.Time{}
	default:
		return fmt.Errorf("cannot scan %T into a time", src)
	}
	return nil
}

// timePtrScan scans a nullable timestamp.
type timePtrScan struct{ t **time.Time }

func (s timePtrScan) Scan(src any) error {
	if src == nil {
		*s.t = nil
		return nil
	}
	var t time.Time
	if err := (timeScan{&t}).Scan(src); err != nil {
		return err
	}
	*s.t = &t
	return nil
}
