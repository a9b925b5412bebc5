package sqlstore

import (
	"context"
	"database/sql"

	"github.com/scimd/scimd/store"
)

// RecordTokenUse adds a batch of an IdP connection's requests to its row:
// the newest request and failure times, the counts. It never moves a time
// backwards (two instances may record out of order).
func (s *Store) RecordTokenUse(ctx context.Context, tenantID, tokenID string, u store.TokenUse) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE tokens SET
			last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < $1 THEN $1 ELSE last_used_at END,
			request_count = request_count + $2, error_count = error_count + $3
			WHERE tenant_id = $4 AND id = $5`,
			s.d.timeArg(u.LastAt), u.Requests, u.Errors, tenantID, tokenID)
		if err != nil || u.LastErrorAt.IsZero() {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE tokens SET last_error_at = $1, last_error_status = $2
			WHERE tenant_id = $3 AND id = $4 AND (last_error_at IS NULL OR last_error_at < $1)`,
			s.d.timeArg(u.LastErrorAt), u.LastErrorStatus, tenantID, tokenID)
		return err
	})
}

// TokenHealth reads the recorded use of a tenant's IdP connections, by
// token id.
func (s *Store) TokenHealth(ctx context.Context, tenantID string) (map[string]store.TokenHealth, error) {
	rows, err := s.db.DB.QueryContext(ctx, `SELECT id, last_used_at, last_error_at, last_error_status, request_count, error_count
		FROM tokens WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return nil, s.d.translate(err)
	}
	defer rows.Close()
	out := map[string]store.TokenHealth{}
	for rows.Next() {
		var id string
		var h store.TokenHealth
		if err := rows.Scan(&id, timePtrScan{&h.LastUsedAt}, timePtrScan{&h.LastErrorAt}, &h.LastErrorStatus, &h.Requests, &h.Errors); err != nil {
			return nil, err
		}
		out[id] = h
	}
	return out, s.d.translate(rows.Err())
}
