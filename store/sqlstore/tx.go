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
// reports a deadlock or serialization failure.
//
// On SQLite, which has one writer at a time, the process's write
// transactions take turns before they take a connection: a transaction
// waiting in BEGIN IMMEDIATE holds a connection of the pool (8), and a
// pool full of waiting writers left the one holding the lock without a
// connection for a read of its own (the account layer's tenant cache
// refresh), until the request's deadline: 503s under 8 concurrent writers.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.d.name == sqliteDialect.name {
		s.writer.Lock()
		defer s.writer.Unlock()
	}
	return s.retry(ctx, func() error {
		return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return fn(tx.Tx)
		})
	})
}

// retry runs attempt until it succeeds or fails for good: a deadlock or a
// serialization failure (the transaction was rolled back whole, so running
// it again is safe) is tried again, up to six times in all, and a refused
// optimistic form (errStrict) once more statement by statement.
func (s *Store) retry(ctx context.Context, attempt func() error) error {
	var err error
	for n := 0; n < 6; n++ {
		if n > 0 && !errors.Is(err, errStrict) {
			// A jittered pause, so that two transactions that deadlocked
			// on each other do not start again in step and meet again.
			pause := time.Duration(n) * time.Duration(1+rand.IntN(10)) * time.Millisecond
			select {
			case <-ctx.Done():
				return s.d.translate(err)
			case <-time.After(pause):
			}
		}
		err = attempt()
		if !retryable(err) && !errors.Is(err, errStrict) {
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
	// lazy, on PostgreSQL, is the transaction's querier, which holds back
	// the writes that need no answer (see deferred.go); nil on SQLite.
	lazy *lazyTx
	// strict says that an optimistic form was refused: the writes that
	// hold a check of it back (members added) are sent as they come.
	strict bool
}

var (
	_ store.Reader = rd{}
	_ store.Tx     = (*wtx)(nil)
)

// InTx runs fn in one transaction (see store.Store).
func (s *Store) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	if s.d.name != pgDialect.name {
		return s.inTx(ctx, func(tx *sql.Tx) error {
			w := &wtx{rd: rd{s: s, q: tx}}
			if err := fn(w); err != nil {
				return err
			}
			return w.flushEvents(ctx)
		})
	}
	strict := false
	return s.retry(ctx, func() (err error) {
		l := &lazyTx{s: s}
		w := &wtx{rd: rd{s: s, q: l}, lazy: l, strict: strict}
		defer func() {
			if p := recover(); p != nil {
				if l.tx != nil {
					l.tx.Rollback()
				}
				panic(p)
			}
			if errors.Is(err, errStrict) {
				strict = true
			}
		}()
		return l.end(ctx, fn(w))
	})
}

// Sync sends the writes held back so far (see store.Tx).
func (t *wtx) Sync(ctx context.Context) error {
	if t.lazy == nil {
		return nil
	}
	return t.translateInTx(t.lazy.sync(ctx))
}

// deferring reports whether writes that need no answer may be held back.
func (t *wtx) deferring() bool { return t.lazy != nil && !t.strict }

// Reader reads outside a transaction.
func (s *Store) Reader() store.Reader { return rd{s: s, q: s.db.DB} }
