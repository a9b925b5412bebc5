package account

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/scimd/scimd/store"
)

// userChange is a user being written, for applyDomain.
type userChange struct {
	tenantID string
	user     *store.User
	// old is the user's domain before the change (nil for a new user).
	old *store.Domain
	// rolesChanged: the roles attribute is new or changed, so the grants
	// it makes are recomputed.
	rolesChanged bool
}

// applyDomain writes a user's grants, agent IDs, team seats and voice
// settings inside the change's transaction, checking every rule. A part
// given as it is stored writes nothing; changed reports whether anything
// was written.
func (s *Service) applyDomain(ctx context.Context, tx store.Tx, au authority, c userChange, in *DomainInput) (changed bool, err error) {
	old := c.old
	if old == nil {
		old = &store.Domain{}
	}
	if c.rolesChanged {
		ch, err := s.applyRolesAttribute(ctx, tx, au, c, old)
		if err != nil {
			return false, err
		}
		changed = changed || ch
	}
	if in == nil {
		return changed, nil
	}
	if in.Grants != nil {
		want, err := resolveGrants(ctx, tx, au.cat, c.tenantID, *in.Grants)
		if err != nil {
			return false, err
		}
		ch, err := s.replaceGrants(ctx, tx, au, c.tenantID, c.user.ID, "", store.GrantDirect, ownGrants(old.Grants, store.GrantDirect), want)
		if err != nil {
			return false, err
		}
		changed = changed || ch
	}
	for _, part := range []func() (bool, error){
		func() (bool, error) {
			if in.AgentIDs == nil {
				return false, nil
			}
			return s.setAgentIDs(ctx, tx, c, old.AgentIDs, *in.AgentIDs)
		},
		func() (bool, error) {
			if in.Teams == nil {
				return false, nil
			}
			return s.setSeats(ctx, tx, c, old.Teams, *in.Teams)
		},
		func() (bool, error) {
			if !in.SetVoice {
				return false, nil
			}
			return s.setVoice(ctx, tx, c, in.Voice)
		},
	} {
		ch, err := part()
		if err != nil {
			return false, err
		}
		changed = changed || ch
	}
	return changed, nil
}

// applyRolesAttribute makes the grants of the SCIM roles attribute: a value
// that names a catalogue role (case-insensitively) grants that role at the
// master account; any other value grants nothing (it is shown as unmapped).
func (s *Service) applyRolesAttribute(ctx context.Context, tx store.Tx, au authority, c userChange, old *store.Domain) (bool, error) {
	var want []store.Grant
	master := c.tenantID
	for _, v := range c.user.Values["roles"] {
		r, ok := au.cat.byName(v.Value)
		if !ok {
			continue
		}
		if r.Key == RoleOwner {
			return false, forbidden("no IdP connection or edit can make an Owner (roles value %q): the Owner passes ownership on in the portal, or the operator runs scimd admin transfer-owner", v.Value)
		}
		g := store.Grant{TenantID: c.tenantID, Role: r.Key, NodeID: master}
		if !slices.ContainsFunc(want, func(x store.Grant) bool { return x.Role == g.Role }) {
			want = append(want, g)
		}
	}
	return s.replaceGrants(ctx, tx, au, c.tenantID, c.user.ID, "", store.GrantFromRoles, ownGrants(old.Grants, store.GrantFromRoles), want)
}

// ownGrants are the grants of one source.
func ownGrants(gs []store.Grant, source string) []store.Grant {
	var out []store.Grant
	for _, g := range gs {
		if g.Source == source {
			out = append(out, g)
		}
	}
	return out
}

// replaceGrants makes a subject's grants of one source exactly want,
// checking that the actor may grant what is added and revoke what is
// removed. Nothing is written when nothing changes.
func (s *Service) replaceGrants(ctx context.Context, tx store.Tx, au authority, tenantID, userID, groupID, source string, have, want []store.Grant) (bool, error) {
	key := func(g store.Grant) string { return g.Role + "@" + g.NodeID }
	haveKeys := map[string]bool{}
	for _, g := range have {
		haveKeys[key(g)] = true
	}
	wantKeys := map[string]bool{}
	for _, g := range want {
		wantKeys[key(g)] = true
	}
	changed := len(haveKeys) != len(wantKeys)
	check := func(g store.Grant, revoke bool) error {
		changed = true
		r, ok := au.cat.byKey(g.Role)
		if !ok {
			r = roleInfo{Key: g.Role, Name: g.Role}
		}
		path, err := nodePath(ctx, tx, tenantID, g.NodeID)
		if err != nil {
			return err
		}
		return au.canGrant(r, path, revoke)
	}
	for _, g := range want {
		if !haveKeys[key(g)] {
			if err := check(g, false); err != nil {
				return false, err
			}
		}
	}
	for _, g := range have {
		if !wantKeys[key(g)] {
			if err := check(g, true); err != nil {
				return false, err
			}
		}
	}
	if !changed {
		return false, nil
	}
	if _, err := tx.RemoveGrants(ctx, tenantID, userID, groupID, "", source); err != nil {
		return false, err
	}
	for _, g := range want {
		g.TenantID, g.UserID, g.GroupID, g.Source = tenantID, userID, groupID, source
		if err := tx.AddGrant(ctx, &g); err != nil {
			return false, err
		}
	}
	return true, nil
}

