package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/scimd/scimd/store"
)

// PutOIDCLogin stores a portal sign-in under way (see the oidc_logins
// migration), dropping the expired ones on the way.
func (s *Store) PutOIDCLogin(ctx context.Context, stateHash []byte, tenantID, data string, expires, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_logins WHERE expires_at < $1`, s.d.timeArg(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_logins (state_hash, tenant_id, data, expires_at) VALUES ($1, $2, $3, $4)`,
			stateHash, tenantID, data, s.d.timeArg(expires))
		return err
	})
}

// TakeOIDCLogin removes and returns a live sign-in under way: once only,
// however many callbacks arrive at once. store.ErrNotFound when there is
// none (never stored, taken already, or expired).
func (s *Store) TakeOIDCLogin(ctx context.Context, stateHash []byte, now time.Time) (tenantID, data string, err error) {
	err = s.db.DB.QueryRowContext(ctx, `DELETE FROM oidc_logins WHERE state_hash = $1 AND expires_at >= $2 RETURNING tenant_id, data`,
		stateHash, s.d.timeArg(now)).Scan(&tenantID, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", store.ErrNotFound
	}
	return tenantID, data, s.d.translate(err)
}
