package account

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/scimd/scimd/store"
)

// CreateUser creates a user: the record, its grants (from the roles
// attribute and the domain input), agent IDs, teams and voice settings,
// and the audit record, in one transaction. The password is checked and
// hashed first.
func (s *Service) CreateUser(ctx context.Context, a Actor, tenantID string, in UserInput) (*store.User, error) {
	return s.createUser(ctx, a, tenantID, in, nil)
}

// createUser is CreateUser; within, when not nil, runs last in the
// transaction (the import records the row's result and queues the
// password mail there, so that they commit with the user or not at all).
func (s *Service) createUser(ctx context.Context, a Actor, tenantID string, in UserInput, within func(tx store.Tx, u *store.User) error) (*store.User, error) {
	p, err := s.prepareUser(ctx, a, tenantID, in)
	if err != nil {
		return nil, err
	}
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		au, err := s.creatorAuthority(ctx, tx, a, tenantID, p.cat)
		if err != nil {
			return err
		}
		return s.insertUser(ctx, tx, au, p, within)
	})
	if err != nil {
		return nil, err
	}
	return p.u, nil
}

// preparedUser is a user to create, checked and with its password hashed
// (the work done before any transaction).
type preparedUser struct {
	a        Actor
	tenantID string
	cat      catalogue
	in       UserInput
	u        *store.User
}

// prepareUser does what creating a user needs before its transaction:
// the tenant, defaults, limits and the password's policy and hash.
func (s *Service) prepareUser(ctx context.Context, a Actor, tenantID string, in UserInput) (*preparedUser, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	tenant, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	u := in.User
	u.TenantID = tenantID
	if u.Source == "" {
		u.Source = sourceOf(a)
	}
	u.State = newState(u)
	addDefaults(u, tenant.Settings.DefaultEntitlements)
	if err := s.cfg.Limits.CheckUser(u); err != nil {
		return nil, err
	}
	if in.Password != nil {
		if u.PasswordHash, err = s.passwordFor(a, tenant, *in.Password); err != nil {
			return nil, err
		}
	}
	return &preparedUser{a: a, tenantID: tenantID, cat: cat, in: in, u: u}, nil
}

// creatorAuthority is the actor's authority, refused unless it may create
// users.
func (s *Service) creatorAuthority(ctx context.Context, tx store.Tx, a Actor, tenantID string, cat catalogue) (authority, error) {
	au, err := s.authorityOf(ctx, tx, a, tenantID, cat)
	if err != nil {
		return au, err
	}
	if au.actor.isMember() {
		if err := au.require(PermUsersManage, "", "creating users"); err != nil {
			return au, err
		}
	}
	return au, nil
}

// insertUser writes a prepared user, its domain parts and its audit
// record in tx, then runs within.
func (s *Service) insertUser(ctx context.Context, tx store.Tx, au authority, p *preparedUser, within func(tx store.Tx, u *store.User) error) error {
	u, tenantID := p.u, p.tenantID
	if err := tx.InsertUser(ctx, u); err != nil {
		return err
	}
	domainChanged, err := s.applyDomain(ctx, tx, au, userChange{tenantID: tenantID, user: u, rolesChanged: true}, p.in.Domain)
	if err != nil {
		return err
	}
	c := userChanges(nil, u)
	u.Domain = &store.Domain{} // a new user holds only what applyDomain gave it
	if domainChanged {
		if u.Domain, err = readDomain(ctx, tx, tenantID, u.ID); err != nil {
			return err
		}
		c = withDomain(c, nil, u.Domain)
	}
	if err := s.audit(ctx, tx, p.a, tenantID, ActUserCreated, "User", u.ID, c); err != nil {
		return err
	}
	if within != nil {
		return within(tx, u)
	}
	return nil
}

// sourceOf says where a user made by the actor comes from.
func sourceOf(a Actor) string {
	switch a.Kind {
	case ActorIdP:
		return store.SourceSCIM
	case ActorJob:
		return store.SourceImport
	}
	return store.SourcePortal
}

// newState is the lifecycle state of a new user: as given, else inactive
// when active is false, else active.
func newState(u *store.User) string {
	switch {
	case u.State != "":
		return u.State
	case u.Active != nil && !*u.Active:
		return store.StateInactive
	}
	return store.StateActive
}

// addDefaults adds the tenant's default entitlements a user lacks (seed
// 000: the dashboards every new user gets).
func addDefaults(u *store.User, defaults []string) bool {
	added := false
	for _, d := range defaults {
		if slices.ContainsFunc(u.Values["entitlements"], func(v store.Value) bool { return strings.EqualFold(v.Value, d) }) {
			continue
		}
		if u.Values == nil {
			u.Values = map[string][]store.Value{}
		}
		u.Values["entitlements"] = append(u.Values["entitlements"], store.Value{Value: d})
		added = true
	}
	return added
}

