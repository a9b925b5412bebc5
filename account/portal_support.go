package account

import (
	"context"
	"errors"
	"time"

	"github.com/scimd/scimd/store"
)

// ProvisioningActivity is the portal dashboard's recent activity of the
// tenant's IdP connections: the newest audit entries made over SCIM, at
// most limit. It reads a bounded window of the log (newest first), so its
// cost does not grow with the log.
func (s *Service) ProvisioningActivity(ctx context.Context, a Actor, tenantID string, limit int) ([]store.AuditEntry, error) {
	if err := s.requireRead(ctx, a, tenantID, PermAuditRead, "reading the audit log"); err != nil {
		return nil, err
	}
	const window = 500
	es, err := s.st.Reader().Audit(ctx, tenantID, store.AuditQuery{Limit: window})
	if err != nil {
		return nil, err
	}
	out := make([]store.AuditEntry, 0, limit)
	for _, e := range es {
		if e.ActorKind == string(ActorIdP) {
			out = append(out, e)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

// oidcLoginStore is the part of a store that holds the portal's sign-ins
// under way (sqlstore has it).
type oidcLoginStore interface {
	PutOIDCLogin(ctx context.Context, stateHash []byte, tenantID, data string, expires, now time.Time) error
	TakeOIDCLogin(ctx context.Context, stateHash []byte, now time.Time) (tenantID, data string, err error)
}

// CanHoldOIDCLogins reports whether the store holds the portal's sign-ins
// under way, so that any instance can finish a sign-in another started;
// without it the portal keeps them in memory.
func (s *Service) CanHoldOIDCLogins() bool {
	_, ok := s.st.(oidcLoginStore)
	return ok
}

// PutOIDCLogin stores a sign-in under way at a tenant's OpenID provider
// for ttl, keyed by the hash of its state; data is the portal's (the PKCE
// verifier, the nonce, where to go afterwards).
func (s *Service) PutOIDCLogin(ctx context.Context, state, tenantID, data string, ttl time.Duration) error {
	st, ok := s.st.(oidcLoginStore)
	if !ok {
		return errors.New("the store cannot hold sign-ins under way")
	}
	now := s.now()
	return st.PutOIDCLogin(ctx, HashSecret(state), tenantID, data, now.Add(ttl), now)
}

// TakeOIDCLogin takes the sign-in of a state, once: NotFound when it was
// taken already, expired or never started.
func (s *Service) TakeOIDCLogin(ctx context.Context, state string) (tenantID, data string, err error) {
	st, ok := s.st.(oidcLoginStore)
	if !ok {
		return "", "", errors.New("the store cannot hold sign-ins under way")
	}
	return st.TakeOIDCLogin(ctx, HashSecret(state), s.now())
}
