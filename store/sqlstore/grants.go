package sqlstore

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

// ownerRole is the built-in Owner role's key, which the partial unique
// index grants_owner_uq guards (its predicate names it literally).
const ownerRole = "owner"

const grantColumns = `g.id, g.tenant_id, g.role, g.node_id, g.user_id, g.group_id, g.source`

func scanGrant(row scanRow) (store.Grant, error) {
	var g store.Grant
	err := row.Scan(&g.ID, &g.TenantID, &g.Role, &g.NodeID, nullStr{&g.UserID}, nullStr{&g.GroupID}, &g.Source)
	return g, err
}

// effectiveGrantsSQL reads a user's own grants and those of every group the
// user is in, directly or through nested groups: the recursive part climbs
// group_members from the user (UNION, not UNION ALL, stops on cycles). Each
// branch is an index lookup: group_members by member, grants by subject
// (grants_user_uq, grants_group_uq), nodes by id.
const effectiveGrantsSQL = `WITH RECURSIVE m(group_id) AS (
		SELECT gm.group_id FROM group_members gm WHERE gm.member_user_id = $2
		UNION
		SELECT gm.group_id FROM m JOIN group_members gm ON gm.member_group_id = m.group_id)
	SELECT ` + grantColumns + `, n.path, n.name FROM grants g JOIN nodes n ON n.id = g.node_id
	WHERE g.user_id = $2 AND g.tenant_id = $1
	UNION ALL
	SELECT ` + grantColumns + `, n.path, n.name FROM m JOIN grants g ON g.group_id = m.group_id JOIN nodes n ON n.id = g.node_id
	WHERE g.tenant_id = $1
	ORDER BY 8, 3, 1`

// EffectiveGrants returns the grants that apply to a user, in one query.
func (r rd) EffectiveGrants(ctx context.Context, tenantID, userID string) ([]store.EffectiveGrant, error) {
	out, err := collect(ctx, r.q, func(row scanRow) (store.EffectiveGrant, error) {
		var e store.EffectiveGrant
		err := row.Scan(&e.ID, &e.TenantID, &e.Role, &e.NodeID, nullStr{&e.UserID}, nullStr{&e.GroupID}, &e.Source,
			&e.NodePath, &e.NodeName)
		e.ViaGroup = e.GroupID
		return e, err
	}, effectiveGrantsSQL, tenantID, userID)
	return out, r.translate(err)
}

// grantSubject returns the column and table of a grant's subject, or an
// error unless exactly one of userID and groupID is set.
func grantSubject(userID, groupID string) (col, table, id string, err error) {
	switch {
	case userID != "" && groupID == "":
		return "user_id", tblUsers, userID, nil
	case groupID != "" && userID == "":
		return "group_id", tblGroups, groupID, nil
	}
	return "", "", "", store.Invalidf("a grant is made either to a user or to a group")
}

// GrantsOf lists the grants made to a user or a group.
func (r rd) GrantsOf(ctx context.Context, tenantID, userID, groupID string) ([]store.Grant, error) {
	col, _, id, err := grantSubject(userID, groupID)
	if err != nil {
		return nil, err
	}
	out, err := collect(ctx, r.q, scanGrant, `SELECT `+grantColumns+` FROM grants g
		WHERE g.`+col+` = $2 AND g.tenant_id = $1 ORDER BY g.role, g.node_id, g.source, g.id`, tenantID, id)
	return out, r.translate(err)
}

// GroupGrantsRole reports whether the group or a group containing it
// (through nesting) has a grant of one of the roles.
func (r rd) GroupGrantsRole(ctx context.Context, tenantID, groupID string, roles []string) (bool, error) {
	if len(roles) == 0 {
		return false, nil
	}
	var found bool
	err := r.q.QueryRowContext(ctx, groupGrantsRoleSQL(len(roles)), anyArgs([]any{tenantID, groupID}, roles)...).Scan(&found)
	return found, r.translate(err)
}

// groupGrantsRoleSQL is GroupGrantsRole's query ($1 the tenant, $2 the
// group, then n roles).
func groupGrantsRoleSQL(n int) string {
	return `WITH RECURSIVE up(group_id) AS (
			SELECT CAST($2 AS TEXT)
			UNION
			SELECT gm.group_id FROM up JOIN group_members gm ON gm.member_group_id = up.group_id)
		SELECT EXISTS (SELECT 1 FROM up JOIN grants g ON g.group_id = up.group_id
			WHERE g.tenant_id = $1 AND g.role IN (` + placeholders(3, n) + `))`
}

