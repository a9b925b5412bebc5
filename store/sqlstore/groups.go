package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

const groupSelect = `g.id, g.tenant_id, g.external_id, g.display_name, g.created_at, g.last_modified, g.version`

func scanGroup(row interface{ Scan(...any) error }, extra ...any) (*store.Group, error) {
	g := &store.Group{}
	dest := []any{&g.ID, &g.TenantID, nullStr{&g.ExternalID}, &g.DisplayName,
		timeScan{&g.Meta.Created}, timeScan{&g.Meta.LastModified}, &g.Meta.Version}
	return g, row.Scan(append(dest, extra...)...)
}

// InsertGroup inserts a group and its members.
func (t *wtx) InsertGroup(ctx context.Context, g *store.Group) (err error) {
	defer func() { err = t.translate(err) }()
	now := t.s.now()
	g.ID = uuid.NewString()
	g.Meta = store.Meta{Created: now, LastModified: now, Version: 1}
	if _, err := t.q.ExecContext(ctx, `INSERT INTO groups (id, tenant_id, external_id, display_name, display_name_ci, created_at, last_modified, version)
		VALUES ($1, $2, $3, $4, $5, $6, $6, 1)`,
		g.ID, g.TenantID, nullable(g.ExternalID), g.DisplayName, fold(g.DisplayName), t.s.d.timeArg(now)); err != nil {
		return tenantGone(err)
	}
	if len(g.Members) == 0 {
		return nil
	}
	ids := make([]string, len(g.Members))
	for i, m := range g.Members {
		ids[i] = m.ID
	}
	m := t.members(g.TenantID, g.ID)
	if err := m.Add(ctx, ids); err != nil {
		return err
	}
	list, err := m.List(ctx)
	g.Members = list
	return err
}

// GetGroup loads one group.
func (r rd) GetGroup(ctx context.Context, tenantID, id string, load store.Load) (*store.Group, error) {
	g, err := r.s.getGroup(ctx, r.q, tenantID, id, false)
	if err == nil && load&store.LoadMembers != 0 {
		err = loadMembers(ctx, r.q, []*store.Group{g})
	}
	if err == nil && load&store.LoadDomain != 0 {
		err = r.loadGroupDomains(ctx, []*store.Group{g})
	}
	return g, r.translate(err)
}

func (s *Store) getGroup(ctx context.Context, q querier, tenantID, id string, lock bool) (*store.Group, error) {
	query := `SELECT ` + groupSelect + ` FROM groups g WHERE g.tenant_id = $1 AND g.id = $2`
	if lock {
		query += s.d.forUpdate
	}
	g, err := scanGroup(q.QueryRowContext(ctx, query, tenantID, id))
	if err == sql.ErrNoRows {
		return nil, store.ErrNotFound
	}
	return g, err
}

// LockGroup locks a group's row and returns it.
func (t *wtx) LockGroup(ctx context.Context, tenantID, id string) (r0 *store.Group, err error) {
	defer func() { err = t.translate(err) }()
	return t.s.getGroup(ctx, t.q, tenantID, id, true)
}

// WriteGroup writes a group's attributes with a new version.
func (t *wtx) WriteGroup(ctx context.Context, g *store.Group) (err error) {
	defer func() { err = t.translate(err) }()
	g.Meta.LastModified = t.s.now()
	g.Meta.Version++
	res, err := t.q.ExecContext(ctx, `UPDATE groups SET external_id = $1, display_name = $2, display_name_ci = $3,
		last_modified = $4, version = $5 WHERE tenant_id = $6 AND id = $7`,
		nullable(g.ExternalID), g.DisplayName, fold(g.DisplayName), t.s.d.timeArg(g.Meta.LastModified), g.Meta.Version,
		g.TenantID, g.ID)
	if err != nil {
		return err
	}
	if ok, err := affected(res); err != nil || !ok {
		if err == nil {
			err = store.ErrNotFound
		}
		return err
	}
	return nil
}

// Members edits a group's membership in the transaction. On PostgreSQL
// its first change is held back (see deferred.go), so the transaction
// learns only at the commit whether it changed anything.
func (t *wtx) Members(tenantID, groupID string) store.Members {
	m := t.members(tenantID, groupID)
	m.hold = t.deferring()
	m.lazy = t.lazy
	return m
}

// members edits sent as they come, which know whether they changed anything.
func (t *wtx) members(tenantID, groupID string) *members {
	return &members{s: t.s, tx: t.q, tenantID: tenantID, groupID: groupID}
}

// BumpGroup gives a group a new version and returns it. On PostgreSQL the
// bump is held back with the transaction's other writes and the group is
// filled in when the transaction commits (ErrNotFound, then, if the group
// is not the tenant's).
func (t *wtx) BumpGroup(ctx context.Context, tenantID, id string) (r0 *store.Group, err error) {
	defer func() { err = t.translate(err) }()
	bump := `UPDATE groups SET version = version + 1, last_modified = $1
		WHERE tenant_id = $2 AND id = $3 RETURNING ` + strings.ReplaceAll(groupSelect, "g.", "")
	args := []any{t.s.d.timeArg(t.s.now()), tenantID, id}
	if t.lazy != nil && !t.lazy.scanning() {
		g := &store.Group{}
		t.lazy.later(deferred{sql: bump, args: args, check: `EXISTS (SELECT 1 FROM {w})`, code: checkNotFound,
			scan: func(row scanRow) error {
				got, err := scanGroup(row)
				if err == nil {
					*g = *got
				}
				return err
			}})
		return g, nil
	}
	g, err := scanGroup(t.q.QueryRowContext(ctx, bump, args...))
	if err == sql.ErrNoRows {
		return nil, store.ErrNotFound // deleted meanwhile
	}
	return g, err
}

