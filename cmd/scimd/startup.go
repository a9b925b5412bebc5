package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
)

// retryPolicy is how serve waits for a database that does not answer yet.
type retryPolicy struct {
	// attempt bounds one attempt to connect, so that a server that accepts
	// connections but never answers (stopped, not down) is logged and
	// retried like one that refuses them. It does not bound migrations,
	// which may take long on a large database.
	attempt time.Duration
	// pause is the wait between attempts.
	pause time.Duration
}

var serveRetry = retryPolicy{attempt: 10 * time.Second, pause: 2 * time.Second}

// openWithRetry opens and migrates the database, waiting for a database
// that does not answer yet; any other error (a database that does not
// exist, refused credentials, a URL that does not parse) ends the server
// at once, with the one-line message sqlstore gives it.
func openWithRetry(ctx context.Context, log *slog.Logger, url string) (*sqlstore.Store, error) {
	return serveRetry.open(ctx, log, url)
}

func (p retryPolicy) open(ctx context.Context, log *slog.Logger, url string) (*sqlstore.Store, error) {
	for attempt := 1; ; attempt++ {
		st, err := p.try(ctx, url)
		if err == nil {
			return st, nil
		}
		if ctx.Err() != nil {
			break
		}
		if !errors.Is(err, store.ErrUnavailable) {
			return nil, err
		}
		log.Warn("database not answering; retrying", "in", p.pause, "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(p.pause):
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("stopped while waiting for the database: %w", ctx.Err())
}

// try makes one attempt to open and migrate the database.
func (p retryPolicy) try(ctx context.Context, url string) (*sqlstore.Store, error) {
	connect, cancel := context.WithTimeout(ctx, p.attempt)
	defer cancel()
	st, err := sqlstore.Open(connect, url)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}