// GroupGrantsNone reports whether neither the group nor a group it is in
// grants one of the roles (see store.Tx). Held back on PostgreSQL: the
// answer is yes, checked by the statement that sends the transaction's
// writes, which refuses itself when it does not hold; the transaction then
// runs again statement by statement, and this reads.
func (t *wtx) GroupGrantsNone(ctx context.Context, tenantID, groupID string, roles []string) (bool, error) {
	if len(roles) == 0 {
		return true, nil
	}
	if t.deferring() {
		t.lazy.later(deferred{check: `NOT (` + groupGrantsRoleSQL(len(roles)) + `)`,
			checkArgs: anyArgs([]any{tenantID, groupID}, roles), code: checkStrict})
		return true, nil
	}
	grants, err := t.GroupGrantsRole(ctx, tenantID, groupID, roles)
	return !grants, err
}

// CountGrants counts a tenant's grants of a role.
func (r rd) CountGrants(ctx context.Context, tenantID, role string) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM grants WHERE tenant_id = $1 AND role = $2`, tenantID, role).Scan(&n)
	return n, r.translate(err)
}

// Owner returns the user holding the tenant's owner grant, "" if none.
func (r rd) Owner(ctx context.Context, tenantID string) (string, error) {
	id, err := collectOne(ctx, r.q, scanString, `SELECT user_id FROM grants WHERE tenant_id = $1 AND role = 'owner'`, tenantID)
	if err == store.ErrNotFound {
		return "", nil
	}
	return id, r.translate(err)
}

// AddGrant adds a grant. The insert skips any unique conflict (ON CONFLICT
// DO NOTHING), which on PostgreSQL waits for a concurrent transaction that
// inserted the same key and keeps this transaction usable; when nothing was
// inserted, either an equal grant is there (g takes its id) or the tenant
// already has an owner grant, which a statement run afterwards sees.
func (t *wtx) AddGrant(ctx context.Context, g *store.Grant) (err error) {
	defer func() { err = t.translateInTx(err) }()
	col, table, subject, err := grantSubject(g.UserID, g.GroupID)
	if err != nil {
		return err
	}
	if strings.TrimSpace(g.Role) == "" {
		return store.Invalidf("a grant needs a role")
	}
	if g.Role == ownerRole && g.GroupID != "" {
		return store.Invalidf("the Owner role is held by one user: it cannot be granted to a group")
	}
	if g.NodeID == "" {
		g.NodeID = g.TenantID
	}
	g.Source = orDefault(g.Source, store.GrantDirect)
	if err := mustExist(ctx, t.q, table, g.TenantID, subject); err != nil {
		return err
	}
	if ok, err := exists(ctx, t.q, tblNodes, g.TenantID, g.NodeID); err != nil || !ok {
		if err == nil {
			err = store.Invalidf("account %q is not an account of this tenant", g.NodeID)
		}
		return err
	}
	id := uuid.NewString()
	res, err := t.q.ExecContext(ctx, `INSERT INTO grants (id, tenant_id, role, node_id, user_id, group_id, source, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		id, g.TenantID, g.Role, g.NodeID, nullable(g.UserID), nullable(g.GroupID), g.Source, t.s.d.timeArg(t.s.now()))
	if err != nil {
		return err
	}
	if ok, err := affected(res); err != nil || ok {
		if ok {
			g.ID = id
		}
		return err
	}
	// An equal grant: the same subject, role and node, and for a user the
	// same source (grants_user_uq, grants_group_uq).
	same := `SELECT id FROM grants WHERE ` + col + ` = $1 AND role = $2 AND node_id = $3`
	args := []any{subject, g.Role, g.NodeID}
	if g.UserID != "" {
		same += ` AND source = $4`
		args = append(args, g.Source)
	}
	existing, err := collectOne(ctx, t.q, scanString, same, args...)
	if err == nil {
		g.ID = existing
		return nil
	}
	if err != store.ErrNotFound {
		return err
	}
	if g.Role == ownerRole {
		holder, err := t.Owner(ctx, g.TenantID)
		if err != nil {
			return err
		}
		return &store.ConflictError{Field: "owner", Holder: holder, Value: ownerRole}
	}
	return &store.ConflictError{Field: "grant"}
}

// RemoveGrants removes a user's or group's grants matching role and
// source ("" matches any).
func (t *wtx) RemoveGrants(ctx context.Context, tenantID, userID, groupID, role, source string) (_ int, err error) {
	defer func() { err = t.translateInTx(err) }()
	col, _, id, err := grantSubject(userID, groupID)
	if err != nil {
		return 0, err
	}
	q := `DELETE FROM grants WHERE ` + col + ` = $1 AND tenant_id = $2`
	args := []any{id, tenantID}
	if role != "" {
		args = append(args, role)
		q += ` AND role = $` + itoa(len(args))
	}
	if source != "" {
		args = append(args, source)
		q += ` AND source = $` + itoa(len(args))
	}
	res, err := t.q.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
