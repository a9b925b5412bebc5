package adminapi

import (
	"net/http"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// roleDoc is a role of the tenant's catalogue: built-in (id is its key,
// such as "admin"; not changeable) or custom.
type roleDoc struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
	// Scope lists the account nodes a role covers on its own (seed 000's
	// packages); empty for none.
	Scope   []string `json:"scope"`
	Builtin bool     `json:"builtin"`
}

func toRoleDoc(v account.RoleView) roleDoc {
	return roleDoc{ID: v.ID, Name: v.Name, Description: v.Description, Builtin: v.Builtin,
		Permissions: append([]string{}, v.Permissions...), Scope: append([]string{}, v.Scope...)}
}

var roleFields = []string{"name", "description", "permissions", "scope"}

var roleReadOnly = map[string]string{"id": "ids are made by the server", "builtin": "only scimd defines built-in roles"}

func (a *API) roles(r *http.Request, s *session) ([]roleDoc, error) {
	vs, err := a.acct.Roles(r.Context(), s.actor, s.tenant())
	if err != nil {
		return nil, err
	}
	out := make([]roleDoc, len(vs))
	for i, v := range vs {
		out[i] = toRoleDoc(v)
	}
	return out, nil
}

// role finds one role of the session's tenant.
func (a *API) role(r *http.Request, s *session, id string) (roleDoc, error) {
	all, err := a.roles(r, s)
	if err != nil {
		return roleDoc{}, err
	}
	for _, d := range all {
		if d.ID == id {
			return d, nil
		}
	}
	return roleDoc{}, notFound("role %q does not exist in this tenant", id)
}

func (a *API) listRoles(w http.ResponseWriter, r *http.Request, s *session) error {
	all, err := a.roles(r, s)
	if err != nil {
		return err
	}
	l, err := page(r, all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) getRole(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := a.role(r, s, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// mergeRole applies a role body (a create's or a merge patch's) to role.
func mergeRole(o obj, role *store.Role) error {
	name, err := o.str("name")
	if err != nil {
		return err
	}
	if name.Set {
		role.Name = name.V
	}
	desc, err := o.str("description")
	if err != nil {
		return err
	}
	if desc.Set {
		role.Description = desc.V
	}
	perms, err := o.strs("permissions")
	if err != nil {
		return err
	}
	if perms.Set {
		role.Permissions = perms.V
	}
	scope, err := o.strs("scope")
	if err != nil {
		return err
	}
	if scope.Set {
		role.Scope = scope.V
	}
	return nil
}

func (a *API) createRole(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, roleFields, roleReadOnly)
	if err != nil {
		return err
	}
	if _, err := o.required("name"); err != nil {
		return err
	}
	var role store.Role
	if err := mergeRole(o, &role); err != nil {
		return err
	}
	created, err := a.acct.CreateRole(r.Context(), s.actor, s.tenant(), role)
	if err != nil {
		return err
	}
	d, err := a.role(r, s, created.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

// patchRole merges the patch onto the role as stored. Built-in roles are
// the same in every tenant and cannot change.
func (a *API) patchRole(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, roleFields, roleReadOnly)
	if err != nil {
		return err
	}
	var check store.Role // the body's own errors come first
	if err := mergeRole(o, &check); err != nil {
		return err
	}
	id := r.PathValue("id")
	old, err := a.role(r, s, id)
	if err != nil {
		return err
	}
	if old.Builtin {
		return invalid("role", "%s is a built-in role: built-in roles cannot be changed (define a custom role instead)", old.Name)
	}
	role := store.Role{ID: old.ID, Name: old.Name, Description: old.Description, Permissions: old.Permissions, Scope: old.Scope}
	if err := mergeRole(o, &role); err != nil {
		return err
	}
	if err := a.acct.UpdateRole(r.Context(), s.actor, s.tenant(), role); err != nil {
		return notFoundAs(err, "role", id)
	}
	d, err := a.role(r, s, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) deleteRole(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	if err := a.acct.DeleteRole(r.Context(), s.actor, s.tenant(), id); err != nil {
		return notFoundAs(err, "role", id)
	}
	return noContent(w)
}
