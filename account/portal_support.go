package account

import (
	"context"

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
