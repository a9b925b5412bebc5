package sqlstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// OpenTraced opens a PostgreSQL store whose connections report every
// statement to tracer (for the plan test, which explains them all).
func OpenTraced(ctx context.Context, rawURL string, tracer pgx.QueryTracer) (*Store, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, err
	}
	cfg.Tracer = tracer
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(32)
	s := &Store{db: bun.NewDB(sqldb, pgdialect.New()), d: pgDialect,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	return s, s.db.PingContext(ctx)
}