// nodePath is the path of a node of the tenant.
func nodePath(ctx context.Context, r store.Reader, tenantID, id string) (string, error) {
	if id == "" || id == tenantID {
		return masterPath(tenantID), nil
	}
	n, err := r.GetNode(ctx, tenantID, id)
	if err != nil {
		if KindOf(err) == NotFound {
			return "", invalid("node", "no account node %q in this tenant", id)
		}
		return "", err
	}
	return n.Path, nil
}

// resolveGrants checks grants given by name strictly: an unknown role is
// refused, naming the tenant's roles; an unknown node likewise.
func resolveGrants(ctx context.Context, r store.Reader, cat catalogue, tenantID string, in []GrantInput) ([]store.Grant, error) {
	var out []store.Grant
	for _, g := range in {
		role, ok := cat.byName(g.Role)
		if !ok {
			return nil, invalid("roles", "%q is not a role of this tenant; its roles are: %s", g.Role, cat.names())
		}
		node := g.Node
		if node == "" {
			node = tenantID
		}
		if _, err := nodePath(ctx, r, tenantID, node); err != nil {
			return nil, err
		}
		sg := store.Grant{Role: role.Key, NodeID: node}
		if !slices.ContainsFunc(out, func(x store.Grant) bool { return x.Role == sg.Role && x.NodeID == sg.NodeID }) {
			out = append(out, sg)
		}
	}
	return out, nil
}

// setAgentIDs gives a user its agent IDs: only users whose effective roles
// include Agent hold them, and a pair belongs to one user (seed 004).
func (s *Service) setAgentIDs(ctx context.Context, tx store.Tx, c userChange, have, ids []store.AgentID) (bool, error) {
	var clean []store.AgentID
	for _, id := range ids {
		id.System, id.Value = strings.TrimSpace(id.System), strings.TrimSpace(id.Value)
		if id.System == "" || id.Value == "" {
			return false, invalid("agentIds", "an agent ID needs a system (such as voice or chat) and a value")
		}
		if len(id.System) > store.MaxIndexedText || len(id.Value) > store.MaxIndexedText {
			return false, invalid("agentIds", "an agent ID's system and value are limited to %d characters", store.MaxIndexedText)
		}
		if !slices.ContainsFunc(clean, func(x store.AgentID) bool { return x.System == id.System && x.Value == id.Value }) {
			clean = append(clean, id)
		}
	}
	if sameSet(have, clean, func(a store.AgentID) string { return a.System + "\x00" + a.Value }) {
		return false, nil
	}
	if len(clean) > 0 {
		grants, err := tx.EffectiveGrants(ctx, c.tenantID, c.user.ID)
		if err != nil {
			return false, err
		}
		if !slices.ContainsFunc(grants, func(g store.EffectiveGrant) bool { return g.Role == RoleAgent }) {
			return false, invalid("agentIds", "only users with the Agent role hold agent IDs: grant the Agent role first")
		}
	}
	err := tx.SetAgentIDs(ctx, c.tenantID, c.user.ID, clean)
	if KindOf(err) == Conflict {
		msg, _, holder := Describe(err)
		return false, &Error{Kind: Conflict, Field: "agentIds", Holder: holder,
			Message: strings.Replace(msg, "agentIds", "the agent ID", 1) + ": an agent ID belongs to one user at a time", Err: err}
	}
	return err == nil, err
}

// sameSet reports whether two lists hold the same elements by key.
func sameSet[T any](a, b []T, key func(T) string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[key(x)]++
	}
	for _, x := range b {
		if m[key(x)] == 0 {
			return false
		}
		m[key(x)]--
	}
	return true
}

// setSeats seats a user on teams named by id or name.
func (s *Service) setSeats(ctx context.Context, tx store.Tx, c userChange, have []store.TeamSeat, in []SeatInput) (bool, error) {
	if len(in) == 0 && len(have) == 0 {
		return false, nil
	}
	teams, err := tx.Teams(ctx, c.tenantID)
	if err != nil {
		return false, err
	}
	var seats []store.TeamMember
	for _, st := range in {
		i := slices.IndexFunc(teams, func(t store.Team) bool { return t.ID == st.Team || strings.EqualFold(t.Name, st.Team) })
		if i < 0 {
			return false, invalid("teams", "%q is not a team of this tenant", st.Team)
		}
		if !slices.ContainsFunc(seats, func(m store.TeamMember) bool { return m.TeamID == teams[i].ID }) {
			seats = append(seats, store.TeamMember{TeamID: teams[i].ID, UserID: c.user.ID, Leader: st.Leader})
		}
	}
	if sameSet(have, seats2view(seats), func(t store.TeamSeat) string { return fmt.Sprint(t.TeamID, t.Leader) }) {
		return false, nil
	}
	return true, tx.SetTeamSeats(ctx, c.tenantID, c.user.ID, seats)
}

func seats2view(ms []store.TeamMember) []store.TeamSeat {
	out := make([]store.TeamSeat, len(ms))
	for i, m := range ms {
		out[i] = store.TeamSeat{TeamID: m.TeamID, Leader: m.Leader}
	}
	return out
}
