package account

import (
	"context"

	"github.com/scimd/scimd/store"
)

// FormerOwner says what becomes of the Owner when ownership passes on
// (seed 001): the roles it keeps (at the master account), or deletion.
type FormerOwner struct {
	Roles  []string
	Delete bool
}

// TransferOwner passes ownership to another active user of the tenant, in
// one transaction with what becomes of the former Owner. Only the Owner may
// do it; the operator may while the Owner is inactive (or there is none).
// Two transfers at once make one Owner: the tenant is locked, and a unique
// index admits one owner grant per tenant.
func (s *Service) TransferOwner(ctx context.Context, a Actor, tenantID, toUserID string, former FormerOwner) error {
	if err := checkTenant(a, tenantID); err != nil {
		return err
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return err
	}
	if a.Kind == ActorIdP || a.Kind == ActorJob || a.Kind == ActorInvitee {
		return forbidden("ownership passes on in the portal, by the Owner, or on the command line (scimd admin transfer-owner)")
	}
	var keep []store.Grant
	for _, name := range former.Roles {
		r, ok := cat.byName(name)
		if !ok {
			return invalid("roles", "%q is not a role of this tenant; its roles are: %s", name, cat.names())
		}
		if r.Key == RoleOwner {
			return invalid("roles", "the former Owner cannot stay Owner")
		}
		keep = append(keep, store.Grant{Role: r.Key, NodeID: tenantID})
	}
	return s.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.LockTenant(ctx, tenantID); err != nil {
			return err
		}
		owner, err := tx.Owner(ctx, tenantID)
		if err != nil {
			return err
		}
		switch {
		case a.Kind == ActorMember && a.ID != owner:
			return forbidden("only the Owner can pass ownership on")
		case a.Kind == ActorOperator && owner != "":
			cur, err := tx.GetUser(ctx, tenantID, owner, 0)
			if err != nil {
				return err
			}
			if cur.State != store.StateInactive {
				return forbidden("the Owner (%s) is active: only they can pass ownership on, in the portal", cur.UserName)
			}
		}
		if toUserID == owner {
			return invalid("userId", "that user is the Owner already")
		}
		to, err := tx.GetUser(ctx, tenantID, toUserID, 0)
		if err != nil {
			if KindOf(err) == NotFound {
				return invalid("userId", "no user %q in this tenant", toUserID)
			}
			return err
		}
		if to.State != store.StateActive {
			return invalid("userId", "%s is %s: ownership can pass only to an active user", to.UserName, to.State)
		}
		if owner != "" {
			if _, err := tx.RemoveGrants(ctx, tenantID, owner, "", RoleOwner, ""); err != nil {
				return err
			}
		}
		if err := tx.AddGrant(ctx, &store.Grant{TenantID: tenantID, Role: RoleOwner, NodeID: tenantID, UserID: toUserID, Source: store.GrantDirect}); err != nil {
			if KindOf(err) == Conflict {
				return conflict("owner", "", "the tenant has an Owner already")
			}
			return err
		}
		if owner != "" {
			if former.Delete {
				if err := tx.DeleteUser(ctx, tenantID, owner); err != nil {
					return err
				}
			} else {
				if _, err := tx.RemoveGrants(ctx, tenantID, owner, "", "", store.GrantDirect); err != nil {
					return err
				}
				for _, g := range keep {
					g.TenantID, g.UserID, g.Source = tenantID, owner, store.GrantDirect
					if err := tx.AddGrant(ctx, &g); err != nil {
						return err
					}
				}
			}
		}
		return s.audit(ctx, tx, a, tenantID, ActOwnerTransferred, "User", toUserID,
			changes{"owner": {Before: nilIfEmpty(owner), After: toUserID}, "formerOwnerDeleted": {After: former.Delete}})
	})
}

// TransferOwnerByEmail is TransferOwner to the user with this login.
func (s *Service) TransferOwnerByEmail(ctx context.Context, a Actor, tenantID, email string, former FormerOwner) error {
	u, err := s.st.Reader().FindUser(ctx, tenantID, email)
	if err != nil {
		if KindOf(err) == NotFound {
			return invalid("email", "no user with login %q in this tenant", email)
		}
		return err
	}
	return s.TransferOwner(ctx, a, tenantID, u.ID, former)
}
