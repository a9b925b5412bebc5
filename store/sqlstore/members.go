package sqlstore

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scimd/scimd/store"
)

// members edits one group's membership inside UpdateGroup's transaction.
// Every method is a row operation: the member list is never rewritten.
type members struct {
	s        *Store
	tx       querier
	tenantID string
	groupID  string
	changed  bool
	// hold says that the next change may be held back in lazy, on the
	// optimistic assumption that every id added is a user of the tenant
	// (PostgreSQL; the group's tenant is checked by its version bump). One
	// change is: the next ones are sent as they come, after it.
	hold bool
	lazy *lazyTx
}

// maxIDsPerStatement keeps parameter lists well under both databases' limits.
const maxIDsPerStatement = 500

// Add adds members by id. Ids that are neither a user nor a group of the
// tenant are refused; a group may not contain itself, even indirectly.
func (m *members) Add(ctx context.Context, ids []string) (err error) {
	defer func() { err = m.s.d.translate(err) }()
	ids = dedupe(ids)
	if m.hold && len(ids) > 0 && len(ids) <= maxIDsPerStatement {
		m.hold = false
		m.holdAdd(ids)
		return nil
	}
	m.hold = false
	for len(ids) > 0 {
		n := min(len(ids), maxIDsPerStatement)
		if err := m.add(ctx, ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func (m *members) add(ctx context.Context, ids []string) error {
	args := []any{m.tenantID}
	for _, id := range ids {
		args = append(args, id)
	}
	in := placeholders(2, len(ids))
	query := `SELECT id, 'User', 0 FROM users WHERE tenant_id = $1 AND id IN (` + in + `)
		UNION ALL SELECT id, 'Group', 0 FROM groups WHERE tenant_id = $1 AND id IN (` + in + `)`
	// On PostgreSQL the users among ids are added by the same statement
	// that looks them up (a data-modifying CTE): adding users, what IdPs
	// do all day, is one round trip. The third column counts the rows
	// inserted. (SQLite has no INSERT in WITH; its statements cost no
	// network round trip.)
	usersAdded := m.s.d.name == pgDialect.name
	if usersAdded {
		args = append(args, m.groupID)
		query = `WITH k AS (SELECT id FROM users WHERE tenant_id = $1 AND id IN (` + in + `)),
			ins AS (INSERT INTO group_members (group_id, member_user_id) SELECT $` + itoa(len(args)) + `, id FROM k
				ON CONFLICT DO NOTHING RETURNING 1)
			SELECT id, 'User', (SELECT count(*) FROM ins) FROM k
			UNION ALL SELECT id, 'Group', 0 FROM groups WHERE tenant_id = $1 AND id IN (` + in + `)`
	}
	rows, err := m.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return memberFKError(err)
	}
	kinds := map[string]string{}
	for rows.Next() {
		var id, kind string
		var inserted int64
		if err := rows.Scan(&id, &kind, &inserted); err != nil {
			rows.Close()
			return err
		}
		kinds[id] = kind
		if inserted > 0 {
			m.changed = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return memberFKError(err)
	}
	var userIDs, groupIDs []any
	for _, id := range ids {
		switch kinds[id] {
		case store.MemberUser:
			if !usersAdded {
				userIDs = append(userIDs, id)
			}
		case store.MemberGroup:
			if err := m.checkCycle(ctx, id); err != nil {
				return err
			}
			groupIDs = append(groupIDs, id)
		default:
			return store.Invalidf("member %q is neither a user nor a group of this tenant", id)
		}
	}
	for col, list := range map[string][]any{"member_user_id": userIDs, "member_group_id": groupIDs} {
		if len(list) == 0 {
			continue
		}
		values := make([]string, len(list))
		args := []any{m.groupID}
		for i, id := range list {
			values[i] = "($1, $" + itoa(i+2) + ")"
			args = append(args, id)
		}
		res, err := m.tx.ExecContext(ctx, `INSERT INTO group_members (group_id, `+col+`) VALUES `+
			strings.Join(values, ", ")+` ON CONFLICT DO NOTHING`, args...)
		if err != nil {
			return memberFKError(err)
		}
		if ok, _ := affected(res); ok {
			m.changed = true
		}
	}
	return nil
}

// holdAdd holds back the INSERT of users as members, checked in its
// statement to have found every id: one that is not a user of the tenant
// (a group, or nothing) refuses the statement whole, and the transaction
// runs again with each change sent as it comes, where add tells groups and
// unknown ids apart.
func (m *members) holdAdd(ids []string) {
	args := []any{m.groupID, m.tenantID}
	for _, id := range ids {
		args = append(args, id)
	}
	checkArgs := append([]any{len(ids)}, args[1:]...)
	m.lazy.later(deferred{
		sql: `INSERT INTO group_members (group_id, member_user_id) SELECT $1, id FROM users
			WHERE tenant_id = $2 AND id IN (` + placeholders(3, len(ids)) + `) ON CONFLICT DO NOTHING`,
		args:      args,
		check:     `(SELECT count(*) FROM users WHERE tenant_id = $2 AND id IN (` + placeholders(3, len(ids)) + `)) = $1`,
		checkArgs: checkArgs,
		code:      checkStrict,
		fix:       memberFKError,
	})
}

// nestingLockKey identifies, with hashtext(tenant_id), the PostgreSQL
// advisory lock that serialises adding groups to groups within a tenant.
const nestingLockKey = 0x5c1d_0002

// memberFKError explains a foreign key violation inserting members: the
// group or a member was deleted by a concurrent transaction after add found
// it (PostgreSQL; on SQLite writers do not overlap).
func memberFKError(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23503" {
		return err
	}
	switch {
	case pgErr.ConstraintName == "group_members_group_id_fkey":
		return store.ErrNotFound
	case strings.HasPrefix(pgErr.ConstraintName, "group_members_"):
		return store.Invalidf("a member was deleted while it was being added")
	}
	return err // another table's (sent in one statement with the member)
}

// checkCycle refuses to add child to the group when the group is already
// (transitively) a member of child, or is child itself.
func (m *members) checkCycle(ctx context.Context, child string) error {
	if child == m.groupID {
		return store.Invalidf("a group cannot be a member of itself")
	}
	if m.s.d.name == pgDialect.name {
		// Two transactions nesting A in B and B in A would each find no
		// cycle in its own snapshot. The tenant's nesting lock makes them
		// take turns; the second then sees the first's row. (SQLite runs
		// one writer at a time already.)
		if _, err := m.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, nestingLockKey, m.tenantID); err != nil {
			return err
		}
	}
	var found int
	err := m.tx.QueryRowContext(ctx, `WITH RECURSIVE d(id) AS (
		SELECT CAST($1 AS TEXT)
		UNION
		SELECT gm.member_group_id FROM group_members gm JOIN d ON gm.group_id = d.id WHERE gm.member_group_id IS NOT NULL
	) SELECT count(*) FROM d WHERE id = $2`, child, m.groupID).Scan(&found)
	if err != nil {
		return err
	}
	if found > 0 {
		return store.Invalidf("adding group %q as a member would make a cycle: it already contains this group", child)
	}
	return nil
}

// Remove removes the given members; ids that are not members are ignored.
func (m *members) Remove(ctx context.Context, ids []string) (err error) {
	defer func() { err = m.s.d.translate(err) }()
	ids = dedupe(ids)
	hold := m.hold
	m.hold = false
	for len(ids) > 0 {
		n := min(len(ids), maxIDsPerStatement)
		args := []any{m.groupID}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		in := placeholders(2, n)
		del := `DELETE FROM group_members WHERE group_id = $1
			AND (member_user_id IN (` + in + `) OR member_group_id IN (` + in + `))`
		if hold {
			m.lazy.later(deferred{sql: del, args: args})
			ids = ids[n:]
			continue
		}
		res, err := m.tx.ExecContext(ctx, del, args...)
		if err != nil {
			return err
		}
		if ok, _ := affected(res); ok {
			m.changed = true
		}
		ids = ids[n:]
	}
	return nil
}

// RemoveAll empties the group.
func (m *members) RemoveAll(ctx context.Context) (err error) {
	defer func() { err = m.s.d.translate(err) }()
	res, err := m.tx.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = $1`, m.groupID)
	if err != nil {
		return err
	}
	if ok, _ := affected(res); ok {
		m.changed = true
	}
	return nil
}

// List returns the current members.
func (m *members) List(ctx context.Context) (_ []store.Member, err error) {
	defer func() { err = m.s.d.translate(err) }()
	g := &store.Group{ID: m.groupID}
	err = loadMembers(ctx, m.tx, []*store.Group{g})
	return g.Members, err
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
