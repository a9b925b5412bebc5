package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

// Webhook endpoints and their deliveries. A server works an endpoint under
// a lease it claims (SKIP LOCKED on PostgreSQL, like the mail outbox):
// while it holds it, it alone fans the endpoint's events out into
// deliveries and sends them, so two servers never send one event twice.

const (
	webhookColumns = `id, tenant_id, url, event_types, secret, prev_secret, prev_until, enabled, cursor_seq, failing_since,
		disabled_at, created_at`
	deliveryColumns = `d.id, d.webhook_id, d.tenant_id, d.seq, d.resource_id, d.state, d.attempts, d.next_attempt_at,
		d.last_status, d.created_at, d.delivered_at`
	attemptColumns = `id, delivery_id, at, status, latency_ms, error, response`
	// maxResponse bounds the response snippet kept with an attempt.
	maxResponse = 500
)

func scanWebhook(row scanRow) (store.Webhook, error) {
	var w store.Webhook
	var types string
	err := row.Scan(&w.ID, &w.TenantID, &w.URL, &types, &w.Secret, &w.PrevSecret, timePtrScan{&w.PrevUntil}, &w.Enabled,
		&w.Cursor, timePtrScan{&w.FailingSince}, timePtrScan{&w.DisabledAt}, timeScan{&w.CreatedAt})
	w.EventTypes = splitList(types)
	return w, err
}

func scanDelivery(row scanRow) (store.Delivery, error) {
	var d store.Delivery
	err := row.Scan(&d.ID, &d.WebhookID, &d.TenantID, &d.Sequence, &d.ResourceID, &d.State, &d.Attempts,
		timeScan{&d.NextAttemptAt}, &d.LastStatus, timeScan{&d.CreatedAt}, timePtrScan{&d.DeliveredAt})
	return d, err
}

func scanAttempt(row scanRow) (store.Attempt, error) {
	var a store.Attempt
	var ms int64
	err := row.Scan(&a.ID, &a.DeliveryID, timeScan{&a.At}, &a.Status, &ms, &a.Error, &a.Response)
	a.Latency = time.Duration(ms) * time.Millisecond
	return a, err
}

func (s *Store) optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.d.timeArg(*t)
}

// CreateWebhook stores an endpoint whose cursor is the tenant's last
// sequence number (the committed events numbered first): it receives the
// events committed after it.
func (s *Store) CreateWebhook(ctx context.Context, w *store.Webhook) error {
	w.ID = uuid.NewString()
	w.CreatedAt = s.now()
	w.Enabled = true
	w.FailingSince, w.DisabledAt = nil, nil
	var err error
	if w.Cursor, err = s.sequence(ctx, w.TenantID); err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (`+webhookColumns+`, lease_until)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, $10, $10)`,
			w.ID, w.TenantID, w.URL, strings.Join(w.EventTypes, ","), w.Secret, w.PrevSecret, s.optTime(w.PrevUntil), true,
			w.Cursor, s.d.timeArg(w.CreatedAt))
		return tenantGone(err)
	})
	if errors.Is(err, store.ErrTenantGone) {
		return store.ErrNotFound
	}
	return err
}

// ListWebhooks lists a tenant's endpoints, oldest first.
func (s *Store) ListWebhooks(ctx context.Context, tenantID string) ([]store.Webhook, error) {
	out, err := collect(ctx, s.db.DB, scanWebhook, `SELECT `+webhookColumns+` FROM webhooks WHERE tenant_id = $1
		ORDER BY created_at, id`, tenantID)
	return out, s.d.translate(err)
}

// GetWebhook loads one endpoint of the tenant.
func (s *Store) GetWebhook(ctx context.Context, tenantID, id string) (store.Webhook, error) {
	w, err := scanWebhook(s.db.DB.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE tenant_id = $1 AND id = $2`,
		tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, store.ErrNotFound
	}
	return w, s.d.translate(err)
}

// UpdateWebhook writes an endpoint's settings.
func (s *Store) UpdateWebhook(ctx context.Context, w store.Webhook) error {
	return s.d.translate(changedOne(s.db.DB.ExecContext(ctx, `UPDATE webhooks SET url = $1, event_types = $2, secret = $3,
		prev_secret = $4, prev_until = $5, enabled = $6,
		failing_since = CASE WHEN $6 THEN NULL ELSE failing_since END,
		disabled_at = CASE WHEN $6 THEN NULL ELSE disabled_at END
		WHERE tenant_id = $7 AND id = $8`, w.URL, strings.Join(w.EventTypes, ","), w.Secret, w.PrevSecret, s.optTime(w.PrevUntil),
		w.Enabled, w.TenantID, w.ID)))
}

// DeleteWebhook deletes an endpoint with its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, tenantID, id string) error {
	return s.d.translate(changedOne(s.db.DB.ExecContext(ctx, `DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2`, tenantID, id)))
}

