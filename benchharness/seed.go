package benchharness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/scimd/scimd/store/sqlstore"
)

// tenantData is what the seed made: a tenant of n users (user{i}@example.com,
// external id ext-{i}, email u{i}@mail.example.com, i = 1..n) plus pool
// users (i = n+1..n+pool, in no group) for member adds, a group holding
// users 1..m and a group holding user 1.
type tenantData struct {
	tenantID   string
	idPrefix   string
	n, pool, m int
	bigGroup   string
	smallGroup string
	base       time.Time
}

// userID is the id of user i: the tenant's random prefix and the number,
// so that the harness needs no table of a million ids.
func (d *tenantData) userID(i int) string { return fmt.Sprintf("%s-%012d", d.idPrefix, i) }

func userName(i int) string { return fmt.Sprintf("user%d@example.com", i) }

// seedRow is the columns of one seeded user, in seedColumns order.
var seedColumns = []string{"id", "tenant_id", "user_name", "user_name_ci", "external_id", "name_given_name",
	"name_family_name", "display_name", "active", "state", "source", "created_at", "last_modified", "version"}

func (d *tenantData) userRow(i int, timeArg func(time.Time) any) []any {
	un := userName(i)
	t := timeArg(d.base.Add(time.Duration(i) * time.Microsecond))
	return []any{d.userID(i), d.tenantID, un, un, fmt.Sprintf("ext-%d", i), fmt.Sprintf("Given%d", i),
		fmt.Sprintf("Family%d", i), fmt.Sprintf("User %d", i), true, "active", "scim", t, t, int64(1)}
}

var valueColumns = []string{"user_id", "attr", "ord", "value", "type", "is_primary"}

func (d *tenantData) valueRow(i int) []any {
	return []any{d.userID(i), "emails", 0, fmt.Sprintf("u%d@mail.example.com", i), "work", true}
}

func newTenantData(tenantID string, n, pool, m int) *tenantData {
	return &tenantData{tenantID: tenantID, idPrefix: uuid.NewString()[:23], n: n, pool: pool, m: min(m, n),
		base: time.Now().UTC().Truncate(time.Second).Add(-time.Hour)}
}

// seedPostgres loads the tenant with COPY through pgx and analyzes each
// table it filled before the next (whose foreign key checks are planned
// with those statistics), so that the planner knows their new size.
// staleMembers leaves group_members unanalyzed, as after any bulk load.
func seedPostgres(ctx context.Context, pool *pgxpool.Pool, d *tenantData, staleMembers bool) error {
	analyze := func(table string) error {
		_, err := pool.Exec(ctx, `ANALYZE `+table)
		return err
	}
	total := d.n + d.pool
	pgTime := func(t time.Time) any { return t }
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"users"}, seedColumns, pgx.CopyFromFunc(counter(total, func(i int) []any {
		return d.userRow(i+1, pgTime)
	}))); err != nil {
		return fmt.Errorf("copy users: %w", err)
	}
	if err := analyze("users"); err != nil {
		return err
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"user_values"}, valueColumns, pgx.CopyFromFunc(counter(total, func(i int) []any {
		return d.valueRow(i + 1)
	}))); err != nil {
		return fmt.Errorf("copy user_values: %w", err)
	}
	if err := analyze("user_values"); err != nil {
		return err
	}
	if err := seedGroups(ctx, func(q string, args ...any) error { _, err := pool.Exec(ctx, q, args...); return err }, d, d.base); err != nil {
		return err
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"group_members"}, []string{"group_id", "member_user_id"},
		pgx.CopyFromFunc(counter(d.m+1, func(i int) []any {
			if i == d.m {
				return []any{d.smallGroup, d.userID(1)}
			}
			return []any{d.bigGroup, d.userID(i + 1)}
		}))); err != nil {
		return fmt.Errorf("copy group_members: %w", err)
	}
	// VACUUM too: on a server with autovacuum off (as on the test
	// machines) the dead rows of earlier runs' tenants would otherwise
	// slow every index scan of this one.
	if _, err := pool.Exec(ctx, `VACUUM users, user_values, groups`); err != nil {
		return err
	}
	if staleMembers {
		_, err := pool.Exec(ctx, `VACUUM group_members`)
		return err
	}
	return analyze("groups, group_members")
}

// counter adapts a row function to pgx.CopyFromFunc.
func counter(n int, row func(i int) []any) func() ([]any, error) {
	i := 0
	return func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		r := row(i)
		i++
		return r, nil
	}
}

func seedGroups(ctx context.Context, exec func(q string, args ...any) error, d *tenantData, now any) error {
	d.bigGroup, d.smallGroup = uuid.NewString(), uuid.NewString()
	for _, g := range []struct{ id, name string }{{d.bigGroup, fmt.Sprintf("Everyone %d", d.m)}, {d.smallGroup, "One member"}} {
		if err := exec(`INSERT INTO groups (id, tenant_id, display_name, display_name_ci, created_at, last_modified, version)
			VALUES ($1, $2, $3, $4, $5, $5, 1)`, g.id, d.tenantID, g.name, strings.ToLower(g.name), now); err != nil {
			return fmt.Errorf("insert group: %w", err)
		}
	}
	return nil
}

// seedSQLite loads the tenant with multi-row INSERTs, 10,000 rows a
// transaction (SQLite has no COPY; one writer, so batches are what counts).
func seedSQLite(ctx context.Context, st *sqlstore.Store, d *tenantData) error {
	db := st.DB().DB
	micros := func(t time.Time) any { return t.UnixMicro() }
	load := func(table string, cols []string, n int, row func(i int) []any) error {
		const perStmt, perTx = 500, 10_000
		for from := 0; from < n; from += perTx {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			for s := from; s < min(n, from+perTx); s += perStmt {
				e := min(n, s+perStmt, from+perTx)
				var b strings.Builder
				args := make([]any, 0, (e-s)*len(cols))
				b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
				for i := s; i < e; i++ {
					if i > s {
						b.WriteString(", ")
					}
					b.WriteString("(")
					for c := range cols {
						if c > 0 {
							b.WriteString(", ")
						}
						fmt.Fprintf(&b, "$%d", len(args)+c+1)
					}
					b.WriteString(")")
					args = append(args, row(i)...)
				}
				if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
					tx.Rollback()
					return fmt.Errorf("insert %s: %w", table, err)
				}
			}
			if err := tx.Commit(); err != nil {
				return err
			}
		}
		return nil
	}
	total := d.n + d.pool
	if err := load("users", seedColumns, total, func(i int) []any { return d.userRow(i+1, micros) }); err != nil {
		return err
	}
	if err := load("user_values", valueColumns, total, func(i int) []any { return d.valueRow(i + 1) }); err != nil {
		return err
	}
	if err := seedGroups(ctx, func(q string, args ...any) error { _, err := db.ExecContext(ctx, q, args...); return err },
		d, d.base.UnixMicro()); err != nil {
		return err
	}
	if err := load("group_members", []string{"group_id", "member_user_id"}, d.m+1, func(i int) []any {
		if i == d.m {
			return []any{d.smallGroup, d.userID(1)}
		}
		return []any{d.bigGroup, d.userID(i + 1)}
	}); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, `ANALYZE`)
	return err
}
