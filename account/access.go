package account

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/scimd/scimd/store"
)

// Access is a user's effective access: its own grants and those of every
// group it is in (directly or through nested groups), the permissions
// they give, and the account nodes they cover (each with everything
// beneath it).
type Access struct {
	Owner       bool
	Roles       []AccessRole
	Permissions []string
	Nodes       []NodeRef
	// Unmapped are values of the SCIM roles attribute that name no role:
	// kept as sent, granting nothing, shown so that a typo is visible.
	Unmapped []string
}

// AccessRole is one role a user holds, where, and through what.
type AccessRole struct {
	Key, Name string
	Node      NodeRef
	// ViaGroup is the group that grants it ("" for the user's own grant).
	ViaGroup string
	Source   string
}

// NodeRef names an account node.
type NodeRef struct {
	ID, Name, Path string
}

// Access computes a user's effective access, the database doing the
// walking of groups and nodes.
func (s *Service) Access(ctx context.Context, a Actor, tenantID, userID string) (Access, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return Access{}, err
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return Access{}, err
	}
	r := s.st.Reader()
	u, err := r.GetUser(ctx, tenantID, userID, store.LoadValues)
	if err != nil {
		return Access{}, err
	}
	grants, err := r.EffectiveGrants(ctx, tenantID, userID)
	if err != nil {
		return Access{}, err
	}
	return accessOf(u, grants, cat), nil
}

func accessOf(u *store.User, grants []store.EffectiveGrant, cat catalogue) Access {
	var acc Access
	perms := map[string]bool{}
	nodes := map[string]NodeRef{}
	for _, g := range grants {
		r, ok := cat.byKey(g.Role)
		if !ok {
			continue
		}
		if r.Key == RoleOwner {
			acc.Owner = true
		}
		n := NodeRef{ID: g.NodeID, Name: g.NodeName, Path: g.NodePath}
		acc.Roles = append(acc.Roles, AccessRole{Key: r.Key, Name: r.Name, Node: n, ViaGroup: g.ViaGroup, Source: g.Source})
		for _, p := range r.Permissions {
			perms[p] = true
		}
		nodes[n.ID] = n
	}
	for p := range perms {
		acc.Permissions = append(acc.Permissions, p)
	}
	sort.Strings(acc.Permissions)
	// A node beneath another the user has covers nothing more.
	for _, n := range nodes {
		covered := false
		for _, m := range nodes {
			if m.ID != n.ID && strings.HasPrefix(n.Path, m.Path) {
				covered = true
			}
		}
		if !covered {
			acc.Nodes = append(acc.Nodes, n)
		}
	}
	sort.Slice(acc.Nodes, func(i, j int) bool { return acc.Nodes[i].Path < acc.Nodes[j].Path })
	for _, v := range u.Values["roles"] {
		if _, ok := cat.byName(v.Value); !ok && !slices.Contains(acc.Unmapped, v.Value) {
			acc.Unmapped = append(acc.Unmapped, v.Value)
		}
	}
	return acc
}

// Can reports whether a user holds a permission at a node (a grant at the
// node or above it; for a role with its own scope, also within that
// scope). nodeID "" asks whether it holds it anywhere.
func (s *Service) Can(ctx context.Context, tenantID, userID, perm, nodeID string) (bool, error) {
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return false, err
	}
	r := s.st.Reader()
	path := ""
	if nodeID != "" {
		if path, err = nodePath(ctx, r, tenantID, nodeID); err != nil {
			return false, err
		}
	}
	grants, err := r.EffectiveGrants(ctx, tenantID, userID)
	if err != nil {
		return false, err
	}
	return can(ctx, r, cat, tenantID, grants, perm, path)
}

func can(ctx context.Context, r store.Reader, cat catalogue, tenantID string, grants []store.EffectiveGrant, perm, path string) (bool, error) {
	for _, g := range grants {
		role, ok := cat.byKey(g.Role)
		if !ok || !hasPerm(role.Permissions, perm) || (path != "" && !strings.HasPrefix(path, g.NodePath)) {
			continue
		}
		if len(role.Scope) == 0 || path == "" {
			return true, nil
		}
		for _, n := range role.Scope {
			sp, err := nodePath(ctx, r, tenantID, n)
			if err != nil {
				continue
			}
			if strings.HasPrefix(path, sp) {
				return true, nil
			}
		}
	}
	return false, nil
}
