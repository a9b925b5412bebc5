package sqlstore

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

const nodeColumns = `n.id, n.tenant_id, n.parent_id, n.name, n.kind, n.path, n.created_at`

func scanNode(row scanRow) (store.Node, error) {
	var n store.Node
	err := row.Scan(&n.ID, &n.TenantID, nullStr{&n.ParentID}, &n.Name, &n.Kind, &n.Path, timeScan{&n.CreatedAt})
	return n, err
}

// Nodes lists the tenant's account tree by path, so that each node comes
// after its parent.
func (r rd) Nodes(ctx context.Context, tenantID string) ([]store.Node, error) {
	out, err := collect(ctx, r.q, scanNode, `SELECT `+nodeColumns+` FROM nodes n WHERE n.tenant_id = $1 ORDER BY n.path`, tenantID)
	return out, r.translate(err)
}

// GetNode loads one node of the tenant.
func (r rd) GetNode(ctx context.Context, tenantID, id string) (store.Node, error) {
	n, err := r.getNode(ctx, tenantID, id, false)
	return n, r.translate(err)
}

// getNode loads a node, locking its row if lock is set (in a transaction):
// a node whose path is being rewritten by a concurrent move is read after
// the move.
func (r rd) getNode(ctx context.Context, tenantID, id string, lock bool) (store.Node, error) {
	q := `SELECT ` + nodeColumns + ` FROM nodes n WHERE n.tenant_id = $1 AND n.id = $2`
	if lock {
		q += r.s.d.forUpdate
	}
	return collectOne(ctx, r.q, scanNode, q, tenantID, id)
}

// NodeInUse says what keeps a node from being deleted.
func (r rd) NodeInUse(ctx context.Context, tenantID, id string) (string, error) {
	why, err := collectOne(ctx, r.q, scanString, `SELECT CASE
			WHEN EXISTS (SELECT 1 FROM nodes c WHERE c.parent_id = n.id) THEN 'children'
			WHEN EXISTS (SELECT 1 FROM grants g WHERE g.node_id = n.id) THEN 'grants'
			WHEN EXISTS (SELECT 1 FROM role_scopes rs WHERE rs.node_id = n.id) THEN 'roles'
			ELSE '' END
		FROM nodes n WHERE n.tenant_id = $1 AND n.id = $2`, tenantID, id)
	return why, r.translate(err)
}

// nodeName checks a node's name.
func nodeName(name string) error {
	if strings.TrimSpace(name) == "" {
		return store.Invalidf("an account needs a name")
	}
	return nil
}

// siblingConflict maps a violation of nodes_sibling_uq.
func siblingConflict(err error, name string) error {
	if violates(err, "nodes_sibling_uq", "nodes.parent_id, nodes.name_ci") {
		return &store.ConflictError{Field: "name", Value: name}
	}
	return err
}

// InsertNode inserts a node beneath n.ParentID (the master account when
// empty), setting its id, path, kind ("account" when empty) and creation
// time. A parent that is not a node of the tenant is ErrNotFound; a sibling
// with the same name, whatever its case, is a ConflictError on "name".
func (t *wtx) InsertNode(ctx context.Context, n *store.Node) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if err := nodeName(n.Name); err != nil {
		return err
	}
	n.Kind = orDefault(n.Kind, "account")
	if n.Kind == "master" {
		return store.Invalidf("a tenant has one master account, made with the tenant")
	}
	n.ParentID = orDefault(n.ParentID, n.TenantID)
	parent, err := t.getNode(ctx, n.TenantID, n.ParentID, true)
	if err != nil {
		return err
	}
	n.ID = uuid.NewString()
	n.Path = parent.Path + n.ID + "/"
	n.CreatedAt = t.s.now()
	_, err = t.q.ExecContext(ctx, `INSERT INTO nodes (id, tenant_id, parent_id, name, name_ci, kind, path, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		n.ID, n.TenantID, n.ParentID, n.Name, fold(n.Name), n.Kind, n.Path, t.s.d.timeArg(n.CreatedAt))
	return siblingConflict(err, n.Name)
}

// RenameNode renames a node.
func (t *wtx) RenameNode(ctx context.Context, tenantID, id, name string) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if err := nodeName(name); err != nil {
		return err
	}
	err = changedOne(t.q.ExecContext(ctx, `UPDATE nodes SET name = $1, name_ci = $2 WHERE tenant_id = $3 AND id = $4`,
		name, fold(name), tenantID, id))
	return siblingConflict(err, name)
}

// MoveNode re-parents a node and rewrites the paths of its whole subtree
// in one statement. The master cannot move, and a node cannot move beneath
// itself (the caller checks cycles; this keeps the paths sound anyway).
func (t *wtx) MoveNode(ctx context.Context, tenantID, id, parentID string) (err error) {
	defer func() { err = t.translateInTx(err) }()
	n, err := t.getNode(ctx, tenantID, id, true)
	if err != nil {
		return err
	}
	if n.ParentID == "" {
		return store.Invalidf("the master account cannot be moved")
	}
	parent, err := t.getNode(ctx, tenantID, parentID, true)
	if err != nil {
		return err
	}
	if strings.HasPrefix(parent.Path, n.Path) {
		return store.Invalidf("an account cannot be moved beneath itself")
	}
	if parent.ID == n.ParentID {
		return nil
	}
	// Paths are ASCII (uuids and slashes), so byte and character lengths
	// agree for substr.
	newPath := parent.Path + n.ID + "/"
	_, err = t.q.ExecContext(ctx, `UPDATE nodes
		SET path = CAST($1 AS TEXT) || substr(path, $2),
		    parent_id = CASE WHEN id = $3 THEN CAST($4 AS TEXT) ELSE parent_id END
		WHERE tenant_id = $5 AND substr(path, 1, $6) = $7`,
		newPath, len(n.Path)+1, n.ID, parent.ID, tenantID, len(n.Path), n.Path)
	return siblingConflict(err, n.Name)
}

// DeleteNode deletes a node that nothing uses: the master, a node with
// children, one with grants on it or one in a role's scope is refused.
func (t *wtx) DeleteNode(ctx context.Context, tenantID, id string) (err error) {
	defer func() { err = t.translateInTx(err) }()
	n, err := t.getNode(ctx, tenantID, id, true)
	if err != nil {
		return err
	}
	if n.ParentID == "" {
		return store.Invalidf("the master account cannot be deleted")
	}
	why, err := t.NodeInUse(ctx, tenantID, id)
	if err != nil {
		return err
	}
	switch why {
	case "children":
		return store.Invalidf("account %q has sub-accounts: move or delete them first", n.Name)
	case "grants":
		return store.Invalidf("account %q has roles granted on it: revoke them first", n.Name)
	case "roles":
		return store.Invalidf("account %q is in the scope of a role: remove it from the role first", n.Name)
	}
	return changedOne(t.q.ExecContext(ctx, `DELETE FROM nodes WHERE tenant_id = $1 AND id = $2`, tenantID, id))
}
