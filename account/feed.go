package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/scimd/scimd/store"
)

// API keys let a tenant's services read its change feed.
const (
	// APIKeyPrefix marks API keys (and tells them from IdP tokens).
	APIKeyPrefix = "scimd_ak_"
	// ScopeEventsRead reads GET /api/v1/events.
	ScopeEventsRead = "events:read"
	// ActorAPIKey is a service authenticated by an API key.
	ActorAPIKey ActorKind = "apikey"
	// WebhookSecretPrefix starts a webhook signing secret (Standard Webhooks).
	WebhookSecretPrefix = "whsec_"
	// SecretOverlap is how long a rotated-out webhook secret still signs.
	SecretOverlap = 24 * time.Hour
	// DefaultEventsRetention is how long events are kept.
	DefaultEventsRetention = 30 * 24 * time.Hour
)

// Scopes lists the scopes an API key may carry.
var Scopes = []string{ScopeEventsRead}

// NewAPIKey returns a fresh API key and the hash to store for it.
func NewAPIKey() (key string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	key = APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return key, HashToken(key)
}

// NewWebhookSecret returns a signing secret: whsec_ and 24 random bytes in
// base64, as Standard Webhooks' libraries expect.
func NewWebhookSecret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// feedAdmin checks who may manage API keys and webhooks or read the feed:
// the operator, and members holding perm. IdP connections may not.
func (s *Service) feedAdmin(ctx context.Context, a Actor, tenantID, perm, what string) error {
	if err := checkTenant(a, tenantID); err != nil {
		return err
	}
	switch {
	case a.Kind == ActorOperator:
		return nil
	case a.isMember():
		return s.requireRead(ctx, a, tenantID, perm, what)
	}
	return forbidden("%s is for the tenant's administrators", what)
}

// CreateAPIKey creates an API key with scopes; the key is returned once,
// only its hash is stored.
func (s *Service) CreateAPIKey(ctx context.Context, a Actor, tenantID, label string, scopes []string) (string, store.APIKey, error) {
	if err := s.feedAdmin(ctx, a, tenantID, PermTokensManage, "creating API keys"); err != nil {
		return "", store.APIKey{}, err
	}
	if len(scopes) == 0 {
		return "", store.APIKey{}, invalid("scope", "name a scope: %s", strings.Join(Scopes, ", "))
	}
	for _, sc := range scopes {
		if !slices.Contains(Scopes, sc) {
			return "", store.APIKey{}, invalid("scope", "unknown scope %q: the scopes are %s", sc, strings.Join(Scopes, ", "))
		}
	}
	if label = strings.TrimSpace(label); len(label) > 200 {
		return "", store.APIKey{}, invalid("label", "a label has at most 200 characters")
	}
	plain, hash := NewAPIKey()
	k, err := s.st.CreateAPIKey(ctx, store.APIKey{TenantID: tenantID, Label: label, Scopes: slices.Compact(slices.Sorted(slices.Values(scopes))), Hash: hash})
	if err != nil {
		return "", k, err
	}
	s.auditAlone(ctx, a, tenantID, "apikey.created", "APIKey", k.ID, changes{"label": {After: label}, "scopes": {After: k.Scopes}})
	k.Hash = nil
	return plain, k, nil
}

// APIKeyActor authenticates an API key that carries scope.
func (s *Service) APIKeyActor(ctx context.Context, key, scope, requestID string) (Actor, error) {
	if !strings.HasPrefix(key, APIKeyPrefix) {
		return Actor{}, &Error{Kind: Unauthenticated, Message: "not an API key"}
	}
	k, err := s.st.APIKeyByHash(ctx, HashToken(key))
	if err != nil {
		if KindOf(err) == NotFound {
			return Actor{}, &Error{Kind: Unauthenticated, Message: "unknown or revoked API key", Err: err}
		}
		return Actor{}, err
	}
	if !slices.Contains(k.Scopes, scope) {
		return Actor{}, forbidden("this API key lacks the scope %s", scope)
	}
	return Actor{Kind: ActorAPIKey, ID: k.ID, Name: k.Label, TenantID: k.TenantID, RequestID: requestID}, nil
}