// Deliveries lists an endpoint's deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, tenantID, webhookID string, limit int) ([]store.Delivery, error) {
	if limit <= 0 {
		limit = defaultEventsLimit
	}
	out, err := collect(ctx, s.db.DB, scanDelivery, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
		WHERE d.tenant_id = $1 AND d.webhook_id = $2 ORDER BY d.seq DESC LIMIT $3`, tenantID, webhookID, limit)
	return out, s.d.translate(err)
}

// Attempts lists a delivery's attempts, oldest first.
func (s *Store) Attempts(ctx context.Context, tenantID, deliveryID string) ([]store.Attempt, error) {
	out, err := collect(ctx, s.db.DB, scanAttempt, `SELECT `+attemptColumns+` FROM webhook_attempts
		WHERE delivery_id = (SELECT id FROM webhook_deliveries WHERE tenant_id = $1 AND id = $2) ORDER BY at, id`, tenantID, deliveryID)
	return out, s.d.translate(err)
}

// Resend makes a delivery pending and due now.
func (s *Store) Resend(ctx context.Context, tenantID, deliveryID string, now time.Time) error {
	return s.d.translate(changedOne(s.db.DB.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = $1
		WHERE tenant_id = $2 AND id = $3`, s.d.timeArg(now), tenantID, deliveryID)))
}

// ClaimWebhooks leases endpoints as ClaimMails claims mails.
func (s *Store) ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Webhook, error) {
	if limit <= 0 {
		return nil, nil
	}
	skip := ""
	if s.d.forUpdate != "" {
		skip = s.d.forUpdate + " SKIP LOCKED"
	}
	out, err := collect(ctx, s.db.DB, scanWebhook, `UPDATE webhooks SET lease_until = $1
		WHERE id IN (SELECT id FROM webhooks WHERE enabled = $2 AND lease_until <= $3 ORDER BY lease_until, id LIMIT $4`+skip+`)
		RETURNING `+webhookColumns, s.d.timeArg(now.Add(lease)), true, s.d.timeArg(now), limit)
	slices.SortFunc(out, func(a, b store.Webhook) int { return strings.Compare(a.ID, b.ID) })
	return out, s.d.translate(err)
}

// ReleaseWebhook makes an endpoint claimable again at at.
func (s *Store) ReleaseWebhook(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.DB.ExecContext(ctx, `UPDATE webhooks SET lease_until = $1 WHERE id = $2`, s.d.timeArg(at), id)
	return s.d.translate(err)
}

// Dispatch fans events after the cursor out into deliveries. The cursor
// moves only from the value read, so a second dispatcher (a lease that
// ran out) inserts nothing twice: deliveries are unique per endpoint and
// sequence.
func (s *Store) Dispatch(ctx context.Context, w store.Webhook, now time.Time, limit int) (int, int64, error) {
	var n int
	cursor := w.Cursor
	if _, err := s.sequence(ctx, w.TenantID); err != nil {
		return 0, cursor, err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n, cursor = 0, w.Cursor
		evs, err := collect(ctx, tx, func(row scanRow) ([3]any, error) {
			var seq int64
			var typ, res string
			err := row.Scan(&seq, &typ, &res)
			return [3]any{seq, typ, res}, err
		}, `SELECT seq, type, resource_id FROM events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
			w.TenantID, w.Cursor, limit)
		if err != nil || len(evs) == 0 {
			return err
		}
		n = len(evs)
		var values []string
		var args []any
		flush := func() error {
			if len(values) == 0 {
				return nil
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, tenant_id, seq, resource_id, state,
				attempts, next_attempt_at, last_status, created_at) VALUES `+strings.Join(values, ", ")+` ON CONFLICT DO NOTHING`, args...)
			values, args = values[:0], args[:0]
			return err
		}
		at := s.d.timeArg(now)
		for _, e := range evs {
			if len(w.EventTypes) > 0 && !slices.Contains(w.EventTypes, e[1].(string)) {
				continue
			}
			k := len(args)
			values = append(values, "($"+itoa(k+1)+", $"+itoa(k+2)+", $"+itoa(k+3)+", $"+itoa(k+4)+", $"+itoa(k+5)+
				", 'pending', 0, $"+itoa(k+6)+", 0, $"+itoa(k+6)+")")
			args = append(args, uuid.NewString(), w.ID, w.TenantID, e[0], e[2], at)
			if len(values) == eventsPerInsert {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		last := evs[len(evs)-1][0].(int64)
		_, err = tx.ExecContext(ctx, `UPDATE webhooks SET cursor_seq = $1 WHERE id = $2 AND cursor_seq = $3`, last, w.ID, w.Cursor)
		cursor = last
		return err
	})
	return n, cursor, err
}

