package store

import (
	"context"
	"errors"
)

// errStale says a record changed between reading it and writing it.
var errStale = errors.New("stale read")

// optimisticTries is how often Update reads, computes and writes without a
// lock before it computes under the lock, so that a hot record still makes
// progress.
const optimisticTries = 3

// Update is one read-modify-write of a user whose work (decoding, checks,
// hashing) runs outside the write transaction.
type Update struct {
	// Load is what to read of the user.
	Load Load
	// Compute works out the change from the user as read. It may run more
	// than once (when a concurrent write intervenes); it reports whether
	// there is anything to write.
	Compute func(old *User) (changed bool, err error)
	// Write writes the change inside the transaction, once the user's row
	// is locked at the version Compute saw.
	Write func(ctx context.Context, tx Tx, old *User) error
}

// UpdateUser runs up against the user: read without a lock, compute, then
// in one transaction lock the row, check that its version is still the
// one read (else start again) and write. So no write lock, SQLite's or a
// PostgreSQL row's, is held while Compute runs. After a few lost races the
// whole of it runs under the row lock.
func UpdateUser(ctx context.Context, st Store, tenantID, id string, up Update) error {
	for try := 1; ; try++ {
		if try > optimisticTries {
			return st.InTx(ctx, func(tx Tx) error {
				if _, err := tx.LockUser(ctx, tenantID, id); err != nil {
					return err
				}
				old, err := tx.GetUser(ctx, tenantID, id, up.Load)
				if err != nil {
					return err
				}
				changed, err := up.Compute(old)
				if err != nil || !changed {
					return err
				}
				return up.Write(ctx, tx, old)
			})
		}
		old, err := st.Reader().GetUser(ctx, tenantID, id, up.Load)
		if err != nil {
			return err
		}
		changed, err := up.Compute(old)
		if err != nil || !changed {
			return err
		}
		err = st.InTx(ctx, func(tx Tx) error {
			v, err := tx.LockUser(ctx, tenantID, id)
			if err != nil {
				return err
			}
			if v != old.Meta.Version {
				return errStale
			}
			return up.Write(ctx, tx, old)
		})
		if !errors.Is(err, errStale) {
			return err
		}
	}
}
