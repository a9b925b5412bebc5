package account

import (
	"context"
	"slices"
	"strings"

	"github.com/scimd/scimd/store"
)

// CreateGroup creates a group with its members, grants and team link.
func (s *Service) CreateGroup(ctx context.Context, a Actor, tenantID string, in GroupInput) (*store.Group, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Limits.CheckGroup(in.Group); err != nil {
		return nil, err
	}
	g := in.Group
	g.TenantID = tenantID
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		au, err := s.authorityOf(ctx, tx, a, tenantID, cat)
		if err != nil {
			return err
		}
		if au.actor.isMember() {
			if err := au.require(PermUsersManage, "", "creating groups"); err != nil {
				return err
			}
		}
		if err := tx.InsertGroup(ctx, g); err != nil {
			return err
		}
		if _, err := s.applyGroupDomain(ctx, tx, au, g, nil, in.Domain); err != nil {
			return err
		}
		c := changes{"displayName": {After: g.DisplayName}}
		if len(g.Members) > 0 {
			c["members"] = change{After: memberIDs(g.Members)}
		}
		return s.audit(ctx, tx, a, tenantID, ActGroupCreated, "Group", g.ID, c)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

func memberIDs(ms []store.Member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// UpdateGroup changes a group's attributes (what compute makes of them)
// and applies member operations, holding the group's row lock: compute
// must be quick and pure (it only moves attribute values). A nil compute
// leaves the attributes alone.
func (s *Service) UpdateGroup(ctx context.Context, a Actor, tenantID, id string, expect Expect,
	compute func(old *store.Group) (GroupInput, error), ops []MemberOp) (*store.Group, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var result *store.Group
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		old, err := tx.LockGroup(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if err := expect.check(old.Meta.Version); err != nil {
			return err
		}
		au, err := s.authorityOf(ctx, tx, a, tenantID, cat)
		if err != nil {
			return err
		}
		g := *old
		var in GroupInput
		domainChanged := false
		var oldDomain *store.GroupDomain
		if compute != nil {
			full, err := tx.GetGroup(ctx, tenantID, id, store.LoadDomain)
			if err != nil {
				return err
			}
			oldDomain = full.Domain
			if in, err = compute(full); err != nil {
				return err
			}
			if in.Group != nil {
				g.DisplayName, g.ExternalID = in.Group.DisplayName, in.Group.ExternalID
			}
			if err := s.cfg.Limits.CheckGroup(&g); err != nil {
				return err
			}
			if domainChanged, err = s.applyGroupDomain(ctx, tx, au, &g, full.Domain, in.Domain); err != nil {
				return err
			}
		}
		added, removed, err := s.editMembers(ctx, tx, au, tenantID, id, ops)
		if err != nil {
			return err
		}
		attrs := g.DisplayName != old.DisplayName || g.ExternalID != old.ExternalID
		switch {
		case attrs:
			if err := tx.WriteGroup(ctx, &g); err != nil {
				return err
			}
			result = &g
		case len(added)+len(removed) > 0 || domainChanged:
			if result, err = tx.BumpGroup(ctx, tenantID, id); err != nil {
				return err
			}
		default:
			result = old
			return nil
		}
		if err := s.auditGroup(ctx, tx, a, tenantID, id, old, &g, added, removed); err != nil {
			return err
		}
		if domainChanged && in.Domain != nil && in.Domain.Grants != nil {
			return s.groupGrantsChanged(ctx, tx, a, tenantID, id, oldDomain)
		}
		return nil
	})
	return result, err
}

// EditMembers changes only a group's membership, with row operations that
// do not hold the group's lock until the final version bump, so that
// concurrent member changes to one group overlap (Okta and Entra send
// these most of all).
func (s *Service) EditMembers(ctx context.Context, a Actor, tenantID, id string, ops []MemberOp) (*store.Group, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var result *store.Group
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		au, err := s.authorityOf(ctx, tx, a, tenantID, cat)
		if err != nil {
			return err
		}
		// Whether the group grants roles, read once before the changes
		// for the guard and the feed's access.changed events.
		ctx, err := learnGroupRoles(ctx, tx, tenantID, id, cat)
		if err != nil {
			return err
		}
		// The group is not read first (a round trip per member change):
		// the version bump below, or the read when nothing changed, finds
		// it within the tenant or fails the transaction with 404, undoing
		// whatever the edits did to an id that is not the tenant's group.
		added, removed, err := s.editMembers(ctx, tx, au, tenantID, id, ops)
		if err != nil {
			return err
		}
		if len(added)+len(removed) == 0 {
			result, err = tx.GetGroup(ctx, tenantID, id, 0)
			return err
		}
		// The audit row first: the version bump locks the group's row
		// until commit, and concurrent member changes to the group queue
		// on that lock, so it is taken last.
		if err := s.auditGroup(ctx, tx, a, tenantID, id, nil, nil, added, removed); err != nil {
			return err
		}
		result, err = tx.BumpGroup(ctx, tenantID, id)
		return err
	})
	return result, err
}