// passwordFor checks a new password against the policy and hashes it. A
// password an IdP pushes follows the IdP's own policy unless the tenant
// enforces its policy for SCIM too.
func (s *Service) passwordFor(a Actor, t store.Tenant, pw string) (string, error) {
	if pw != "" && (a.Kind != ActorIdP || t.Settings.EnforceSCIMPasswordPolicy) {
		if err := CheckPassword(pw); err != nil {
			return "", err
		}
	}
	return s.hashPassword(pw)
}

// UpdateUser changes a user to what compute makes of it. compute runs
// outside the write transaction and may run more than once (a concurrent
// write makes it start again): it must be pure. expect is the If-Match
// precondition.
func (s *Service) UpdateUser(ctx context.Context, a Actor, tenantID, id string, expect Expect,
	compute func(old *store.User) (UserInput, error)) (*store.User, error) {
	return s.updateUser(ctx, a, tenantID, id, expect, compute, false)
}

// updateUser is UpdateUser; repair also recomputes the grants of the
// roles attribute when it did not change.
func (s *Service) updateUser(ctx context.Context, a Actor, tenantID, id string, expect Expect,
	compute func(old *store.User) (UserInput, error), repair bool) (*store.User, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	tenant, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	hashes := &hashMemo{}
	var u *store.User
	var in UserInput
	err = store.UpdateUser(ctx, s.st, tenantID, id, store.Update{
		Load: store.LoadValues | store.LoadAddresses | store.LoadDomain,
		Compute: func(old *store.User) (bool, error) {
			if err := expect.check(old.Meta.Version); err != nil {
				return false, err
			}
			var err error
			if in, err = compute(store.CloneUser(old)); err != nil {
				return false, err
			}
			nu := in.User
			carry(old, nu)
			if in.Password != nil {
				if nu.PasswordHash, err = hashes.hash(*in.Password, func(pw string) (string, error) {
					return s.passwordFor(a, tenant, pw)
				}); err != nil {
					return false, err
				}
			}
			if err := s.cfg.Limits.CheckUser(nu); err != nil {
				return false, err
			}
			u = nu
			if store.SameUser(nu, old) && !in.Domain.sets() && !repair {
				u = old
				return false, nil
			}
			return true, nil
		},
		Write: func(ctx context.Context, tx store.Tx, old *store.User) error {
			au, err := s.authorityOf(ctx, tx, a, tenantID, cat)
			if err != nil {
				return err
			}
			deprovision := a.Kind == ActorIdP && onlyDeactivates(old, u)
			if !deprovision {
				if err := s.guardTarget(ctx, tx, au, tenantID, id, "changing"); err != nil {
					return err
				}
			}
			rolesChanged := repair || !store.SameValues(old.Values["roles"], u.Values["roles"])
			domainChanged, err := s.applyDomain(ctx, tx, au, userChange{tenantID: tenantID, user: u, old: old.Domain,
				rolesChanged: rolesChanged}, in.Domain)
			if err != nil {
				return err
			}
			if store.SameUser(old, u) && !domainChanged && !repair {
				u = old // the domain parts given were what is stored
				return nil
			}
			if err := tx.WriteUser(ctx, old, u); err != nil {
				return err
			}
			if u.State == store.StateInactive && old.State != store.StateInactive {
				if err := tx.DeleteUserSessions(ctx, tenantID, id); err != nil {
					return err
				}
			}
			action := ActUserUpdated
			switch {
			case repair:
				action = ActUserRepaired
			case u.State == store.StateInactive && old.State != store.StateInactive:
				action = ActUserDeactivated
			case old.State == store.StateInactive && u.State != store.StateInactive:
				action = ActUserReactivated
			}
			c := userChanges(old, u)
			if domainChanged {
				nd, err := readDomain(ctx, tx, tenantID, id)
				if err != nil {
					return err
				}
				c = withDomain(c, old.Domain, nd)
			}
			if err := s.audit(ctx, tx, a, tenantID, action, "User", id, c); err != nil {
				return err
			}
			if _, granted := c["grants"]; granted && !repair {
				return s.accessChanged(ctx, tx, a, tenantID, id, "grants")
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// carry keeps in nu what no edge's input carries (where the user came
// from, the OpenID subject, the password unless a new one is set) and
// works out the lifecycle state: active=false makes a user inactive;
// active=true makes an inactive one active again; otherwise the state
// stays, unless the caller set one.
func carry(old, nu *store.User) {
	nu.ID, nu.TenantID, nu.Meta, nu.Groups = old.ID, old.TenantID, old.Meta, old.Groups
	nu.Source, nu.OIDCSubject, nu.LastLoginAt = old.Source, old.OIDCSubject, old.LastLoginAt
	if nu.PasswordHash == "" {
		nu.PasswordHash = old.PasswordHash
	}
	switch {
	case nu.State != "" && nu.State != old.State:
	case nu.Active != nil && !*nu.Active:
		nu.State = store.StateInactive
	case old.State == store.StateInactive && nu.Active != nil && *nu.Active:
		nu.State = store.StateActive
	default:
		nu.State = old.State
	}
	if nu.State == store.StateInactive {
		f := false
		nu.Active = &f
	} else if nu.Active != nil && !*nu.Active {
		t := true
		nu.Active = &t
	}
}

// onlyDeactivates reports whether a change does nothing but deactivate a
// user: deprovisioning, which no guardrail may block (a leaver must lose
// access).
func onlyDeactivates(old, u *store.User) bool {
	if u.State != store.StateInactive || old.State == store.StateInactive {
		return false
	}
	o := store.CloneUser(old)
	o.State, o.Active = u.State, u.Active
	return store.SameUser(o, u)
}

// guardTarget refuses a change to a user the actor may not manage.
func (s *Service) guardTarget(ctx context.Context, r store.Reader, au authority, tenantID, id, what string) error {
	if au.level == levelOwner && !au.actor.isMember() {
		return nil // nothing to check: the operator and owner-level tokens manage everyone
	}
	grants, err := r.EffectiveGrants(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if au.actor.isMember() && au.actor.member() == id {
		t := targetOf(tenantID, grants)
		if t.owner || au.level >= levelAdmin {
			return nil // one's own record
		}
	}
	return au.canManage(targetOf(tenantID, grants), what)
}

// hashMemo hashes each distinct password once across the retries of an
// update: bcrypt takes tens of milliseconds.
type hashMemo struct {
	mu sync.Mutex
	m  map[string]string
}

func (h *hashMemo) hash(pw string, fn func(string) (string, error)) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if v, ok := h.m[pw]; ok {
		return v, nil
	}
	v, err := fn(pw)
	if err != nil {
		return "", err
	}
	if h.m == nil {
		h.m = map[string]string{}
	}
	h.m[pw] = v
	return v, nil
}

// DeleteUser deletes a user. The Owner cannot be deleted (transfer
// ownership first); its agent IDs, numbers, extension and team seats are
// released.
func (s *Service) DeleteUser(ctx context.Context, a Actor, tenantID, id string, expect Expect) error {
	if err := checkTenant(a, tenantID); err != nil {
		return err
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return err
	}
	return s.st.InTx(ctx, func(tx store.Tx) error {
		v, err := tx.LockUser(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if err := expect.check(v); err != nil {
			return err
		}
		owner, err := tx.Owner(ctx, tenantID)
		if err != nil {
			return err
		}
		if owner == id {
			return conflict("owner", id, "the Owner cannot be deleted: transfer ownership first (in the portal, or scimd admin transfer-owner)")
		}
		au, err := s.authorityOf(ctx, tx, a, tenantID, cat)
		if err != nil {
			return err
		}
		if err := s.guardTarget(ctx, tx, au, tenantID, id, "deleting"); err != nil {
			return err
		}
		u, err := tx.GetUser(ctx, tenantID, id, store.LoadValues)
		if err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, tenantID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, tenantID, ActUserDeleted, "User", id, changes{"userName": {Before: u.UserName}})
	})
}

// Deactivate makes a user Inactive, keeping every piece of its data, and
// ends its sessions.
func (s *Service) Deactivate(ctx context.Context, a Actor, tenantID, id string) (*store.User, error) {
	return s.UpdateUser(ctx, a, tenantID, id, AnyVersion, func(u *store.User) (UserInput, error) {
		u.State = store.StateInactive
		return UserInput{User: u}, nil
	})
}

// Reactivate makes an Inactive user Active again, with all its data.
func (s *Service) Reactivate(ctx context.Context, a Actor, tenantID, id string) (*store.User, error) {
	return s.UpdateUser(ctx, a, tenantID, id, AnyVersion, func(u *store.User) (UserInput, error) {
		if u.State != store.StateInactive {
			return UserInput{}, invalid("state", "the user is %s, not inactive", u.State)
		}
		u.State = store.StateActive
		t := true
		u.Active = &t
		return UserInput{User: u}, nil
	})
}

// Repair re-applies the tenant's default entitlements and recomputes the
// user's access from its roles (seed 000's "repair user"). Repairing twice
// changes nothing more than repairing once.
func (s *Service) Repair(ctx context.Context, a Actor, tenantID, id string) (*store.User, error) {
	tenant, _, err := s.tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return s.updateUser(ctx, a, tenantID, id, AnyVersion, func(u *store.User) (UserInput, error) {
		addDefaults(u, tenant.Settings.DefaultEntitlements)
		return UserInput{User: u}, nil
	}, true)
}

// sets reports whether a domain input changes anything.
func (d *DomainInput) sets() bool {
	return d != nil && (d.Grants != nil || d.AgentIDs != nil || d.Teams != nil || d.SetVoice)
}