// APIKeys lists a tenant's API keys (without hashes); RevokeAPIKey revokes one.
func (s *Service) APIKeys(ctx context.Context, a Actor, tenantID string) ([]store.APIKey, error) {
	if err := s.feedAdmin(ctx, a, tenantID, PermTokensManage, "listing API keys"); err != nil {
		return nil, err
	}
	ks, err := s.st.ListAPIKeys(ctx, tenantID)
	for i := range ks {
		ks[i].Hash = nil
	}
	return ks, err
}

func (s *Service) RevokeAPIKey(ctx context.Context, a Actor, tenantID, id string) error {
	if err := s.feedAdmin(ctx, a, tenantID, PermTokensManage, "revoking API keys"); err != nil {
		return err
	}
	if err := s.st.RevokeAPIKey(ctx, tenantID, id, s.now()); err != nil {
		return err
	}
	s.auditAlone(ctx, a, tenantID, "apikey.revoked", "APIKey", id, nil)
	return nil
}

// Events pages a tenant's feed after a sequence number. API keys with
// events:read and members with audit.read may read it.
func (s *Service) Events(ctx context.Context, a Actor, tenantID string, after int64, limit int) ([]store.Event, error) {
	if a.Kind != ActorAPIKey || a.TenantID != tenantID {
		if err := s.feedAdmin(ctx, a, tenantID, PermAuditRead, "reading the change feed"); err != nil {
			return nil, err
		}
	}
	if after < 0 {
		return nil, invalid("after", "after is a sequence number, 0 or more")
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return s.st.Events(ctx, tenantID, after, limit)
}

// PurgeEvents deletes events older than the retention.
func (s *Service) PurgeEvents(ctx context.Context, retention time.Duration) (int, error) {
	return s.st.PurgeEvents(ctx, s.now().Add(-retention))
}

// WebhookInput is an endpoint to create or the changes to one.
type WebhookInput struct {
	URL        *string
	EventTypes *[]string
	Enabled    *bool
	// RotateSecret gives the endpoint a new secret; the old one signs
	// too for SecretOverlap.
	RotateSecret bool
}

func checkWebhook(in WebhookInput) error {
	if in.URL != nil {
		u, err := url.Parse(*in.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(*in.URL) > 2000 {
			return invalid("url", "the URL must be an absolute http or https URL without credentials, such as https://example.com/hooks/scimd")
		}
	}
	if in.EventTypes != nil {
		for _, t := range *in.EventTypes {
			if !slices.Contains(EventTypes, t) {
				return invalid("events", "unknown event type %q: the types are %s", t, strings.Join(EventTypes, ", "))
			}
		}
	}
	return nil
}

// CreateWebhook adds an endpoint; the result carries its secret, shown once.
func (s *Service) CreateWebhook(ctx context.Context, a Actor, tenantID string, in WebhookInput) (store.Webhook, error) {
	if err := s.feedAdmin(ctx, a, tenantID, PermTokensManage, "managing webhooks"); err != nil {
		return store.Webhook{}, err
	}
	if in.URL == nil {
		return store.Webhook{}, invalid("url", "give the endpoint's URL")
	}
	if err := checkWebhook(in); err != nil {
		return store.Webhook{}, err
	}
	w := store.Webhook{TenantID: tenantID, URL: *in.URL, Secret: NewWebhookSecret()}
	if in.EventTypes != nil {
		w.EventTypes = slices.Compact(slices.Sorted(slices.Values(*in.EventTypes)))
	}
	if err := s.st.CreateWebhook(ctx, &w); err != nil {
		return w, err
	}
	s.auditAlone(ctx, a, tenantID, "webhook.created", "Webhook", w.ID, changes{"url": {After: w.URL}, "events": {After: w.EventTypes}})
	return w, nil
}

// Webhooks lists a tenant's endpoints, their secrets left out.
func (s *Service) Webhooks(ctx context.Context, a Actor, tenantID string) ([]store.Webhook, error) {
	if err := s.feedAdmin(ctx, a, tenantID, PermTokensManage, "listing webhooks"); err != nil {
		return nil, err
	}
	ws, err := s.st.ListWebhooks(ctx, tenantID)
	for i := range ws {
		ws[i].Secret, ws[i].PrevSecret = "", ""
	}
	return ws, err
}

// Webhook reads one endpoint, its secrets left out.
func (s *Service) Webhook(ctx context.Context, a Actor, tenantID, id string) (store.Webhook, error) {
	if err := s.feedAdmin(ctx, a, tenantID, PermTokensManage, "reading webhooks"); err != nil {
		return store.Webhook{}, err
	}
	w, err := s.st.GetWebhook(ctx, tenantID, id)
	w.Secret, w.PrevSecret = "", ""
	return w, err
}

// UpdateWebhook changes an endpoint; with RotateSecret the result carries
// the new secret (shown once).
func (s *Service) UpdateWebhook(ctx context.Context, a Actor, tenantID, id string, in WebhookInput) (store.Webhook, error) {
	if err := s.feedAdmin(ctx, a, tenantID, PermTokensManage, "managing webhooks"); err != nil {
		return store.Webhook{}, err
	}
	if err := checkWebhook(in); err != nil {
		return store.Webhook{}, err
	}
	w, err := s.st.GetWebhook(ctx, tenantID, id)
	if err != nil {
		return w, err
	}
	c := changes{}
	if in.URL != nil {
		c.set("url", w.URL, *in.URL)
		w.URL = *in.URL
	}
	if in.EventTypes != nil {
		types := slices.Compact(slices.Sorted(slices.Values(*in.EventTypes)))
		c.set("events", w.EventTypes, types)
		w.EventTypes = types
	}
	if in.Enabled != nil {
		c.set("enabled", w.Enabled, *in.Enabled)
		w.Enabled = *in.Enabled
	}
	if in.RotateSecret {
		until := s.now().Add(SecretOverlap)
		w.PrevSecret, w.PrevUntil, w.Secret = w.Secret, &until, NewWebhookSecret()
		c["secret"] = change{After: redacted}
	}
	if err := s.st.UpdateWebhook(ctx, w); err != nil {
		return w, err
	}
	s.auditAlone(ctx, a, tenantID, "webhook.updated", "Webhook", id, c)
	if !in.RotateSecret {
		w.Secret = ""
	}
	w.PrevSecret = ""
	return w, nil
}

// DeleteWebhook removes an endpoint with its deliveries.
func (s *Service) DeleteWebhook(ctx context.Context, a Actor, tenantID, id string) error {
	if err := s.feedAdmin(ctx, a, tenantID, PermTokensManage, "managing webhooks"); err != nil {
		return err
	}
	if err := s.st.DeleteWebhook(ctx, tenantID, id); err != nil {
		return err
	}
	s.auditAlone(ctx, a, tenantID, "webhook.deleted", "Webhook", id, nil)
	return nil
}

// Deliveries lists an endpoint's latest deliveries.
func (s *Service) Deliveries(ctx context.Context, a Actor, tenantID, webhookID string, limit int) ([]store.Delivery, error) {
	if err := s.feedAdmin(ctx, a, tenantID, PermTokensManage, "reading webhook deliveries"); err != nil {
		return nil, err
	}
	if _, err := s.st.GetWebhook(ctx, tenantID, webhookID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return s.st.Deliveries(ctx, tenantID, webhookID, limit)
}

// Attempts lists a delivery's attempts.
func (s *Service) Attempts(ctx context.Context, a Actor, tenantID, deliveryID string) ([]store.Attempt, error) {
	if err := s.feedAdmin(ctx, a, tenantID, PermTokensManage, "reading webhook deliveries"); err != nil {
		return nil, err
	}
	return s.st.Attempts(ctx, tenantID, deliveryID)
}

// Resend sends a delivery again, now.
func (s *Service) Resend(ctx context.Context, a Actor, tenantID, deliveryID string) error {
	if err := s.feedAdmin(ctx, a, tenantID, PermTokensManage, "resending webhook deliveries"); err != nil {
		return err
	}
	if err := s.st.Resend(ctx, tenantID, deliveryID, s.now()); err != nil {
		return err
	}
	s.auditAlone(ctx, a, tenantID, "webhook.resent", "Delivery", deliveryID, nil)
	return nil
}

// WebhookAdmins are the addresses told when an endpoint is disabled: the
// Owner and the Admins.
func (s *Service) WebhookAdmins(ctx context.Context, tenantID string) ([]string, error) {
	return s.st.AdminAddresses(ctx, tenantID, []string{RoleOwner, RoleAdmin})
}
