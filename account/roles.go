package account

import (
	"context"
	"slices"
	"strings"

	"github.com/scimd/scimd/store"
)

// RoleView is a role of a tenant's catalogue as the admin API shows it.
type RoleView struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
	Scope       []string `json:"scope"`
	Builtin     bool     `json:"builtin"`
}

// Roles lists a tenant's catalogue: the built-in roles, then its own.
func (s *Service) Roles(ctx context.Context, a Actor, tenantID string) ([]RoleView, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	custom, err := s.st.Reader().Roles(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var out []RoleView
	for _, b := range Builtins {
		out = append(out, RoleView{ID: b.Key, Name: b.Name, Description: b.Description, Permissions: b.Permissions, Scope: []string{}, Builtin: true})
	}
	for _, r := range custom {
		out = append(out, RoleView{ID: r.ID, Name: r.Name, Description: r.Description, Permissions: r.Permissions,
			Scope: append([]string{}, r.Scope...)})
	}
	return out, nil
}

// checkRole validates a custom role: a name no built-in role has,
// permissions from the list, scope nodes of the tenant.
func (s *Service) checkRole(ctx context.Context, r store.Reader, role *store.Role) error {
	role.Name = strings.TrimSpace(role.Name)
	if role.Name == "" || len(role.Name) > 100 {
		return invalid("name", "a role needs a name of 1 to 100 characters")
	}
	for _, b := range Builtins {
		if strings.EqualFold(b.Name, role.Name) || strings.EqualFold(b.Key, role.Name) {
			return conflict("name", "", "%q is a built-in role", role.Name)
		}
	}
	var perms []string
	for _, p := range role.Permissions {
		if !slices.Contains(AllPermissions, p) {
			return invalid("permissions", "%q is not a permission; they are: %s", p, strings.Join(AllPermissions, ", "))
		}
		if !slices.Contains(perms, p) {
			perms = append(perms, p)
		}
	}
	role.Permissions = perms
	for _, n := range role.Scope {
		if _, err := nodePath(ctx, r, role.TenantID, n); err != nil {
			return err
		}
	}
	return nil
}

// CreateRole defines a custom role from the permissions, optionally with
// its own account scope (seed 000's packages).
func (s *Service) CreateRole(ctx context.Context, a Actor, tenantID string, role store.Role) (store.Role, error) {
	role.TenantID = tenantID
	if err := s.checkRole(ctx, s.st.Reader(), &role); err != nil {
		return role, err
	}
	err := s.administer(ctx, a, tenantID, PermRolesManage, "", "defining roles", func(tx store.Tx, au authority) (string, string, string, any, error) {
		if err := au.grantable(role.Permissions); err != nil {
			return "", "", "", nil, err
		}
		if err := tx.InsertRole(ctx, &role); err != nil {
			if KindOf(err) == Conflict {
				return "", "", "", nil, conflict("name", "", "a role named %q already exists", role.Name)
			}
			return "", "", "", nil, err
		}
		return "role.created", "Role", role.ID, changes{"name": {After: role.Name}, "permissions": {After: role.Permissions}}, nil
	})
	return role, err
}

// grantable refuses a role with a permission the member does not hold:
// nobody defines a role beyond their own rights.
func (au authority) grantable(perms []string) error {
	if !au.actor.isMember() {
		return nil
	}
	for _, p := range perms {
		if !au.allows(p, "") {
			return forbidden("a role you define may only carry permissions you hold; you do not hold %s", p)
		}
	}
	return nil
}

// UpdateRole changes a custom role.
func (s *Service) UpdateRole(ctx context.Context, a Actor, tenantID string, role store.Role) error {
	role.TenantID = tenantID
	if err := s.checkRole(ctx, s.st.Reader(), &role); err != nil {
		return err
	}
	return s.administer(ctx, a, tenantID, PermRolesManage, "", "changing roles", func(tx store.Tx, au authority) (string, string, string, any, error) {
		old, err := tx.GetRole(ctx, tenantID, role.ID)
		if err != nil {
			return "", "", "", nil, err
		}
		if err := au.grantable(role.Permissions); err != nil {
			return "", "", "", nil, err
		}
		if err := tx.UpdateRole(ctx, role); err != nil {
			return "", "", "", nil, err
		}
		c := changes{}
		c.set("name", old.Name, role.Name)
		c.set("permissions", old.Permissions, role.Permissions)
		c.set("scope", old.Scope, role.Scope)
		return "role.updated", "Role", role.ID, c, nil
	})
}

// DeleteRole deletes a custom role no grant uses.
func (s *Service) DeleteRole(ctx context.Context, a Actor, tenantID, id string) error {
	if _, ok := builtin(id); ok {
		return invalid("role", "built-in roles cannot be deleted")
	}
	return s.administer(ctx, a, tenantID, PermRolesManage, "", "deleting roles", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		old, err := tx.GetRole(ctx, tenantID, id)
		if err != nil {
			return "", "", "", nil, err
		}
		n, err := tx.CountGrants(ctx, tenantID, id)
		if err != nil {
			return "", "", "", nil, err
		}
		if n > 0 {
			return "", "", "", nil, conflict("role", "", "role %q is granted %d times: revoke it first", old.Name, n)
		}
		if err := tx.DeleteRole(ctx, tenantID, id); err != nil {
			return "", "", "", nil, err
		}
		return "role.deleted", "Role", id, changes{"name": {Before: old.Name}}, nil
	})
}
