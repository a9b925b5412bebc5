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

// The change feed. Events are buffered by the transaction and written when
// its function returns, in one step: the tenant's counter row in
// event_seqs is bumped by the number of events (which locks it until
// commit), and the events are inserted with the numbers taken. A second
// transaction of the tenant waits on that row until the first commits, so
// numbers are gap-free (a rollback returns them) and ordered by commit: a
// reader that saw number n has seen every number below it. The lock is
// held only from the flush to the commit.

const (
	defaultEventsLimit = 100
	// eventsPerInsert bounds the rows of one INSERT (9 arguments each).
	eventsPerInsert = 500
)

const eventColumns = `tenant_id, seq, id, type, at, actor_kind, actor_id, actor_name, resource_type, resource_id, data`

func scanEvent(row scanRow) (store.Event, error) {
	var e store.Event
	err := row.Scan(&e.TenantID, &e.Sequence, &e.ID, &e.Type, timeScan{&e.At}, &e.ActorKind, &e.ActorID, &e.ActorName,
		&e.ResourceType, &e.ResourceID, &e.Data)
	return e, err
}

// InsertEvent buffers an event (e.ID and e.At set when empty, empty Data
// stored as "{}"); flushEvents numbers and writes it.
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
	t.events = append(t.events, e)
	return nil
}

// flushEvents numbers and writes the buffered events, tenant by tenant in
// the order of their first event.
func (t *wtx) flushEvents(ctx context.Context) error {
	if len(t.events) == 0 {
		return nil
	}
	var tenants []string
	by := map[string][]*store.Event{}
	for _, e := range t.events {
		if _, ok := by[e.TenantID]; !ok {
			tenants = append(tenants, e.TenantID)
		}
		by[e.TenantID] = append(by[e.TenantID], e)
	}
	t.events = nil
	for _, tenant := range tenants {
		if err := t.writeEvents(ctx, tenant, by[tenant]); err != nil {
			return t.translateInTx(tenantGone(err))
		}
	}
	return nil
}

// writeEvents numbers and inserts one tenant's events. On PostgreSQL the
// counter's bump and the first rows' insert are one statement (a data-
// modifying CTE), so an event costs the change no extra round trip when
// it has at most eventsPerInsert of them.
func (t *wtx) writeEvents(ctx context.Context, tenant string, es []*store.Event) error {
	n := int64(len(es))
	const upsert = `INSERT INTO event_seqs (tenant_id, last_seq) VALUES ($1, $2)
		ON CONFLICT (tenant_id) DO UPDATE SET last_seq = event_seqs.last_seq + excluded.last_seq RETURNING last_seq`
	var last int64
	rest := es
	if t.s.d.name == "postgres" {
		chunk := es[:min(eventsPerInsert, len(es))]
		rest = es[len(chunk):]
		values, args := eventValues(t, chunk, 2, func(i int) string { return itoa(i + 1) })
		args = append([]any{tenant, n}, args...)
		if err := t.q.QueryRowContext(ctx, `WITH s AS (`+upsert+`),
			ins AS (INSERT INTO events (`+eventColumns+`)
				SELECT v.tenant_id, s.last_seq - $2 + v.k, v.id, v.type, v.at, v.actor_kind, v.actor_id, v.actor_name,
					v.resource_type, v.resource_id, v.data
				FROM s, (VALUES `+strings.Join(values, ", ")+`)
				AS v(tenant_id, k, id, type, at, actor_kind, actor_id, actor_name, resource_type, resource_id, data))
			SELECT last_seq FROM s`, args...).Scan(&last); err != nil {
			return err
		}
	} else if err := t.q.QueryRowContext(ctx, upsert, tenant, n).Scan(&last); err != nil {
		return err
	}
	first := last - n + 1
	for i := range es {
		es[i].Sequence = first + int64(i)
	}
	for start := 0; start < len(rest); start += eventsPerInsert {
		chunk := rest[start:min(start+eventsPerInsert, len(rest))]
		values, args := eventValues(t, chunk, 0, nil)
		if _, err := t.q.ExecContext(ctx, `INSERT INTO events (`+eventColumns+`) VALUES `+strings.Join(values, ", "), args...); err != nil {
			return err
		}
	}
	return nil
}

// eventValues renders the VALUES rows of events, their placeholders
// numbered after base; seq, when set, is the SQL of the i-th row's
// position (a literal; else the row's Sequence is an argument).
func eventValues(t *wtx, es []*store.Event, base int, seq func(i int) string) ([]string, []any) {
	values := make([]string, len(es))
	args := make([]any, 0, 11*len(es))
	for i, e := range es {
		ph := make([]string, 0, 11)
		add := func(v any) {
			args = append(args, v)
			ph = append(ph, "$"+itoa(base+len(args)))
		}
		add(e.TenantID)
		if seq != nil {
			ph = append(ph, "CAST("+seq(i)+" AS BIGINT)")
		} else {
			add(e.Sequence)
		}
		add(e.ID)
		add(e.Type)
		add(t.s.d.timeArg(e.At))
		if seq != nil { // in VALUES the type is not the column's: say it
			ph[len(ph)-1] = "CAST(" + ph[len(ph)-1] + " AS TIMESTAMPTZ)"
		}
		for _, v := range []string{e.ActorKind, e.ActorID, e.ActorName, e.ResourceType, e.ResourceID, e.Data} {
			add(v)
		}
		values[i] = "(" + strings.Join(ph, ", ") + ")"
	}
	return values, args
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

// Events reads outside a transaction.
func (s *Store) Events(ctx context.Context, tenantID string, after int64, limit int) ([]store.Event, error) {
	return s.Reader().(rd).Events(ctx, tenantID, after, limit)
}

// PurgeEvents deletes the events older than before, and the deliveries
// created before it that are no longer pending.
func (s *Store) PurgeEvents(ctx context.Context, before time.Time) (int, error) {
	if _, err := s.db.DB.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE created_at < $1 AND state <> 'pending'`,
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
