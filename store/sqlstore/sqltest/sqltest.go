// Package sqltest opens fresh, migrated sqlstore databases for tests: a
// SQLite file in the test's temporary directory, or a PostgreSQL schema of
// its own in the database named by SCIMD_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable), dropped when the
// test ends. Tests never depend on leftovers.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/scimd/scimd/store/sqlstore"
)

// Backends lists the backends every store-facing test runs against.
var Backends = []string{"sqlite", "postgres"}

// PostgresURL is the database in which tests create their schemas.
func PostgresURL() string {
	if u := os.Getenv("SCIMD_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// Open returns a migrated store of the named backend, closed and removed
// when the test ends.
func Open(t testing.TB, backend string) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, URL(t, backend))
	if err != nil {
		t.Fatalf("open %s: %v", backend, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", backend, err)
	}
	return s
}

// URL returns the URL of a fresh, empty database of the named backend.
func URL(t testing.TB, backend string) string {
	t.Helper()
	switch backend {
	case "sqlite":
		return "sqlite://" + filepath.Join(t.TempDir(), "scimd.db")
	case "postgres":
		return freshSchema(t)
	}
	t.Fatalf("unknown backend %q", backend)
	return ""
}

// freshSchema creates a schema of its own for this test and returns a URL
// whose search_path points at it.
func freshSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "scimd_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("postgres at %s is needed for this test (start it, or set SCIMD_TEST_POSTGRES): %v", base, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("SCIMD_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