// DueDeliveries returns an endpoint's due deliveries with their events.
// A delivery whose resource has an earlier pending one that is not due
// (it waits for a retry) waits too: deliveries keep their order per
// resource.
func (s *Store) DueDeliveries(ctx context.Context, webhookID string, now time.Time, limit int) ([]store.Delivery, error) {
	at := s.d.timeArg(now)
	out, err := collect(ctx, s.db.DB, func(row scanRow) (store.Delivery, error) {
		var d store.Delivery
		e := &store.Event{}
		err := row.Scan(&d.ID, &d.WebhookID, &d.TenantID, &d.Sequence, &d.ResourceID, &d.State, &d.Attempts,
			timeScan{&d.NextAttemptAt}, &d.LastStatus, timeScan{&d.CreatedAt}, timePtrScan{&d.DeliveredAt},
			&e.TenantID, &e.Sequence, &e.ID, &e.Type, timeScan{&e.At}, &e.ActorKind, &e.ActorID, &e.ActorName,
			&e.ResourceType, &e.ResourceID, &e.Data)
		d.Event = e
		return d, err
	}, `SELECT `+deliveryColumns+`, e.tenant_id, e.seq, e.id, e.type, e.at, e.actor_kind, e.actor_id, e.actor_name,
			e.resource_type, e.resource_id, e.data
		FROM webhook_deliveries d JOIN events e ON e.tenant_id = d.tenant_id AND e.seq = d.seq
		WHERE d.webhook_id = $1 AND d.state = 'pending' AND d.next_attempt_at <= $2
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.webhook_id = d.webhook_id AND p.state = 'pending'
			AND p.resource_id = d.resource_id AND p.seq < d.seq AND p.next_attempt_at > $2)
		ORDER BY d.seq LIMIT $3`, webhookID, at, limit)
	return out, s.d.translate(err)
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// RecordOutcomes records attempts and the endpoint's health.
func (s *Store) RecordOutcomes(ctx context.Context, webhookID string, now time.Time, outs []store.Outcome) (store.Webhook, error) {
	var w store.Webhook
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ok := false
		for _, o := range outs {
			a := o.Attempt
			if a.ID == "" {
				a.ID = uuid.NewString()
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts (`+attemptColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				a.ID, a.DeliveryID, s.d.timeArg(a.At), a.Status, a.Latency.Milliseconds(), cut(a.Error, maxResponse),
				cut(a.Response, maxResponse)); err != nil {
				return err
			}
			var err error
			switch {
			case o.Delivered:
				ok = true
				_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1,
					last_status = $1, delivered_at = $2 WHERE id = $3`, a.Status, s.d.timeArg(a.At), a.DeliveryID)
			case o.Next.IsZero():
				_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'failed', attempts = attempts + 1,
					last_status = $1 WHERE id = $2`, a.Status, a.DeliveryID)
			default:
				_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $1,
					next_attempt_at = $2 WHERE id = $3`, a.Status, s.d.timeArg(o.Next), a.DeliveryID)
			}
			if err != nil {
				return err
			}
		}
		var err error
		switch {
		case ok:
			_, err = tx.ExecContext(ctx, `UPDATE webhooks SET failing_since = NULL WHERE id = $1`, webhookID)
		case len(outs) > 0:
			_, err = tx.ExecContext(ctx, `UPDATE webhooks SET failing_since = $1 WHERE id = $2 AND failing_since IS NULL`,
				s.d.timeArg(now), webhookID)
		}
		if err != nil {
			return err
		}
		w, err = scanWebhook(tx.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, webhookID))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		return err
	})
	return w, err
}

// DisableWebhook disables an endpoint and queues mails, in one transaction.
func (s *Store) DisableWebhook(ctx context.Context, id string, at time.Time, mails []*store.Mail) error {
	return s.InTx(ctx, func(t store.Tx) error {
		tx := t.(*wtx)
		if err := changedOne(tx.q.ExecContext(ctx, `UPDATE webhooks SET enabled = $1, disabled_at = $2 WHERE id = $3 AND enabled = $4`,
			false, s.d.timeArg(at), id, true)); err != nil {
			return err
		}
		for _, m := range mails {
			if err := tx.QueueMail(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// AdminAddresses lists the userNames of users holding one of roles
// directly, not inactive, by userName.
func (s *Store) AdminAddresses(ctx context.Context, tenantID string, roles []string) ([]string, error) {
	if len(roles) == 0 {
		return nil, nil
	}
	args := []any{tenantID}
	ph := make([]string, len(roles))
	for i, r := range roles {
		args = append(args, r)
		ph[i] = "$" + itoa(i+2)
	}
	out, err := collect(ctx, s.db.DB, func(row scanRow) (string, error) {
		var v string
		return v, row.Scan(&v)
	}, `SELECT DISTINCT u.user_name FROM users u JOIN grants g ON g.tenant_id = u.tenant_id AND g.user_id = u.id
		WHERE u.tenant_id = $1 AND u.state <> 'inactive' AND g.role IN (`+strings.Join(ph, ", ")+`) ORDER BY u.user_name`, args...)
	return out, s.d.translate(err)
}