// DeleteGroup deletes a group; memberships in and of it cascade. Groups it
// was a member of get a new version.
func (t *wtx) DeleteGroup(ctx context.Context, tenantID, id string) (err error) {
	defer func() { err = t.translate(err) }()
	if _, err := t.q.ExecContext(ctx, `UPDATE groups SET version = version + 1, last_modified = $1
		WHERE id IN (SELECT group_id FROM group_members WHERE member_group_id = $2)`, t.s.d.timeArg(t.s.now()), id); err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `DELETE FROM groups WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return err
	}
	if ok, err := affected(res); err != nil || !ok {
		if err == nil {
			err = store.ErrNotFound
		}
		return err
	}
	return nil
}

// CreateGroup inserts a group and its members in one transaction.
func (s *Store) CreateGroup(ctx context.Context, g *store.Group) error {
	return s.InTx(ctx, func(tx store.Tx) error { return tx.InsertGroup(ctx, g) })
}

// GetGroup loads one group.
func (s *Store) GetGroup(ctx context.Context, tenantID, id string, load store.Load) (*store.Group, error) {
	return s.Reader().GetGroup(ctx, tenantID, id, load)
}

// UpdateGroup locks the group row, lets update change attributes and
// members, and bumps the version when anything changed. The row lock makes
// concurrent member changes queue instead of losing each other.
func (s *Store) UpdateGroup(ctx context.Context, tenantID, id string, update func(g *store.Group, m store.Members) error) (*store.Group, error) {
	var result *store.Group
	err := s.InTx(ctx, func(tx store.Tx) error {
		old, err := tx.LockGroup(ctx, tenantID, id)
		if err != nil {
			return err
		}
		g := *old
		m := tx.(*wtx).members(tenantID, id)
		if err := update(&g, m); err != nil {
			return err
		}
		g.ID, g.TenantID, g.Meta, g.Members = old.ID, old.TenantID, old.Meta, nil
		if g.DisplayName == old.DisplayName && g.ExternalID == old.ExternalID && !m.changed {
			result = old
			return nil
		}
		result = &g
		return tx.WriteGroup(ctx, &g)
	})
	return result, err
}

// EditMembers changes a group's membership, taking the group's row lock
// only for the final version bump (see store.Groups).
func (s *Store) EditMembers(ctx context.Context, tenantID, id string, edit func(m store.Members) error) (*store.Group, error) {
	var result *store.Group
	err := s.InTx(ctx, func(tx store.Tx) error {
		g, err := tx.GetGroup(ctx, tenantID, id, 0)
		if err != nil {
			return err
		}
		m := tx.(*wtx).members(tenantID, id)
		if err := edit(m); err != nil {
			return err
		}
		if !m.changed {
			result = g
			return nil
		}
		result, err = tx.BumpGroup(ctx, tenantID, id)
		return err
	})
	return result, err
}

// DeleteGroup deletes a group after check, if not nil, saw it.
func (s *Store) DeleteGroup(ctx context.Context, tenantID, id string, check func(g *store.Group) error) error {
	return s.InTx(ctx, func(tx store.Tx) error {
		g, err := tx.LockGroup(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(g); err != nil {
				return err
			}
		}
		return tx.DeleteGroup(ctx, tenantID, id)
	})
}

// loadMembers fills the members of groups.
func loadMembers(ctx context.Context, q querier, groups []*store.Group) error {
	if len(groups) == 0 {
		return nil
	}
	byID := make(map[string]*store.Group, len(groups))
	args := make([]any, 0, len(groups))
	for _, g := range groups {
		byID[g.ID] = g
		g.Members = []store.Member{}
		args = append(args, g.ID)
	}
	rows, err := q.QueryContext(ctx, `SELECT gm.group_id, gm.member_user_id, gm.member_group_id,
		coalesce(u.display_name, u.user_name, mg.display_name)
		FROM group_members gm
		LEFT JOIN users u ON u.id = gm.member_user_id
		LEFT JOIN groups mg ON mg.id = gm.member_group_id
		WHERE gm.group_id IN (`+placeholders(1, len(args))+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var gid, userID, groupID, display string
		if err := rows.Scan(&gid, nullStr{&userID}, nullStr{&groupID}, nullStr{&display}); err != nil {
			return err
		}
		m := store.Member{ID: userID, Type: store.MemberUser, Display: display}
		if userID == "" {
			m.ID, m.Type = groupID, store.MemberGroup
		}
		byID[gid].Members = append(byID[gid].Members, m)
	}
	return rows.Err()
}
