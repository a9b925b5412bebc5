package account

import (
	"context"

	"github.com/scimd/scimd/store"
)

// administer runs fn in a transaction after checking that the actor holds
// perm at nodePath ("" for anywhere), then records the audit entry fn
// describes (action "" records nothing).
func (s *Service) administer(ctx context.Context, a Actor, tenantID, perm, nodePath, what string,
	fn func(tx store.Tx, au authority) (action, resourceType, resourceID string, c any, err error)) error {
	if err := checkTenant(a, tenantID); err != nil {
		return err
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return err
	}
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		au, err := s.authorityOf(ctx, tx, a, tenantID, cat)
		if err != nil {
			return err
		}
		if a.Kind == ActorIdP || a.Kind == ActorInvitee {
			return forbidden("%s is for the tenant's administrators, not for IdP connections", what)
		}
		if perm != "" {
			if err := au.require(perm, nodePath, what); err != nil {
				return err
			}
		}
		action, rt, rid, c, err := fn(tx, au)
		if err != nil || action == "" {
			return err
		}
		return s.audit(ctx, tx, a, tenantID, action, rt, rid, c)
	})
	s.forgetTenant(tenantID)
	return err
}
