package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/scimd/scimd/store"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in one transaction, retrying a few times when PostgreSQL
// reports a deadlock or serialization failure (the transaction was rolled
// back whole, so running it again is safe).
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < 6; attempt++ {
		if attempt > 0 {
			// A jittered pause, so that two transactions that deadlocked
			// on each other do not start again in step and meet again.
			pause := time.Duration(attempt) * time.Duration(1+rand.IntN(10)) * time.Millisecond
			select {
			case <-ctx.Done():
				return s.d.translate(err)
			case <-time.After(pause):
			}
		}
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return fn(tx.Tx)
		})
		if !retryable(err) {
			break
		}
	}
	return s.d.translate(err)
}

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// affected returns ErrNotFound-style information: whether a statement
// touched a row.
func affected(res sql.Result) (bool, error) {
	n, err := res.RowsAffected()
	return n > 0, err
}

// rd reads through q: the database outside a transaction, or one.
type rd struct {
	s *Store
	q querier
}

// translate turns database errors into the store's kinds.
func (r rd) translate(err error) error { return r.s.d.translate(err) }

// wtx is one write transaction.
type wtx struct {
	rd
	// events are written, numbered, when fn returns (see flushEvents).
	events []*store.Event
}

var (
	_ store.Reader = rd{}
	_ store.Tx     = (*wtx)(nil)
)

// InTx runs fn in one transaction (see store.Store).
func (s *Store) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		w := &wtx{rd: rd{s: s, q: tx}}
		if err := fn(w); err != nil {
			return err
		}
		return w.flushEvents(ctx)
	})
}

// Reader reads outside a transaction.
func (s *Store) Reader() store.Reader { return rd{s: s, q: s.db.DB} }
