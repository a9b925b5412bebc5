package store

import (
	"context"
	"time"
)

// Event is one entry of a tenant's change feed, written in the
// transaction of the change it tells of.
type Event struct {
	ID       string
	TenantID string
	Type     string
	// Sequence numbers a tenant's events from 1, without gaps: events
	// committed after one was numbered get higher numbers; a resource's
	// events are numbered in the order of its changes.
	Sequence                      int64
	At                            time.Time
	ActorKind, ActorID, ActorName string
	ResourceType, ResourceID      string
	// Data is a JSON object: the changed attributes with their new values.
	Data string
}

// APIKey lets a service read a tenant's feed. Only Hash is stored.
type APIKey struct {
	ID        string
	TenantID  string
	Label     string
	Scopes    []string
	Hash      []byte
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Webhook is an endpoint that receives a tenant's events.
type Webhook struct {
	ID       string
	TenantID string
	URL      string
	// EventTypes lists the types delivered; empty is every type.
	EventTypes []string
	// Secret signs deliveries (whsec_ + base64). During a rotation
	// PrevSecret signs them too, until PrevUntil.
	Secret     string
	PrevSecret string
	PrevUntil  *time.Time
	Enabled    bool
	// Cursor is the last sequence number fanned out into deliveries.
	Cursor int64
	// FailingSince is when deliveries started failing (nil while they
	// succeed); DisabledAt when the endpoint was disabled for it.
	FailingSince *time.Time
	DisabledAt   *time.Time
	CreatedAt    time.Time
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Delivery is one event to send to one endpoint.
type Delivery struct {
	ID            string
	WebhookID     string
	TenantID      string
	Sequence      int64
	ResourceID    string
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastStatus    int
	CreatedAt     time.Time
	DeliveredAt   *time.Time
	// Event is loaded with the deliveries a worker sends.
	Event *Event
}

// Attempt is one try of a delivery.
type Attempt struct {
	ID         string
	DeliveryID string
	At         time.Time
	// Status is the HTTP status answered, 0 when none was (Error says why).
	Status   int
	Latency  time.Duration
	Error    string
	Response string
}

// Outcome is the result of an attempt for a delivery: delivered, or due
// again at Next, or given up when Next is zero.
type Outcome struct {
	Attempt   Attempt
	Delivered bool
	Next      time.Time
}

// Feed reads and maintains the change feed and the credentials of the
// services that read it.
type Feed interface {
	// Events numbers the tenant's committed events that have no number
	// yet, then lists those with a sequence above after, in order, at most
	// limit (100 when zero).
	Events(ctx context.Context, tenantID string, after int64, limit int) ([]Event, error)
	// PurgeEvents deletes events (and deliveries) older than before, in
	// every tenant, and returns how many events.
	PurgeEvents(ctx context.Context, before time.Time) (int, error)

	// CreateAPIKey stores a key (ID and CreatedAt set); only its hash is kept.
	CreateAPIKey(ctx context.Context, k APIKey) (APIKey, error)
	// APIKeyByHash finds a live key; ErrNotFound if none or revoked.
	APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)
	ListAPIKeys(ctx context.Context, tenantID string) ([]APIKey, error)
	// RevokeAPIKey revokes a key; ErrNotFound if the tenant has none such.
	RevokeAPIKey(ctx context.Context, tenantID, id string, at time.Time) error
}

// Webhooks persists webhook endpoints and their deliveries.
type Webhooks interface {
	// CreateWebhook stores an endpoint (ID, CreatedAt, Enabled set); it
	// receives the events committed after it was created.
	CreateWebhook(ctx context.Context, w *Webhook) error
	ListWebhooks(ctx context.Context, tenantID string) ([]Webhook, error)
	GetWebhook(ctx context.Context, tenantID, id string) (Webhook, error)
	// UpdateWebhook writes URL, EventTypes, secrets and Enabled (enabling
	// clears FailingSince and DisabledAt).
	UpdateWebhook(ctx context.Context, w Webhook) error
	DeleteWebhook(ctx context.Context, tenantID, id string) error
	// Deliveries lists an endpoint's deliveries, newest first, at most limit.
	Deliveries(ctx context.Context, tenantID, webhookID string, limit int) ([]Delivery, error)
	// Attempts lists a delivery's attempts, oldest first.
	Attempts(ctx context.Context, tenantID, deliveryID string) ([]Attempt, error)
	// Resend makes a delivery pending and due at now again.
	Resend(ctx context.Context, tenantID, deliveryID string, now time.Time) error

	// ClaimWebhooks leases up to limit enabled endpoints whose lease ended
	// until now+lease; on PostgreSQL rows another claimer holds are
	// skipped (SKIP LOCKED), so two servers never work one endpoint.
	ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Webhook, error)
	// ReleaseWebhook ends a lease early (due again at at).
	ReleaseWebhook(ctx context.Context, id string, at time.Time) error
	// Dispatch turns up to limit events after the endpoint's cursor
	// (w.Cursor) into pending deliveries (those of its types) and moves
	// the cursor; it returns how many events it read and the new cursor.
	Dispatch(ctx context.Context, w Webhook, now time.Time, limit int) (n int, cursor int64, err error)
	// DueDeliveries returns up to limit pending deliveries of an endpoint
	// due at now, with their events, by sequence, leaving out those whose
	// resource has an earlier delivery waiting for a retry.
	DueDeliveries(ctx context.Context, webhookID string, now time.Time, limit int) ([]Delivery, error)
	// RecordOutcomes records attempts in one transaction and the
	// endpoint's health: FailingSince cleared when one succeeded, set when
	// all failed and it was clear. It returns the endpoint as written.
	RecordOutcomes(ctx context.Context, webhookID string, now time.Time, outs []Outcome) (Webhook, error)
	// DisableWebhook disables an endpoint and queues the mails in the
	// same transaction.
	DisableWebhook(ctx context.Context, id string, at time.Time, mails []*Mail) error
	// AdminAddresses lists the userNames of a tenant's users holding one
	// of roles directly, who are not inactive.
	AdminAddresses(ctx context.Context, tenantID string, roles []string) ([]string, error)
}
