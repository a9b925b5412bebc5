package adminapi

import (
	"net/http"

	"github.com/scimd/scimd/store"
)

// nodeDoc is a node of the account tree (/api/v1/accounts): the master
// account (kind "master", its id the tenant's, parentId null), its
// sub-accounts, groups and locations. Path is the ids from the master
// down, "/master/a/b/".
type nodeDoc struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Kind     string  `json:"kind"`
	ParentID *string `json:"parentId"`
	Path     string  `json:"path"`
}

func toNodeDoc(n store.Node) nodeDoc {
	d := nodeDoc{ID: n.ID, Name: n.Name, Kind: n.Kind, Path: n.Path}
	if n.ParentID != "" {
		p := n.ParentID
		d.ParentID = &p
	}
	return d
}

var nodeReadOnly = map[string]string{"id": "ids are made by the server", "path": "it follows from parentId"}

func (a *API) nodes(r *http.Request, s *session) ([]nodeDoc, error) {
	ns, err := a.acct.Nodes(r.Context(), s.actor, s.tenant())
	if err != nil {
		return nil, err
	}
	out := make([]nodeDoc, len(ns))
	for i, n := range ns {
		out[i] = toNodeDoc(n)
	}
	return out, nil
}

// node finds one node of the session's tenant: the account layer turns an
// unknown node into a 400 about the body, but in the path it is a 404.
func (a *API) node(r *http.Request, s *session, id string) (nodeDoc, error) {
	all, err := a.nodes(r, s)
	if err != nil {
		return nodeDoc{}, err
	}
	for _, d := range all {
		if d.ID == id {
			return d, nil
		}
	}
	return nodeDoc{}, notFound("account node %q does not exist in this tenant", id)
}

func (a *API) listNodes(w http.ResponseWriter, r *http.Request, s *session) error {
	all, err := a.nodes(r, s)
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

func (a *API) getNode(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := a.node(r, s, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// createNode is POST {"name","kind","parentId"} (kind "account" and the
// master as parent by default).
func (a *API) createNode(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, []string{"name", "kind", "parentId"}, nodeReadOnly)
	if err != nil {
		return err
	}
	name, err := o.required("name")
	if err != nil {
		return err
	}
	kind, err := o.str("kind")
	if err != nil {
		return err
	}
	parent, err := o.str("parentId")
	if err != nil {
		return err
	}
	n, err := a.acct.CreateNode(r.Context(), s.actor, s.tenant(), parent.V, name, kind.V)
	if err != nil {
		return err
	}
	return a.respondNode(w, r, s, http.StatusCreated, n.ID)
}

// patchNode renames with "name" and moves with "parentId" (null: beneath
// the master account).
func (a *API) patchNode(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, []string{"name", "parentId"}, map[string]string{
		"id": "ids are made by the server", "path": "it follows from parentId",
		"kind": "a node keeps its kind: create a node of the other kind and move what is beneath"})
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	old, err := a.node(r, s, id)
	if err != nil {
		return err
	}
	name, err := o.str("name")
	if err != nil {
		return err
	}
	parent, err := o.str("parentId")
	if err != nil {
		return err
	}
	if name.Set && name.V != old.Name {
		if err := a.acct.RenameNode(r.Context(), s.actor, s.tenant(), id, name.V); err != nil {
			return notFoundAs(err, "account node", id)
		}
	}
	target := parent.V
	if target == "" {
		target = s.tenant() // the master account's id
	}
	if parent.Set && (old.ParentID == nil || target != *old.ParentID) {
		if err := a.acct.MoveNode(r.Context(), s.actor, s.tenant(), id, target); err != nil {
			return notFoundAs(err, "account node", id)
		}
	}
	return a.respondNode(w, r, s, http.StatusOK, id)
}

func (a *API) respondNode(w http.ResponseWriter, r *http.Request, s *session, status int, id string) error {
	d, err := a.node(r, s, id)
	if err != nil {
		return err
	}
	writeJSON(w, status, d)
	return nil
}

func (a *API) deleteNode(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	if _, err := a.node(r, s, id); err != nil {
		return err
	}
	if err := a.acct.DeleteNode(r.Context(), s.actor, s.tenant(), id); err != nil {
		return notFoundAs(err, "account node", id)
	}
	return noContent(w)
}
