package sqlstore

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

const roleColumns = `r.id, r.tenant_id, r.name, r.description, r.permissions, r.created_at`

func scanRole(row scanRow) (store.Role, error) {
	var r store.Role
	var perms string
	err := row.Scan(&r.ID, &r.TenantID, &r.Name, &r.Description, &perms, timeScan{&r.CreatedAt})
	if perms != "" {
		r.Permissions = strings.Split(perms, ",")
	}
	return r, err
}

// Roles lists the tenant's custom roles by name, each with its scope.
func (r rd) Roles(ctx context.Context, tenantID string) ([]store.Role, error) {
	roles, err := collect(ctx, r.q, scanRole, `SELECT `+roleColumns+` FROM roles r WHERE r.tenant_id = $1 ORDER BY r.name_ci, r.id`, tenantID)
	if err == nil {
		err = r.loadScopes(ctx, tenantID, roles)
	}
	return roles, r.translate(err)
}

// GetRole loads one custom role with its scope.
func (r rd) GetRole(ctx context.Context, tenantID, id string) (store.Role, error) {
	role, err := collectOne(ctx, r.q, scanRole, `SELECT `+roleColumns+` FROM roles r WHERE r.tenant_id = $1 AND r.id = $2`, tenantID, id)
	if err == nil {
		roles := []store.Role{role}
		err = r.loadScopes(ctx, tenantID, roles)
		role = roles[0]
	}
	return role, r.translate(err)
}

// loadScopes fills the scopes of roles of one tenant (by node path) in one
// query.
func (r rd) loadScopes(ctx context.Context, tenantID string, roles []store.Role) error {
	if len(roles) == 0 {
		return nil
	}
	at := make(map[string]int, len(roles))
	ids := make([]string, len(roles))
	for i, role := range roles {
		at[role.ID] = i
		ids[i] = role.ID
	}
	return byChunks(ids, func(chunk []string) error {
		pairs, err := collect(ctx, r.q, func(row scanRow) ([2]string, error) {
			var p [2]string
			return p, row.Scan(&p[0], &p[1])
		}, `SELECT rs.role_id, rs.node_id FROM role_scopes rs JOIN nodes n ON n.id = rs.node_id
			WHERE n.tenant_id = $1 AND rs.role_id IN (`+placeholders(2, len(chunk))+`) ORDER BY rs.role_id, n.path`,
			anyArgs([]any{tenantID}, chunk)...)
		for _, p := range pairs {
			role := &roles[at[p[0]]]
			role.Scope = append(role.Scope, p[1])
		}
		return err
	})
}

// checkRole checks what the data model needs of a role: a name, and
// permissions that fit the comma-separated column.
func checkRole(r *store.Role) error {
	if strings.TrimSpace(r.Name) == "" {
		return store.Invalidf("a role needs a name")
	}
	for _, p := range r.Permissions {
		if p == "" || strings.Contains(p, ",") {
			return store.Invalidf("permission %q is not a permission name", p)
		}
	}
	return nil
}

func roleConflict(err error, name string) error {
	if violates(err, "roles_name_uq", "roles.tenant_id, roles.name_ci") {
		return &store.ConflictError{Field: "name", Value: name}
	}
	return err
}

// InsertRole inserts a custom role (r.ID and r.CreatedAt are set) with its
// scope. Another role of that name, whatever its case, is a ConflictError
// on "name"; a scope node that is not an account of the tenant is invalid.
func (t *wtx) InsertRole(ctx context.Context, r *store.Role) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if err := checkRole(r); err != nil {
		return err
	}
	r.ID = uuid.NewString()
	r.CreatedAt = t.s.now()
	_, err = t.q.ExecContext(ctx, `INSERT INTO roles (id, tenant_id, name, name_ci, description, permissions, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.TenantID, r.Name, fold(r.Name), r.Description,
		strings.Join(r.Permissions, ","), t.s.d.timeArg(r.CreatedAt))
	if err != nil {
		return roleConflict(tenantGone(err), r.Name)
	}
	return t.insertScope(ctx, r.TenantID, r.ID, r.Scope)
}

// UpdateRole writes a role's name, description, permissions and scope.
func (t *wtx) UpdateRole(ctx context.Context, r store.Role) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if err := checkRole(&r); err != nil {
		return err
	}
	err = changedOne(t.q.ExecContext(ctx, `UPDATE roles SET name = $1, name_ci = $2, description = $3, permissions = $4
		WHERE tenant_id = $5 AND id = $6`, r.Name, fold(r.Name), r.Description, strings.Join(r.Permissions, ","), r.TenantID, r.ID))
	if err != nil {
		return roleConflict(err, r.Name)
	}
	if _, err := t.q.ExecContext(ctx, `DELETE FROM role_scopes WHERE role_id = $1`, r.ID); err != nil {
		return err
	}
	return t.insertScope(ctx, r.TenantID, r.ID, r.Scope)
}

// insertScope writes a role's scope rows, refusing nodes of no account of
// the tenant.
func (t *wtx) insertScope(ctx context.Context, tenantID, roleID string, scope []string) error {
	scope = dedupe(scope)
	return byChunks(scope, func(chunk []string) error {
		found, err := collect(ctx, t.q, scanString, `SELECT id FROM nodes WHERE tenant_id = $1 AND id IN (`+
			placeholders(2, len(chunk))+`)`, anyArgs([]any{tenantID}, chunk)...)
		if err != nil {
			return err
		}
		if len(found) != len(chunk) {
			have := map[string]bool{}
			for _, id := range found {
				have[id] = true
			}
			for _, id := range chunk {
				if !have[id] {
					return store.Invalidf("scope: %q is not an account of this tenant", id)
				}
			}
		}
		return insertRows(ctx, t.q, `INSERT INTO role_scopes (role_id, node_id) VALUES `, 2, len(chunk), func(i int) []any {
			return []any{roleID, chunk[i]}
		})
	})
}

// DeleteRole deletes a custom role; its scope rows and the grants of the
// role go with it.
func (t *wtx) DeleteRole(ctx context.Context, tenantID, id string) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if err := changedOne(t.q.ExecContext(ctx, `DELETE FROM roles WHERE tenant_id = $1 AND id = $2`, tenantID, id)); err != nil {
		return err
	}
	// role_scopes rows go by their foreign key's cascade.
	_, err = t.q.ExecContext(ctx, `DELETE FROM grants WHERE tenant_id = $1 AND role = $2`, tenantID, id)
	return err
}
