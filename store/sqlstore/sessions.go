package sqlstore

import (
	"context"
	"time"

	"github.com/scimd/scimd/store"
)

// Portal sessions, stored by the hash of their id.

const sessionColumns = `id_hash, tenant_id, user_id, created_at, last_seen_at, expires_at`

func scanSession(row scanRow) (store.Session, error) {
	var s store.Session
	err := row.Scan(&s.IDHash, &s.TenantID, &s.UserID, timeScan{&s.CreatedAt}, timeScan{&s.LastSeenAt}, timeScan{&s.ExpiresAt})
	return s, err
}

// SessionByHash finds a live session (expiring after now).
func (r rd) SessionByHash(ctx context.Context, hash []byte, now time.Time) (store.Session, error) {
	s, err := collectOne(ctx, r.q, scanSession, `SELECT `+sessionColumns+` FROM sessions WHERE id_hash = $1 AND expires_at > $2`,
		hash, r.s.d.timeArg(now))
	return s, r.translate(err)
}

// InsertSession stores a session of a user of the tenant (CreatedAt and
// LastSeenAt are set when zero).
func (t *wtx) InsertSession(ctx context.Context, s *store.Session) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if len(s.IDHash) == 0 {
		return store.Invalidf("a session needs its id's hash")
	}
	if err := mustExist(ctx, t.q, tblUsers, s.TenantID, s.UserID); err != nil {
		return err
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = t.s.now()
	}
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = s.CreatedAt
	}
	_, err = t.q.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		s.IDHash, s.TenantID, s.UserID, t.s.d.timeArg(s.CreatedAt), t.s.d.timeArg(s.LastSeenAt), t.s.d.timeArg(s.ExpiresAt))
	return err
}

// TouchSession moves a session's last-seen time; ErrNotFound if there is
// no such session.
func (t *wtx) TouchSession(ctx context.Context, hash []byte, at time.Time) (err error) {
	defer func() { err = t.translateInTx(err) }()
	return changedOne(t.q.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2`, t.s.d.timeArg(at), hash))
}

// DeleteSession ends one session; ErrNotFound if there is none.
func (t *wtx) DeleteSession(ctx context.Context, hash []byte) (err error) {
	defer func() { err = t.translateInTx(err) }()
	return changedOne(t.q.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, hash))
}

// DeleteUserSessions ends every session of a user (none is no error).
func (t *wtx) DeleteUserSessions(ctx context.Context, tenantID, userID string) (err error) {
	defer func() { err = t.translateInTx(err) }()
	_, err = t.q.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND tenant_id = $2`, userID, tenantID)
	return err
}
