package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

// The CSV import's jobs and rows. A job's counts are computed from its
// rows on every read, so that recording a row's result writes one row and
// never the job's (concurrent workers of one job would queue on it).

const importJobColumns = `j.id, j.tenant_id, j.state, j.file_name, j.options, j.header, j.started_by, j.created_at, j.updated_at, j.finished_at,
	(SELECT count(*) FROM import_rows r WHERE r.job_id = j.id),
	(SELECT count(*) FROM import_rows r WHERE r.job_id = j.id AND r.state = 'created'),
	(SELECT count(*) FROM import_rows r WHERE r.job_id = j.id AND r.state = 'failed')`

func scanImportJob(row scanRow) (store.ImportJob, error) {
	var j store.ImportJob
	var header string
	err := row.Scan(&j.ID, &j.TenantID, &j.State, &j.FileName, &j.Options, &header, &j.StartedBy,
		timeScan{&j.CreatedAt}, timeScan{&j.UpdatedAt}, timePtrScan{&j.FinishedAt}, &j.Total, &j.Created, &j.Failed)
	if err == nil {
		err = json.Unmarshal([]byte(header), &j.Header)
	}
	return j, err
}

// CreateImportJob inserts a job and its rows in one transaction; the
// partial unique index import_jobs_one_active refuses a second running job.
func (s *Store) CreateImportJob(ctx context.Context, j *store.ImportJob, rows []store.ImportRow) error {
	header, err := json.Marshal(j.Header)
	if err != nil {
		return err
	}
	id := uuid.NewString()
	now := s.now()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_jobs (id, tenant_id, state, file_name, options, header, started_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, id, j.TenantID, j.State, j.FileName, orDefault(j.Options, "{}"), string(header),
			j.StartedBy, s.d.timeArg(now)); err != nil {
			if _, ok := s.d.uniqueField(err); ok {
				return &store.ConflictError{Field: "import"}
			}
			return tenantGone(err)
		}
		// Rows go in batches of 200 per statement: 1000 single INSERTs
		// would be 1000 round trips.
		const batch = 200
		for start := 0; start < len(rows); start += batch {
			part := rows[start:min(start+batch, len(rows))]
			var q strings.Builder
			q.WriteString(`INSERT INTO import_rows (job_id, row_no, vals, state) VALUES `)
			args := make([]any, 0, 3*len(part)+1)
			args = append(args, id)
			for i, r := range part {
				vals, err := json.Marshal(r.Values)
				if err != nil {
					return err
				}
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString(`($1, $` + itoa(len(args)+1) + `, $` + itoa(len(args)+2) + `, 'pending')`)
				args = append(args, r.Row, string(vals))
			}
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return err
			}
		}
		return nil
	})
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		// Named after the transaction: on PostgreSQL the failed INSERT
		// ended it.
		s.db.DB.QueryRowContext(ctx, `SELECT id FROM import_jobs WHERE tenant_id = $1 AND state IN ('queued', 'running', 'stopping')`,
			j.TenantID).Scan(&ce.Holder)
		return ce
	}
	if err != nil {
		return s.d.translate(err)
	}
	j.ID, j.CreatedAt, j.UpdatedAt = id, now, now
	j.Total, j.Created, j.Failed = len(rows), 0, 0
	return nil
}

// GetImportJob loads one job of a tenant with its counts.
func (s *Store) GetImportJob(ctx context.Context, tenantID, id string) (store.ImportJob, error) {
	j, err := collectOne(ctx, s.db.DB, scanImportJob, `SELECT `+importJobColumns+` FROM import_jobs j WHERE j.tenant_id = $1 AND j.id = $2`, tenantID, id)
	return j, s.d.translate(err)
}

// ImportJobs lists a tenant's jobs, newest first.
func (s *Store) ImportJobs(ctx context.Context, tenantID string, limit int) ([]store.ImportJob, error) {
	if limit <= 0 {
		limit = 20
	}
	out, err := collect(ctx, s.db.DB, scanImportJob, `SELECT `+importJobColumns+` FROM import_jobs j WHERE j.tenant_id = $1
		ORDER BY j.created_at DESC, j.id DESC LIMIT $2`, tenantID, limit)
	return out, s.d.translate(err)
}

// ImportRows lists a job's rows, of one state or all; the job must be the
// tenant's.
func (s *Store) ImportRows(ctx context.Context, tenantID, jobID, state string) ([]store.ImportRow, error) {
	q := `SELECT r.job_id, r.row_no, r.vals, r.state, r.user_id, r.reason FROM import_rows r JOIN import_jobs j ON j.id = r.job_id
		WHERE j.tenant_id = $1 AND r.job_id = $2`
	args := []any{tenantID, jobID}
	if state != "" {
		q += ` AND r.state = $3`
		args = append(args, state)
	}
	out, err := collect(ctx, s.db.DB, func(row scanRow) (store.ImportRow, error) {
		var r store.ImportRow
		var vals string
		if err := row.Scan(&r.JobID, &r.Row, &vals, &r.State, &r.UserID, &r.Reason); err != nil {
			return r, err
		}
		return r, json.Unmarshal([]byte(vals), &r.Values)
	}, q+` ORDER BY r.row_no`, args...)
	return out, s.d.translate(err)
}

