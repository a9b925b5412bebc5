package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

// The change feed. A change's transaction inserts its events without a
// number (buffered, written in one statement when its function returns),
// which takes no lock: concurrent changes of one tenant do not wait on
// each other for the feed. Before anything reads a tenant's events, a
// sequencer step (sequence) numbers the committed ones that have none, in
// insertion order, under the tenant's event_seqs row: numbers are gap-free
// (a rolled-back event was never there), and a row committed after a
// reader saw number n is numbered after n, so a consumer paging after the
// last number it saw never misses one. Events of one resource keep their
// order: their changes hold the resource's row lock, so the later change
// inserts its events after the earlier one committed.

const (
	defaultEventsLimit = 100
	// eventsPerInsert bounds the rows of one INSERT (10 arguments each).
	eventsPerInsert = 500
)

const (
	eventColumns  = `tenant_id, seq, id, type, at, actor_kind, actor_id, actor_name, resource_type, resource_id, data`
	insertColumns = `tenant_id, id, type, at, actor_kind, actor_id, actor_name, resource_type, resource_id, data`
)

func scanEvent(row scanRow) (store.Event, error) {
	var e store.Event
	err := row.Scan(&e.TenantID, &e.Sequence, &e.ID, &e.Type, timeScan{&e.At}, &e.ActorKind, &e.ActorID, &e.ActorName,
		&e.ResourceType, &e.ResourceID, &e.Data)
	return e, err
}

// InsertEvent buffers an event (e.ID and e.At set when empty, empty Data
// stored as "{}"): flushEvents writes it, or on PostgreSQL the lazy
// transaction with its other held-back writes.
func (t *wtx) InsertEvent(_ context.Context, e *store.Event) error {
	if e.TenantID == "" || e.Type == "" {
		return store.ErrInvalid
	}
	if e.ID == "" {
		e.ID = uuid.NewString()
	}
	if e.At.IsZero() {
		e.At = t.s.now()
	}
	e.Data = orDefault(e.Data, "{}")
	e.Sequence = 0
	if t.lazy != nil {
		t.lazy.events = append(t.lazy.events, e)
		return nil
	}
	t.events = append(t.events, e)
	return nil
}

// flushEvents writes the buffered events, unnumbered, in their order.
func (t *wtx) flushEvents(ctx context.Context) error {
	es := t.events
	t.events = nil
	for start := 0; start < len(es); start += eventsPerInsert {
		values, args := eventValues(t.s, es[start:min(start+eventsPerInsert, len(es))], 0)
		if _, err := t.q.ExecContext(ctx, `INSERT INTO events (`+insertColumns+`) VALUES `+values, args...); err != nil {
			return t.translateInTx(tenantGone(err))
		}
	}
	return nil
}

// eventValues renders the VALUES rows of events, their placeholders
// numbered after base.
func eventValues(s *Store, es []*store.Event, base int) (string, []any) {
	values := make([]string, len(es))
	args := make([]any, 0, 10*len(es))
	for i, e := range es {
		n := base + len(args)
		ph := make([]string, 10)
		for j := range ph {
			ph[j] = "$" + itoa(n+j+1)
		}
		values[i] = "(" + strings.Join(ph, ", ") + ")"
		args = append(args, e.TenantID, e.ID, e.Type, s.d.timeArg(e.At), e.ActorKind, e.ActorID, e.ActorName,
			e.ResourceType, e.ResourceID, e.Data)
	}
	return strings.Join(values, ", "), args
}

