package account

import (
	"context"
	"strings"

	"github.com/scimd/scimd/store"
)

// Node kinds of the account tree (seeds 000, 002).
var NodeKinds = []string{"account", "group", "location"}

// Nodes lists a tenant's account tree.
func (s *Service) Nodes(ctx context.Context, a Actor, tenantID string) ([]store.Node, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	return s.st.Reader().Nodes(ctx, tenantID)
}

func checkNodeName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return "", invalid("name", "a node needs a name of 1 to 200 characters")
	}
	return name, nil
}

func checkKind(kind string) (string, error) {
	if kind == "" {
		return "account", nil
	}
	for _, k := range NodeKinds {
		if strings.EqualFold(k, kind) {
			return k, nil
		}
	}
	return "", invalid("kind", "kind %q is not one of %s", kind, strings.Join(NodeKinds, ", "))
}

// CreateNode creates a node beneath parent ("" for the master account).
// The actor needs accounts.manage at the parent.
func (s *Service) CreateNode(ctx context.Context, a Actor, tenantID, parentID, name, kind string) (store.Node, error) {
	n := store.Node{TenantID: tenantID, ParentID: parentID}
	var err error
	if n.Name, err = checkNodeName(name); err != nil {
		return n, err
	}
	if n.Kind, err = checkKind(kind); err != nil {
		return n, err
	}
	if n.ParentID == "" {
		n.ParentID = tenantID
	}
	path, err := nodePath(ctx, s.st.Reader(), tenantID, n.ParentID)
	if err != nil {
		return n, err
	}
	err = s.administer(ctx, a, tenantID, PermAccountsManage, path, "creating accounts", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		if err := tx.InsertNode(ctx, &n); err != nil {
			return "", "", "", nil, nodeConflict(err, n.Name)
		}
		return "node.created", "Node", n.ID, changes{"name": {After: n.Name}, "parent": {After: n.ParentID}}, nil
	})
	return n, err
}

func nodeConflict(err error, name string) error {
	if KindOf(err) == Conflict {
		return conflict("name", "", "a node named %q already exists there", name)
	}
	return err
}

// RenameNode renames a node.
func (s *Service) RenameNode(ctx context.Context, a Actor, tenantID, id, name string) error {
	name, err := checkNodeName(name)
	if err != nil {
		return err
	}
	path, err := nodePath(ctx, s.st.Reader(), tenantID, id)
	if err != nil {
		return err
	}
	return s.administer(ctx, a, tenantID, PermAccountsManage, path, "renaming accounts", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		old, err := tx.GetNode(ctx, tenantID, id)
		if err != nil {
			return "", "", "", nil, err
		}
		if err := tx.RenameNode(ctx, tenantID, id, name); err != nil {
			return "", "", "", nil, nodeConflict(err, name)
		}
		return "node.renamed", "Node", id, changes{"name": {Before: old.Name, After: name}}, nil
	})
}

// MoveNode moves a node, with everything beneath it, under a new parent:
// not beneath itself, and not the master.
func (s *Service) MoveNode(ctx context.Context, a Actor, tenantID, id, parentID string) error {
	if id == tenantID {
		return invalid("parent", "the master account cannot move")
	}
	if parentID == "" {
		parentID = tenantID
	}
	r := s.st.Reader()
	from, err := nodePath(ctx, r, tenantID, id)
	if err != nil {
		return err
	}
	to, err := nodePath(ctx, r, tenantID, parentID)
	if err != nil {
		return err
	}
	return s.administer(ctx, a, tenantID, PermAccountsManage, from, "moving accounts", func(tx store.Tx, au authority) (string, string, string, any, error) {
		if err := tx.LockTenant(ctx, tenantID); err != nil {
			return "", "", "", nil, err
		}
		// Read again under the lock: a concurrent move may have changed
		// the paths.
		n, err := tx.GetNode(ctx, tenantID, id)
		if err != nil {
			return "", "", "", nil, err
		}
		p, err := tx.GetNode(ctx, tenantID, parentID)
		if err != nil {
			return "", "", "", nil, invalid("parent", "no account node %q in this tenant", parentID)
		}
		if strings.HasPrefix(p.Path, n.Path) {
			return "", "", "", nil, invalid("parent", "a node cannot move beneath itself")
		}
		if err := au.require(PermAccountsManage, to, "moving accounts there"); err != nil {
			return "", "", "", nil, err
		}
		if err := tx.MoveNode(ctx, tenantID, id, parentID); err != nil {
			return "", "", "", nil, nodeConflict(err, n.Name)
		}
		return "node.moved", "Node", id, changes{"parent": {Before: n.ParentID, After: parentID}}, nil
	})
}

// DeleteNode deletes a node that has no children, no grants on it and is
// in no role's scope; otherwise it says which.
func (s *Service) DeleteNode(ctx context.Context, a Actor, tenantID, id string) error {
	if id == tenantID {
		return invalid("node", "the master account cannot be deleted")
	}
	path, err := nodePath(ctx, s.st.Reader(), tenantID, id)
	if err != nil {
		return err
	}
	return s.administer(ctx, a, tenantID, PermAccountsManage, path, "deleting accounts", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		n, err := tx.GetNode(ctx, tenantID, id)
		if err != nil {
			return "", "", "", nil, err
		}
		why, err := tx.NodeInUse(ctx, tenantID, id)
		if err != nil {
			return "", "", "", nil, err
		}
		switch why {
		case "children":
			return "", "", "", nil, conflict("node", "", "%q has nodes beneath it: move or delete them first", n.Name)
		case "grants":
			return "", "", "", nil, conflict("node", "", "roles are granted at %q: revoke them first", n.Name)
		case "roles":
			return "", "", "", nil, conflict("node", "", "%q is in a role's scope: remove it from the role first", n.Name)
		}
		if err := tx.DeleteNode(ctx, tenantID, id); err != nil {
			return "", "", "", nil, err
		}
		return "node.deleted", "Node", id, changes{"name": {Before: n.Name}}, nil
	})
}
