package sqlstore

import (
	"context"

	"github.com/scimd/scimd/store"
)

// Stats counts a tenant's users by state and those holding one of
// adminRoles, in two queries. The first lists the groups whose members hold
// such a role: the groups granted one and the groups nested in them (a
// small set). The second counts, in one row, each state (through
// users_state_idx) and the admins: the users granted a role directly or
// through one of those groups, less those inactive. Listing the groups
// first lets the planner see how few there are; inside one query the
// recursive part's estimate is ten times too high, which made PostgreSQL
// scan and hash all of group_members, and crossed jit_above_cost.
func (r rd) Stats(ctx context.Context, tenantID string, adminRoles []string) (store.Stats, error) {
	var st store.Stats
	args := []any{tenantID}
	with, admin := "", "0"
	if len(adminRoles) > 0 {
		roleIn := placeholders(2, len(adminRoles))
		args = anyArgs(args, adminRoles)
		groups, err := collect(ctx, r.q, scanString, adminGroupsSQL(roleIn), args...)
		if err != nil {
			return st, r.translate(err)
		}
		holders := `SELECT g.user_id FROM grants g WHERE g.tenant_id = $1 AND g.user_id IS NOT NULL AND g.role IN (` + roleIn + `)`
		if len(groups) > 0 {
			groupIn := `SELECT group_id FROM (` + adminGroupsSQL(roleIn) + `) ag`
			if len(groups) <= maxIDsPerStatement {
				groupIn = placeholders(len(args)+1, len(groups))
				args = anyArgs(args, groups)
			}
			holders += ` UNION SELECT gm.member_user_id FROM group_members gm
				WHERE gm.group_id IN (` + groupIn + `) AND gm.member_user_id IS NOT NULL`
		}
		with = `WITH a(user_id) AS (` + holders + `) `
		admin = `(SELECT count(*) FROM a) -
			(SELECT count(*) FROM a JOIN users u ON u.id = a.user_id WHERE u.tenant_id = $1 AND u.state = 'inactive')`
	}
	err := r.q.QueryRowContext(ctx, with+`SELECT
			(SELECT count(*) FROM users WHERE tenant_id = $1 AND state = 'active'),
			(SELECT count(*) FROM users WHERE tenant_id = $1 AND state = 'invited'),
			(SELECT count(*) FROM users WHERE tenant_id = $1 AND state = 'inactive'), `+admin,
		args...).Scan(&st.Active, &st.Invited, &st.Inactive, &st.Admin)
	st.Standard = st.Active + st.Invited - st.Admin
	return st, r.translate(err)
}

// adminGroupsSQL lists the tenant's ($1) groups granted one of the roles
// in roleIn, and the groups nested in them, whose user members hold the
// role too (UNION stops on cycles).
func adminGroupsSQL(roleIn string) string {
	return `WITH RECURSIVE ag(group_id) AS (
			SELECT g.group_id FROM grants g WHERE g.tenant_id = $1 AND g.group_id IS NOT NULL AND g.role IN (` + roleIn + `)
			UNION
			SELECT gm.member_group_id FROM ag JOIN group_members gm ON gm.group_id = ag.group_id
			WHERE gm.member_group_id IS NOT NULL)
		SELECT group_id FROM ag`
}
