package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

// defaultAuditLimit is the page size of Audit when the query names none.
const defaultAuditLimit = 100

const auditColumns = `id, tenant_id, at, actor_kind, actor_id, actor_name, action, resource_type, resource_id, changes, request_id`

func scanAudit(row scanRow) (store.AuditEntry, error) {
	var e store.AuditEntry
	err := row.Scan(&e.ID, &e.TenantID, timeScan{&e.At}, &e.ActorKind, &e.ActorID, &e.ActorName, &e.Action,
		&e.ResourceType, &e.ResourceID, &e.Changes, &e.RequestID)
	return e, err
}

// InsertAudit appends an entry (e.ID and e.At are set when empty; empty
// Changes are stored as "{}").
func (t *wtx) InsertAudit(ctx context.Context, e *store.AuditEntry) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if e.ID == "" {
		e.ID = uuid.NewString()
	}
	if e.At.IsZero() {
		e.At = t.s.now()
	}
	e.Changes = orDefault(e.Changes, "{}")
	args := []any{e.ID, e.TenantID, t.s.d.timeArg(e.At), e.ActorKind, e.ActorID, e.ActorName, e.Action, e.ResourceType, e.ResourceID,
		e.Changes, e.RequestID}
	insert := `INSERT INTO audit (` + auditColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	if t.lazy != nil {
		// Held back with the change's other writes (and its events).
		t.lazy.later(deferred{sql: insert, args: args, fix: tenantGone})
		return nil
	}
	_, err = t.q.ExecContext(ctx, insert, args...)
	return tenantGone(err)
}

// Audit lists a tenant's entries newest first (by at, then id), filtered by
// resource and actor, from Since on, strictly before the Before position,
// at most Limit (default 100).
func (r rd) Audit(ctx context.Context, tenantID string, q store.AuditQuery) ([]store.AuditEntry, error) {
	args := []any{tenantID}
	where := `tenant_id = $1`
	add := func(cond string, v any) {
		args = append(args, v)
		where += ` AND ` + cond + `$` + itoa(len(args))
	}
	if q.ResourceID != "" {
		add(`resource_id = `, q.ResourceID)
	}
	if q.ActorID != "" {
		add(`actor_id = `, q.ActorID)
	}
	if !q.Since.IsZero() {
		add(`at >= `, r.s.d.timeArg(q.Since))
	}
	if q.Before != nil {
		args = append(args, r.s.d.timeArg(q.Before.At), q.Before.ID)
		n := len(args)
		where += ` AND (at < $` + itoa(n-1) + ` OR (at = $` + itoa(n-1) + ` AND id < $` + itoa(n) + `))`
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultAuditLimit
	}
	args = append(args, limit)
	out, err := collect(ctx, r.q, scanAudit, `SELECT `+auditColumns+` FROM audit WHERE `+where+
		` ORDER BY at DESC, id DESC LIMIT $`+itoa(len(args)), args...)
	return out, r.translate(err)
}

// PurgeAudit deletes the entries of every tenant older than before.
func (s *Store) PurgeAudit(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.DB.ExecContext(ctx, `DELETE FROM audit WHERE at < $1`, s.d.timeArg(before))
	if err != nil {
		return 0, s.d.translate(err)
	}
	n, err := res.RowsAffected()
	return int(n), s.d.translate(err)
}
