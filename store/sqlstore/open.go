// Package sqlstore is scimd's store on bun: PostgreSQL (pgdialect over pgx)
// for production and embedded SQLite (sqlitedialect over the pure-Go
// modernc.org/sqlite) as the zero-setup default. One package serves both;
// the few places where the SQL differs go through dialect.
//
// Hot paths use hand-written SQL with bound parameters sent to the driver, so
// PostgreSQL can reuse prepared statements; bun formats values into the SQL
// text, which would make every statement unique (see shared/MEASURED.md).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/scimd/scimd/migrations"
	"github.com/scimd/scimd/store"
)

// Store implements store.Store on bun.
type Store struct {
	db *bun.DB
	d  dialect
	// now is the clock; tests may replace it.
	now func() time.Time
	// writer, on SQLite, lets one write transaction of this process at a
	// time hold a connection (see inTx).
	writer sync.Mutex
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by rawURL: sqlite://relative/path.db,
// sqlite:///absolute/path.db, or postgres://user@host:port/db?sslmode=disable
// (postgresql:// too). It does not migrate; call Migrate.
//
// Its errors are one line naming the problem, without the password. Those
// that retrying may cure (the server refuses connections or does not answer
// before ctx ends) wrap store.ErrUnavailable; the others (a URL that does
// not parse, a host that does not resolve, a database or role that does not
// exist, a SQLite directory that does not exist) are permanent.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	// The URL is not repeated in errors: it may hold a password.
	if !ok {
		return nil, errors.New("database URL has no scheme: want sqlite://PATH or postgres://...")
	}
	var s *Store
	var explain func(error) error
	switch scheme {
	case "postgres", "postgresql":
		// Parsed here as well as by the driver (which would report a bad
		// URL only on the first connection, as if the server were down) to
		// name the server and database in errors.
		cfg, err := pgx.ParseConfig(rawURL)
		if err != nil {
			return nil, pgURLError(err)
		}
		explain = func(err error) error { return pgOpenError(ctx, cfg, err) }
		// No JIT compilation (unless the URL asks for it): scimd's
		// queries are short, and a page of 1,000 users with its child
		// parts is estimated above jit_above_cost, where compiling took
		// 170 ms of a 110 ms query.
		if _, set := cfg.RuntimeParams["jit"]; !set {
			cfg.RuntimeParams["jit"] = "off"
		}
		sqldb := stdlib.OpenDB(*cfg)
		sqldb.SetMaxOpenConns(32)
		sqldb.SetMaxIdleConns(32)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		s = &Store{db: bun.NewDB(sqldb, pgdialect.New()), d: pgDialect}
	case "sqlite", "sqlite3", "file":
		dsn, err := sqliteDSN(rest)
		if err != nil {
			return nil, err
		}
		path, _, _ := strings.Cut(rest, "?")
		explain = func(err error) error { return sqliteOpenError(ctx, path, err) }
		sqldb, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// SQLite has one writer; WAL lets readers run beside it, and
		// "BEGIN IMMEDIATE" (_txlock) makes writers queue on busy_timeout
		// instead of failing when they upgrade a read lock.
		sqldb.SetMaxOpenConns(8)
		sqldb.SetMaxIdleConns(8)
		s = &Store{db: bun.NewDB(sqldb, sqlitedialect.New()), d: sqliteDialect}
	default:
		return nil, fmt.Errorf("database URL: unknown scheme %q (want sqlite or postgres)", scheme)
	}
	s.now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, explain(err)
	}
	return s, nil
}

// sqliteDSN turns the part of a sqlite:// URL after the scheme into a
// modernc.org/sqlite DSN with scimd's pragmas.
func sqliteDSN(rest string) (string, error) {
	path, query, _ := strings.Cut(rest, "?")
	if path == "" {
		return "", errors.New("sqlite URL has no path: want sqlite://scimd.db or sqlite:///abs/path.db")
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("sqlite URL query: %w", err)
	}
	if path == ":memory:" {
		return "", errors.New("sqlite in-memory databases are not supported (each connection would see its own): use a file")
	}
	for _, p := range []string{
		"busy_timeout(10000)",
		"journal_mode(WAL)",
		"synchronous(NORMAL)",
		"foreign_keys(1)",
		// LIKE must be case-sensitive: case-insensitive attributes are
		// compared through fold (scimd_lower) on both sides.
		"case_sensitive_like(1)",
	} {
		params.Add("_pragma", p)
	}
	params.Set("_txlock", "immediate")
	return "file:" + path + "?" + params.Encode(), nil
}

// DB returns the underlying bun database (for tools such as benchmarks).
func (s *Store) DB() *bun.DB { return s.db }

// Dialect names the SQL dialect: "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.d.name }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// Migrator returns bun's migrator over this dialect's embedded migrations.
func (s *Store) Migrator(ctx context.Context) (*Migrator, error) {
	ms, err := migrations.For(s.d.name)
	if err != nil {
		return nil, err
	}
	return newMigrator(ctx, s.db, ms)
}

// Migrate applies every pending migration. A database that stops
// answering meanwhile is ErrUnavailable, as in every other call (and
// serve waits for it); any other failure is returned as it is.
func (s *Store) Migrate(ctx context.Context) error {
	m, err := s.Migrator(ctx)
	if err == nil {
		_, err = m.Up(ctx)
	}
	if err != nil && ctx.Err() == nil && unavailable(err) {
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return err
}
