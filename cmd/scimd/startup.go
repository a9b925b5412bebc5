package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
)

// openWithRetry opens and migrates the database, waiting for a database
// that does not answer yet; any other error ends the server.
func openWithRetry(ctx context.Context, log *slog.Logger, url string) (*sqlstore.Store, error) {
	for {
		st, err := openStore(ctx, url)
		if err == nil {
			return st, nil
		}
		if !errors.Is(err, store.ErrUnavailable) {
			return nil, err
		}
		log.Warn("database not answering; retrying in 2s", "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}