// editMembers applies member operations and returns the ids it asked to
// add and remove. Changing the members of a group that grants Admin
// (itself or through a group it is in) grants or revokes Admin: only
// owner-level actors may.
func (s *Service) editMembers(ctx context.Context, tx store.Tx, au authority, tenantID, id string, ops []MemberOp) (added, removed []string, err error) {
	if len(ops) == 0 {
		return nil, nil, nil
	}
	if au.level < levelOwner {
		if err := s.guardGroup(ctx, tx, au, tenantID, id, "changing the members of"); err != nil {
			return nil, nil, err
		}
	}
	m := tx.Members(tenantID, id)
	for _, op := range ops {
		switch {
		case op.Replace != nil:
			current, err := m.List(ctx)
			if err != nil {
				return nil, nil, err
			}
			want := map[string]bool{}
			for _, mid := range *op.Replace {
				want[mid] = true
			}
			var drop, add []string
			for _, mem := range current {
				if !want[mem.ID] {
					drop = append(drop, mem.ID)
				}
				delete(want, mem.ID)
			}
			for _, mid := range *op.Replace {
				if want[mid] && !slices.Contains(add, mid) {
					add = append(add, mid)
				}
			}
			if err := m.Remove(ctx, drop); err != nil {
				return nil, nil, err
			}
			if err := m.Add(ctx, add); err != nil {
				return nil, nil, err
			}
			added, removed = append(added, add...), append(removed, drop...)
		case op.RemoveAll:
			current, err := m.List(ctx)
			if err != nil {
				return nil, nil, err
			}
			if err := m.RemoveAll(ctx); err != nil {
				return nil, nil, err
			}
			removed = append(removed, memberIDs(current)...)
		case op.RemoveWhere != nil:
			current, err := m.List(ctx)
			if err != nil {
				return nil, nil, err
			}
			var drop []string
			for _, mem := range current {
				ok, err := op.RemoveWhere(mem)
				if err != nil {
					return nil, nil, err
				}
				if ok {
					drop = append(drop, mem.ID)
				}
			}
			if err := m.Remove(ctx, drop); err != nil {
				return nil, nil, err
			}
			removed = append(removed, drop...)
		}
		if len(op.Remove) > 0 {
			if err := m.Remove(ctx, op.Remove); err != nil {
				return nil, nil, err
			}
			removed = append(removed, op.Remove...)
		}
		if len(op.Add) > 0 {
			if err := m.Add(ctx, op.Add); err != nil {
				return nil, nil, err
			}
			added = append(added, op.Add...)
		}
	}
	return added, removed, nil
}

// guardGroup refuses a change to a group that grants Admin (itself or
// through nesting) to actors below owner level, and to members without
// the right to manage users.
func (s *Service) guardGroup(ctx context.Context, r store.Reader, au authority, tenantID, id, what string) error {
	if au.actor.isMember() {
		if err := au.require(PermUsersManage, "", what+" groups"); err != nil {
			return err
		}
	}
	// A group that grants no role of the catalogue grants neither of
	// these (built in, always in it).
	admin, known := knownGrantsRoles(ctx, id)
	if !known || admin {
		var err error
		if admin, err = r.GroupGrantsRole(ctx, tenantID, id, []string{RoleAdmin, RoleOwner}); err != nil {
			return err
		}
	}
	if admin {
		return forbidden("%s a group that grants the Admin role grants or revokes Admin: %s", what, whoOwner)
	}
	return nil
}