// SetImportState moves a job between states, only from those named.
func (s *Store) SetImportState(ctx context.Context, tenantID, id, state string, from ...string) (store.ImportJob, error) {
	now := s.d.timeArg(s.now())
	var finished any
	if state == store.ImportDone || state == store.ImportInterrupted {
		finished = now
	}
	q := `UPDATE import_jobs SET state = $1, updated_at = $2, finished_at = COALESCE($3, finished_at) WHERE tenant_id = $4 AND id = $5`
	args := []any{state, now, finished, tenantID, id}
	if len(from) > 0 {
		q += ` AND state IN (`
		for i, f := range from {
			if i > 0 {
				q += `, `
			}
			args = append(args, f)
			q += `$` + itoa(len(args))
		}
		q += `)`
	}
	res, err := s.db.DB.ExecContext(ctx, q, args...)
	if err != nil {
		return store.ImportJob{}, s.d.translate(err)
	}
	j, err := s.GetImportJob(ctx, tenantID, id)
	if err != nil {
		return j, err
	}
	if ok, _ := affected(res); !ok {
		return j, store.ErrPrecondition
	}
	return j, nil
}

// UnfinishedImports lists the jobs still queued, running or stopping.
func (s *Store) UnfinishedImports(ctx context.Context) ([]store.ImportJob, error) {
	out, err := collect(ctx, s.db.DB, scanImportJob, `SELECT `+importJobColumns+` FROM import_jobs j
		WHERE j.state IN ('queued', 'running', 'stopping') ORDER BY j.created_at, j.id`)
	return out, s.d.translate(err)
}

// FinishImportRow records a pending row's result in the transaction that
// made it (see store.ImportWriter).
func (t *wtx) FinishImportRow(ctx context.Context, tenantID, jobID string, row int, state, userID, reason string) (err error) {
	defer func() { err = t.translateInTx(err) }()
	res, err := t.q.ExecContext(ctx, `UPDATE import_rows SET state = $1, user_id = $2, reason = $3
		WHERE job_id = $4 AND row_no = $5 AND state = 'pending'
		AND job_id IN (SELECT id FROM import_jobs WHERE tenant_id = $6)`, state, userID, reason, jobID, row, tenantID)
	if err != nil {
		return err
	}
	if ok, err := affected(res); err != nil || !ok {
		if err == nil {
			err = store.ErrPrecondition
		}
		return err
	}
	return nil
}

// Savepoint runs fn in a savepoint (see store.ImportWriter). Both dialects
// speak SAVEPOINT, ROLLBACK TO SAVEPOINT and RELEASE SAVEPOINT; on
// PostgreSQL the rollback also clears the aborted state a failed statement
// leaves. Savepoints nest, so one name serves.
//
// On PostgreSQL each savepoint that writes is a subtransaction; past 64 in
// one transaction every snapshot of other sessions gets slower
// (subtransaction overflow), so a batch keeps fewer (the import: 25).
func (t *wtx) Savepoint(ctx context.Context, fn func() error) (fnErr, err error) {
	if _, err := t.q.ExecContext(ctx, `SAVEPOINT scimd_sp`); err != nil {
		return nil, t.translateInTx(err)
	}
	fnErr = fn()
	if fnErr == nil {
		// What fn held back is its own: its errors roll back only it.
		fnErr = t.Sync(ctx)
	}
	if t.lazy != nil && t.lazy.err != nil {
		// A held-back write of fn's failed when a later statement of fn
		// sent it: that failure is fn's, and the rollback below undoes it.
		fnErr = t.translateInTx(t.lazy.err)
		t.lazy.err = nil
	}
	if fnErr != nil {
		if retryable(fnErr) || errors.Is(fnErr, store.ErrUnavailable) || errors.Is(fnErr, context.Canceled) || errors.Is(fnErr, context.DeadlineExceeded) {
			return nil, fnErr // the transaction as a whole ends
		}
		if _, err := t.q.ExecContext(ctx, `ROLLBACK TO SAVEPOINT scimd_sp`); err != nil {
			return nil, t.translateInTx(err)
		}
	}
	// The savepoint is not released: that would cost a round trip and
	// free nothing before the commit (a released subtransaction stays in
	// the transaction until then, on PostgreSQL too). ROLLBACK TO names
	// the newest savepoint of the name, so the stack is harmless.
	return fnErr, nil
}
