package account

import (
	"context"
	"slices"

	"github.com/scimd/scimd/store"
)

// UserView is the account-domain part of a user as the edges show it,
// with role names from the tenant's catalogue.
type UserView struct {
	State    string
	Owner    bool
	Grants   []GrantView
	AgentIDs []store.AgentID
	Teams    []store.TeamSeat
	Voice    *store.VoiceView
	// Unmapped are roles attribute values that name no role.
	Unmapped []string
}

// GrantView is a grant with its role's name.
type GrantView struct {
	Role, RoleKey, Node, Source string
}

// GroupView is the account-domain part of a group.
type GroupView struct {
	Grants           []GrantView
	TeamID, TeamName string
}

// View describes a user loaded with store.LoadDomain (and LoadValues, for
// the unmapped roles). It reads nothing but the tenant's cached catalogue.
func (s *Service) View(ctx context.Context, tenantID string, u *store.User) (UserView, error) {
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return UserView{}, err
	}
	v := UserView{State: u.State}
	if d := u.Domain; d != nil {
		v.Grants = grantViews(d.Grants, cat, tenantID)
		v.AgentIDs, v.Teams, v.Voice = d.AgentIDs, d.Teams, d.Voice
		v.Owner = slices.ContainsFunc(d.Grants, func(g store.Grant) bool { return g.Role == RoleOwner })
	}
	for _, r := range u.Values["roles"] {
		if _, ok := cat.byName(r.Value); !ok && !slices.Contains(v.Unmapped, r.Value) {
			v.Unmapped = append(v.Unmapped, r.Value)
		}
	}
	return v, nil
}

// GroupView describes a group loaded with store.LoadDomain.
func (s *Service) GroupView(ctx context.Context, tenantID string, g *store.Group) (GroupView, error) {
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return GroupView{}, err
	}
	var v GroupView
	if d := g.Domain; d != nil {
		v.Grants = grantViews(d.Grants, cat, tenantID)
		v.TeamID, v.TeamName = d.TeamID, d.TeamName
	}
	return v, nil
}

func grantViews(gs []store.Grant, cat catalogue, tenantID string) []GrantView {
	out := make([]GrantView, 0, len(gs))
	for _, g := range gs {
		name := cat.nameOf(g.Role)
		if name == "" {
			name = g.Role
		}
		node := g.NodeID
		if node == tenantID {
			node = "" // the master account
		}
		out = append(out, GrantView{Role: name, RoleKey: g.Role, Node: node, Source: g.Source})
	}
	return out
}