// sequence numbers a tenant's committed events that have no number yet and
// returns the tenant's last number. A tenant with none waiting costs one
// indexed read.
func (s *Store) sequence(ctx context.Context, tenantID string) (int64, error) {
	var last int64
	var pending bool
	err := s.db.DB.QueryRowContext(ctx, `SELECT COALESCE((SELECT last_seq FROM event_seqs WHERE tenant_id = $1), 0),
		EXISTS (SELECT 1 FROM events WHERE tenant_id = $1 AND seq IS NULL)`, tenantID).Scan(&last, &pending)
	if err != nil || !pending {
		return last, s.d.translate(err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_seqs (tenant_id, last_seq) VALUES ($1, 0) ON CONFLICT (tenant_id) DO NOTHING`,
			tenantID); err != nil {
			return tenantGone(err)
		}
		// The tenant's counter row serialises numbering steps.
		if err := tx.QueryRowContext(ctx, `SELECT last_seq FROM event_seqs WHERE tenant_id = $1`+s.d.forUpdate, tenantID).Scan(&last); err != nil {
			return err
		}
		// The statement sees the rows committed before it began; those
		// committed later wait for the next step, and higher numbers.
		res, err := tx.ExecContext(ctx, `UPDATE events SET seq = $2 + n.rn
			FROM (SELECT ord, row_number() OVER (ORDER BY ord) AS rn FROM events WHERE tenant_id = $1 AND seq IS NULL) AS n
			WHERE events.ord = n.ord`, tenantID, last)
		if err != nil {
			return err
		}
		k, err := res.RowsAffected()
		if err != nil || k == 0 {
			return err
		}
		last += k
		_, err = tx.ExecContext(ctx, `UPDATE event_seqs SET last_seq = $1 WHERE tenant_id = $2`, last, tenantID)
		return err
	})
	if errors.Is(err, store.ErrTenantGone) {
		return 0, nil
	}
	return last, err
}

// Events lists a tenant's events after a sequence number, in order.
func (r rd) Events(ctx context.Context, tenantID string, after int64, limit int) ([]store.Event, error) {
	if limit <= 0 {
		limit = defaultEventsLimit
	}
	out, err := collect(ctx, r.q, scanEvent, `SELECT `+eventColumns+` FROM events WHERE tenant_id = $1 AND seq > $2
		ORDER BY seq LIMIT $3`, tenantID, after, limit)
	return out, r.translate(err)
}

// Events numbers the tenant's waiting events, then reads.
func (s *Store) Events(ctx context.Context, tenantID string, after int64, limit int) ([]store.Event, error) {
	if _, err := s.sequence(ctx, tenantID); err != nil {
		return nil, err
	}
	return s.Reader().(rd).Events(ctx, tenantID, after, limit)
}

// PurgeEvents deletes the events older than before, and the deliveries
// created before it (a pending one could not be sent without its event).
func (s *Store) PurgeEvents(ctx context.Context, before time.Time) (int, error) {
	if _, err := s.db.DB.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE created_at < $1`,
		s.d.timeArg(before)); err != nil {
		return 0, s.d.translate(err)
	}
	res, err := s.db.DB.ExecContext(ctx, `DELETE FROM events WHERE at < $1`, s.d.timeArg(before))
	if err != nil {
		return 0, s.d.translate(err)
	}
	n, err := res.RowsAffected()
	return int(n), s.d.translate(err)
}

const apiKeyColumns = `id, tenant_id, label, scopes, hash, created_at, revoked_at`

func scanAPIKey(row scanRow) (store.APIKey, error) {
	var k store.APIKey
	var scopes string
	err := row.Scan(&k.ID, &k.TenantID, &k.Label, &scopes, &k.Hash, timeScan{&k.CreatedAt}, timePtrScan{&k.RevokedAt})
	k.Scopes = splitList(scopes)
	return k, err
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// CreateAPIKey stores a key.
func (s *Store) CreateAPIKey(ctx context.Context, k store.APIKey) (store.APIKey, error) {
	k.ID = uuid.NewString()
	k.CreatedAt = s.now()
	k.RevokedAt = nil
	for _, sc := range k.Scopes {
		if sc == "" || strings.Contains(sc, ",") {
			return k, store.ErrInvalid
		}
	}
	_, err := s.db.DB.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, NULL)`,
		k.ID, k.TenantID, k.Label, strings.Join(k.Scopes, ","), k.Hash, s.d.timeArg(k.CreatedAt))
	if err = tenantGone(err); errors.Is(err, store.ErrTenantGone) {
		return k, store.ErrNotFound
	}
	return k, s.d.translate(err)
}

// APIKeyByHash finds a live key by its hash.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (store.APIKey, error) {
	k, err := scanAPIKey(s.db.DB.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1 AND revoked_at IS NULL`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return k, store.ErrNotFound
	}
	return k, s.d.translate(err)
}

// ListAPIKeys lists a tenant's keys, newest first (hashes included; the
// caller drops them).
func (s *Store) ListAPIKeys(ctx context.Context, tenantID string) ([]store.APIKey, error) {
	out, err := collect(ctx, s.db.DB, scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant_id = $1
		ORDER BY created_at DESC, id`, tenantID)
	return out, s.d.translate(err)
}

// RevokeAPIKey revokes a live key of the tenant.
func (s *Store) RevokeAPIKey(ctx context.Context, tenantID, id string, at time.Time) error {
	return s.d.translate(changedOne(s.db.DB.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $1
		WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL`, s.d.timeArg(at), tenantID, id)))
}
