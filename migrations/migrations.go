// Package migrations embeds scimd's SQL schema migrations, one directory per
// SQL dialect, for bun's migrate package. Each migration is a pair of files
// (.tx.up.sql, .tx.down.sql) run in a transaction; "--bun:split" separates
// statements.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun/migrate"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Dialects with a migration directory.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// For returns the migrations of one dialect.
func For(dialect string) (*migrate.Migrations, error) {
	if dialect != Postgres && dialect != SQLite {
		return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
	sub, err := fs.Sub(files, dialect)
	if err != nil {
		return nil, err
	}
	m := migrate.NewMigrations()
	if err := m.Discover(sub); err != nil {
		return nil, err
	}
	return m, nil
}
