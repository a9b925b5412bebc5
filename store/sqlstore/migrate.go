package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// Migrator applies and rolls back scimd's schema migrations. On PostgreSQL
// it holds an advisory lock while it works, so that several scimd processes
// starting at once migrate one after the other; unlike a lock row, the
// advisory lock dies with a crashed process.
type Migrator struct {
	db *bun.DB
	m  *migrate.Migrator
}

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Name    string
	Comment string
	Applied bool
}

// advisoryLockKey is an arbitrary constant that identifies scimd's
// migration lock among PostgreSQL advisory locks.
const advisoryLockKey = 0x5c1d_0001

func newMigrator(ctx context.Context, db *bun.DB, ms *migrate.Migrations) (*Migrator, error) {
	m := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migration tables: %w", err)
	}
	return &Migrator{db: db, m: m}, nil
}

// locked runs fn while holding the migration lock.
func (m *Migrator) locked(ctx context.Context, fn func() error) error {
	if m.db.Dialect().Name().String() != "pg" {
		return fn()
	}
	conn, err := m.db.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", advisoryLockKey); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer func(conn *sql.Conn) {
		// A fresh context: the unlock must happen even if ctx is done.
		conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", advisoryLockKey)
	}(conn)
	return fn()
}

// Up applies every pending migration and returns their names.
func (m *Migrator) Up(ctx context.Context) ([]string, error) {
	var names []string
	err := m.locked(ctx, func() error {
		g, err := m.m.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrate up: %w", err)
		}
		for _, mig := range g.Migrations {
			names = append(names, mig.String())
		}
		return nil
	})
	return names, err
}

// Down rolls back the last group of applied migrations.
func (m *Migrator) Down(ctx context.Context) ([]string, error) {
	var names []string
	err := m.locked(ctx, func() error {
		g, err := m.m.Rollback(ctx)
		if err != nil {
			return fmt.Errorf("migrate down: %w", err)
		}
		for _, mig := range g.Migrations {
			names = append(names, mig.String())
		}
		return nil
	})
	return names, err
}

// Status lists all migrations and whether each is applied.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	ms, err := m.m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, len(ms))
	for i, mig := range ms {
		out[i] = MigrationStatus{Name: mig.Name, Comment: mig.Comment, Applied: mig.IsApplied()}
	}
	return out, nil
}