// auditGroup records a group's change: its attributes (old, g) and the
// members added and removed, each as an entry of its own kind.
func (s *Service) auditGroup(ctx context.Context, tx store.Tx, a Actor, tenantID, id string, old, g *store.Group, added, removed []string) error {
	ctx, err := s.settleMembers(ctx, tx, tenantID, id, added, removed)
	if err != nil {
		return err
	}
	if old != nil && g != nil && (old.DisplayName != g.DisplayName || old.ExternalID != g.ExternalID) {
		c := changes{}
		c.set("displayName", old.DisplayName, g.DisplayName)
		c.set("externalId", old.ExternalID, g.ExternalID)
		if err := s.audit(ctx, tx, a, tenantID, ActGroupUpdated, "Group", id, c); err != nil {
			return err
		}
	}
	if len(added) > 0 {
		if err := s.audit(ctx, tx, a, tenantID, ActMemberAdded, "Group", id, changes{"members": {After: added}}); err != nil {
			return err
		}
	}
	if len(removed) > 0 {
		if err := s.audit(ctx, tx, a, tenantID, ActMemberRemoved, "Group", id, changes{"members": {Before: removed}}); err != nil {
			return err
		}
	}
	return nil
}

// DeleteGroup deletes a group; its members lose what it granted.
func (s *Service) DeleteGroup(ctx context.Context, a Actor, tenantID, id string, expect Expect) error {
	if err := checkTenant(a, tenantID); err != nil {
		return err
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return err
	}
	return s.st.InTx(ctx, func(tx store.Tx) error {
		g, err := tx.LockGroup(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if err := expect.check(g.Meta.Version); err != nil {
			return err
		}
		au, err := s.authorityOf(ctx, tx, a, tenantID, cat)
		if err != nil {
			return err
		}
		if au.level < levelOwner {
			if err := s.guardGroup(ctx, tx, au, tenantID, id, "deleting"); err != nil {
				return err
			}
		}
		if err := tx.DeleteGroup(ctx, tenantID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, tenantID, ActGroupDeleted, "Group", id, changes{"displayName": {Before: g.DisplayName}})
	})
}

// applyGroupDomain writes a group's grants and team link; changed reports
// whether anything differed from what was stored.
func (s *Service) applyGroupDomain(ctx context.Context, tx store.Tx, au authority, g *store.Group, old *store.GroupDomain, in *GroupDomainInput) (changed bool, err error) {
	if in == nil {
		return false, nil
	}
	if old == nil {
		old = &store.GroupDomain{}
	}
	if in.Grants != nil {
		want, err := resolveGrants(ctx, tx, au.cat, g.TenantID, *in.Grants)
		if err != nil {
			return false, err
		}
		if changed, err = s.replaceGrants(ctx, tx, au, g.TenantID, "", g.ID, store.GrantDirect, old.Grants, want); err != nil {
			return false, err
		}
	}
	if in.Team == nil || *in.Team == old.TeamID || (*in.Team != "" && strings.EqualFold(*in.Team, old.TeamName)) {
		return changed, nil
	}
	teams, err := tx.Teams(ctx, g.TenantID)
	if err != nil {
		return false, err
	}
	if old.TeamID != "" {
		if i := slices.IndexFunc(teams, func(t store.Team) bool { return t.ID == old.TeamID }); i >= 0 {
			t := teams[i]
			t.GroupID = ""
			if err := tx.UpdateTeam(ctx, t); err != nil {
				return false, err
			}
		}
	}
	if *in.Team != "" {
		i := slices.IndexFunc(teams, func(t store.Team) bool { return t.ID == *in.Team || strings.EqualFold(t.Name, *in.Team) })
		if i < 0 {
			return false, invalid("team", "%q is not a team of this tenant", *in.Team)
		}
		t := teams[i]
		t.GroupID = g.ID
		if err := tx.UpdateTeam(ctx, t); err != nil {
			if KindOf(err) == Conflict {
				return false, conflict("team", "", "team %q is already linked to another group", t.Name)
			}
			return false, err
		}
	}
	return true, nil
}
