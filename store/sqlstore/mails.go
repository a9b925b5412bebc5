package sqlstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

// The mail outbox: rows written in the transaction of the change that
// sends mail, claimed and delivered by the sender outside it.

const (
	defaultMailsLimit = 100
	// maxLastError bounds the error text kept with a failed attempt.
	maxLastError = 500
)

const mailColumns = `id, tenant_id, to_addr, subject, body, state, attempts, next_attempt_at, last_error, created_at, sent_at`

func scanMail(row scanRow) (store.Mail, error) {
	var m store.Mail
	err := row.Scan(&m.ID, &m.TenantID, &m.To, &m.Subject, &m.Body, &m.State, &m.Attempts, timeScan{&m.NextAttemptAt},
		&m.LastError, timeScan{&m.CreatedAt}, timePtrScan{&m.SentAt})
	return m, err
}

// QueueMail puts a mail in the outbox, queued, due at m.NextAttemptAt (now
// when zero); m.ID, m.CreatedAt and m.State are set.
func (t *wtx) QueueMail(ctx context.Context, m *store.Mail) (err error) {
	defer func() { err = t.translateInTx(err) }()
	m.ID = uuid.NewString()
	m.CreatedAt = t.s.now()
	m.State, m.Attempts, m.LastError, m.SentAt = store.MailQueued, 0, "", nil
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = m.CreatedAt
	}
	_, err = t.q.ExecContext(ctx, `INSERT INTO mails (`+mailColumns+`) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, '', $8, NULL)`,
		m.ID, m.TenantID, m.To, m.Subject, m.Body, m.State, t.s.d.timeArg(m.NextAttemptAt), t.s.d.timeArg(m.CreatedAt))
	return tenantGone(err)
}

// Mails lists a tenant's mails newest first, at most limit (default 100).
func (r rd) Mails(ctx context.Context, tenantID string, limit int) ([]store.Mail, error) {
	if limit <= 0 {
		limit = defaultMailsLimit
	}
	out, err := collect(ctx, r.q, scanMail, `SELECT `+mailColumns+` FROM mails WHERE tenant_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, tenantID, limit)
	return out, r.translate(err)
}

// ClaimMails takes up to limit queued mails due at now, oldest due first,
// and in the same statement moves their next attempt to now+lease, so that
// no other sender takes them before the lease ends. On PostgreSQL the
// subquery locks the rows it picks and skips those another claimer holds
// (FOR UPDATE SKIP LOCKED): two servers never claim one mail. On SQLite the
// statement holds the database's write lock. The state = 'queued' literal
// matches the partial index mails_due_idx.
func (s *Store) ClaimMails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Mail, error) {
	if limit <= 0 {
		return nil, nil
	}
	skip := ""
	if s.d.forUpdate != "" {
		skip = s.d.forUpdate + " SKIP LOCKED"
	}
	out, err := collect(ctx, s.db.DB, scanMail, `UPDATE mails SET next_attempt_at = $1
		WHERE id IN (SELECT id FROM mails WHERE state = 'queued' AND next_attempt_at <= $2
			ORDER BY next_attempt_at, id LIMIT $3`+skip+`)
		RETURNING `+mailColumns, s.d.timeArg(now.Add(lease)), s.d.timeArg(now), limit)
	if err != nil {
		return nil, s.d.translate(err)
	}
	// RETURNING keeps no order; all now share next_attempt_at.
	slices.SortFunc(out, func(a, b store.Mail) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// MailSent marks a mail sent at at.
func (s *Store) MailSent(ctx context.Context, id string, at time.Time) error {
	return s.d.translate(changedOne(s.db.DB.ExecContext(ctx, `UPDATE mails SET state = 'sent', sent_at = $1 WHERE id = $2`,
		s.d.timeArg(at), id)))
}

// MailFailed records a failed attempt with its error (cut to 500
// characters): the mail is due again at next, or failed for good when next
// is zero.
func (s *Store) MailFailed(ctx context.Context, id string, errText string, next time.Time) error {
	if r := []rune(errText); len(r) > maxLastError {
		errText = string(r[:maxLastError])
	}
	var err error
	if next.IsZero() {
		err = changedOne(s.db.DB.ExecContext(ctx, `UPDATE mails SET state = 'failed', attempts = attempts + 1, last_error = $1
			WHERE id = $2`, errText, id))
	} else {
		err = changedOne(s.db.DB.ExecContext(ctx, `UPDATE mails SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2
			WHERE id = $3`, errText, s.d.timeArg(next), id))
	}
	return s.d.translate(err)
}
