package sqlstore

import (
	"context"
	"fmt"

	"github.com/scimd/scimd/store"
)

// A user's groups are those it is a member of directly and those reached
// through nested groups. On PostgreSQL the user read (userSelect) takes
// only the direct ones, each with whether it is itself a member of a
// group: if none is, nesting adds nothing and they are all the groups.
// Otherwise loadGroupClosures reads them all with the recursive query,
// for the users that need it, in one more statement. The recursive query
// in every user read cost a recursive union, a hash aggregate, a join and
// their hash tables to set up on every execution, run or not: some 10 µs
// of the database's time on each GET, for tenants that mostly do not nest
// groups.

// pgDirectGroups is userSelect's groups column on PostgreSQL: rows of
// [id, display name, 1 (direct), whether the group has a parent group],
// ordered as userGroupsClosure orders them. The lateral lookup of the
// group by primary key is the one groupsJoin explains.
const pgDirectGroups = `, array_to_json(ARRAY(SELECT json_build_array(g.id, g.display_name, 1,
			EXISTS (SELECT 1 FROM group_members p WHERE p.member_group_id = g.id))
		FROM group_members gm CROSS JOIN LATERAL (SELECT g.id, g.display_name FROM groups g WHERE g.id = gm.group_id LIMIT 1) g
		WHERE gm.member_user_id = u.id ORDER BY g.display_name, g.id))`

// userGroupsClosure is userSelect's groups column everywhere else: all
// the user's groups, direct or through nested groups; UNION (not UNION
// ALL) stops the recursion on cycles.
func (s *Store) userGroupsClosure() string {
	return fmt.Sprintf(`, (WITH RECURSIVE m(group_id, direct) AS (
			SELECT gm.group_id, 1 FROM group_members gm WHERE gm.member_user_id = u.id
			UNION
			SELECT gm.group_id, 0 FROM m JOIN group_members gm ON gm.member_group_id = m.group_id)
		SELECT %s(%s(g.id, g.display_name, x.direct) ORDER BY g.display_name, g.id)
		FROM (SELECT group_id, max(direct) AS direct FROM m GROUP BY group_id) x %s)`,
		s.d.jsonAgg, s.d.jsonArray, s.groupsJoin())
}

// fillGroups sets u.Groups from the rows of the groups column; nested
// reports a direct group that is a member of another (pgDirectGroups'
// fourth cell), when the groups must be read again with the closure.
func fillGroups(u *store.User, rows [][]cell) (nested bool) {
	for _, r := range rows {
		u.Groups = append(u.Groups, store.GroupRef{ID: cellStr(r, 0), Display: cellStr(r, 1), Direct: cellBool(r, 2)})
		nested = nested || cellBool(r, 3)
	}
	return nested
}

// loadGroupClosures replaces the groups of users (read with
// pgDirectGroups, some of them in nested groups) with all their groups,
// as userGroupsClosure reads them: per user, the same rows in the same
// order.
func (s *Store) loadGroupClosures(ctx context.Context, q querier, users []*store.User) error {
	if len(users) == 0 {
		return nil
	}
	byID := make(map[string][]*store.User, len(users))
	ids := make([]string, 0, len(users))
	for _, u := range users {
		if _, ok := byID[u.ID]; !ok {
			ids = append(ids, u.ID)
		}
		byID[u.ID] = append(byID[u.ID], u)
		u.Groups = nil
	}
	return byChunks(ids, func(chunk []string) error {
		return sqlQueryEach(ctx, q, `WITH RECURSIVE m(user_id, group_id, direct) AS (
				SELECT gm.member_user_id, gm.group_id, 1 FROM group_members gm WHERE gm.member_user_id IN (`+placeholders(1, len(chunk))+`)
				UNION
				SELECT m.user_id, gm.group_id, 0 FROM m JOIN group_members gm ON gm.member_group_id = m.group_id)
			SELECT x.user_id, g.id, g.display_name, x.direct
			FROM (SELECT user_id, group_id, max(direct) AS direct FROM m GROUP BY user_id, group_id) x `+s.groupsJoin()+`
			ORDER BY x.user_id, g.display_name, g.id`, anyArgs(nil, chunk), func(row scanRow) error {
			var userID string
			var g store.GroupRef
			var direct int64
			if err := row.Scan(&userID, &g.ID, nullStr{&g.Display}, &direct); err != nil {
				return err
			}
			g.Direct = direct != 0
			for _, u := range byID[userID] {
				u.Groups = append(u.Groups, g)
			}
			return nil
		})
	})
}
