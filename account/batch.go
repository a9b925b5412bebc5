package account

import (
	"context"
	"errors"

	"github.com/scimd/scimd/store"
)

// A batch create writes many users in one transaction, each in its own
// savepoint: every user goes through the same checks, domain rules and
// audit record as CreateUser (prepareUser, insertUser), and one refused
// user rolls back only itself. What a batch saves is the commits: a
// thousand one-user transactions are a thousand WAL flushes.

// batchUser is one user of a batch and, after it, its outcome.
type batchUser struct {
	in UserInput
	// within runs last in the user's savepoint (see createUser).
	within func(tx store.Tx, u *store.User) error
	// skip, when it returns true, leaves the user out (the import was
	// stopped); its err is then errSkipped.
	skip func() bool

	user *store.User
	err  error
}

// errSkipped is the outcome of a user a batch left out.
var errSkipped = errors.New("skipped")

// createUsers creates a batch of users (see batchUser). It returns an
// error only when the transaction as a whole failed; then every user not
// refused before it has that error.
func (s *Service) createUsers(ctx context.Context, a Actor, tenantID string, batch []*batchUser) error {
	preps := make([]*preparedUser, len(batch))
	var cat catalogue
	for i, b := range batch {
		if preps[i], b.err = s.prepareUser(ctx, a, tenantID, b.in); b.err == nil {
			cat = preps[i].cat
		}
	}
	if cat == nil {
		return nil // every one refused already
	}
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		au, err := s.creatorAuthority(ctx, tx, a, tenantID, cat)
		if err != nil {
			return err
		}
		for i, b := range batch {
			if preps[i] == nil {
				continue
			}
			b.user, b.err = nil, nil
			if b.skip != nil && b.skip() {
				b.err = errSkipped
				continue
			}
			fnErr, err := tx.Savepoint(ctx, func() error { return s.insertUser(ctx, tx, au, preps[i], b.within) })
			if err != nil {
				return err
			}
			if b.err = fnErr; fnErr == nil {
				b.user = preps[i].u
			}
		}
		return nil
	})
	if err != nil {
		for i, b := range batch {
			if preps[i] != nil {
				b.user, b.err = nil, err
			}
		}
	}
	return err
}
