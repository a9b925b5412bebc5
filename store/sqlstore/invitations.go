package sqlstore

import (
	"context"
	"time"

	"github.com/scimd/scimd/store"
)

// Invitations and sign-in links: single-use tokens of which only the hash
// is stored. Taking one is a single DELETE or UPDATE ... RETURNING, so that
// of two concurrent takers exactly one gets the row (on PostgreSQL the
// second waits for the first and then finds nothing).

const invitationColumns = `user_id, tenant_id, token_hash, expires_at, created_at, sent_count`

func scanInvitation(row scanRow) (store.Invitation, error) {
	var inv store.Invitation
	err := row.Scan(&inv.UserID, &inv.TenantID, &inv.TokenHash, timeScan{&inv.ExpiresAt}, timeScan{&inv.CreatedAt}, &inv.SentCount)
	return inv, err
}

// GetInvitation loads a user's invitation, live or expired.
func (r rd) GetInvitation(ctx context.Context, tenantID, userID string) (store.Invitation, error) {
	inv, err := collectOne(ctx, r.q, scanInvitation, `SELECT `+invitationColumns+` FROM invitations WHERE tenant_id = $1 AND user_id = $2`,
		tenantID, userID)
	return inv, r.translate(err)
}

// InvitationByHash finds a live invitation by its token's hash.
func (r rd) InvitationByHash(ctx context.Context, hash []byte, now time.Time) (store.Invitation, error) {
	inv, err := collectOne(ctx, r.q, scanInvitation, `SELECT `+invitationColumns+` FROM invitations WHERE token_hash = $1 AND expires_at > $2`,
		hash, r.s.d.timeArg(now))
	return inv, r.translate(err)
}

// PutInvitation creates or replaces (by user) an invitation, with all its
// fields as given: CreatedAt is set when zero and SentCount is 1 when
// zero. The user must be one of the tenant's.
func (t *wtx) PutInvitation(ctx context.Context, inv *store.Invitation) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if len(inv.TokenHash) == 0 {
		return store.Invalidf("an invitation needs its token's hash")
	}
	if err := mustExist(ctx, t.q, tblUsers, inv.TenantID, inv.UserID); err != nil {
		return err
	}
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = t.s.now()
	}
	if inv.SentCount == 0 {
		inv.SentCount = 1
	}
	_, err = t.q.ExecContext(ctx, `INSERT INTO invitations (`+invitationColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, expires_at = excluded.expires_at,
			created_at = excluded.created_at, sent_count = excluded.sent_count`,
		inv.UserID, inv.TenantID, inv.TokenHash, t.s.d.timeArg(inv.ExpiresAt), t.s.d.timeArg(inv.CreatedAt), inv.SentCount)
	return err
}

// TakeInvitation deletes and returns the live invitation with this hash.
func (t *wtx) TakeInvitation(ctx context.Context, hash []byte, now time.Time) (_ store.Invitation, err error) {
	defer func() { err = t.translateInTx(err) }()
	return collectOne(ctx, t.q, scanInvitation, `DELETE FROM invitations WHERE token_hash = $1 AND expires_at > $2
		RETURNING `+invitationColumns, hash, t.s.d.timeArg(now))
}

// DeleteInvitation deletes a user's invitation.
func (t *wtx) DeleteInvitation(ctx context.Context, tenantID, userID string) (err error) {
	defer func() { err = t.translateInTx(err) }()
	return changedOne(t.q.ExecContext(ctx, `DELETE FROM invitations WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID))
}

const loginLinkColumns = `token_hash, tenant_id, user_id, expires_at, used_at, created_at`

func scanLoginLink(row scanRow) (store.LoginLink, error) {
	var l store.LoginLink
	err := row.Scan(&l.TokenHash, &l.TenantID, &l.UserID, timeScan{&l.ExpiresAt}, timePtrScan{&l.UsedAt}, timeScan{&l.CreatedAt})
	return l, err
}

// InsertLoginLink stores a sign-in link for a user of the tenant
// (CreatedAt is set when zero; UsedAt is cleared).
func (t *wtx) InsertLoginLink(ctx context.Context, l *store.LoginLink) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if len(l.TokenHash) == 0 {
		return store.Invalidf("a sign-in link needs its token's hash")
	}
	if err := mustExist(ctx, t.q, tblUsers, l.TenantID, l.UserID); err != nil {
		return err
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = t.s.now()
	}
	l.UsedAt = nil
	_, err = t.q.ExecContext(ctx, `INSERT INTO login_links (`+loginLinkColumns+`) VALUES ($1, $2, $3, $4, NULL, $5)`,
		l.TokenHash, l.TenantID, l.UserID, t.s.d.timeArg(l.ExpiresAt), t.s.d.timeArg(l.CreatedAt))
	return err
}

// UseLoginLink marks a live, unused link used (at now) and returns it.
func (t *wtx) UseLoginLink(ctx context.Context, hash []byte, now time.Time) (_ store.LoginLink, err error) {
	defer func() { err = t.translateInTx(err) }()
	at := t.s.d.timeArg(now)
	return collectOne(ctx, t.q, scanLoginLink, `UPDATE login_links SET used_at = $1
		WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING `+loginLinkColumns, at, hash)
}
