package sqlstore

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/scimd/scimd/store"
)

// tenantGone turns a foreign key violation on inserting a tenant's row
// into store.ErrTenantGone: the tenant was deleted after the request was
// authenticated (its token may still sit in a server's cache). It is used
// only around the INSERT of a resource row, whose one foreign key is its
// tenant.
func tenantGone(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" && strings.HasSuffix(pgErr.ConstraintName, "_tenant_id_fkey") {
		return store.ErrTenantGone
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) && sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return store.ErrTenantGone
	}
	return err
}
