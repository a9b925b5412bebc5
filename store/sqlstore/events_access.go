package sqlstore

import (
	"context"
)

// AccessHolders lists the users holding, themselves or through a group
// (nested or not), a grant of role (any when "") at node nodeID or beneath
// it (anywhere when ""), each once, by id: whose access a change of that
// role or a move of that node changes.
func (r rd) AccessHolders(ctx context.Context, tenantID, role, nodeID string) ([]string, error) {
	out, err := collect(ctx, r.q, scanString, `WITH RECURSIVE g0 AS (
			SELECT gr.user_id, gr.group_id FROM grants gr JOIN nodes n ON n.id = gr.node_id
			WHERE gr.tenant_id = $1 AND ($2 = '' OR gr.role = $2)
			AND ($3 = '' OR substr(n.path, 1, length((SELECT path FROM nodes WHERE id = $3 AND tenant_id = $1))) =
				(SELECT path FROM nodes WHERE id = $3 AND tenant_id = $1))),
		down(group_id) AS (
			SELECT group_id FROM g0 WHERE group_id IS NOT NULL
			UNION
			SELECT gm.member_group_id FROM down JOIN group_members gm ON gm.group_id = down.group_id
			WHERE gm.member_group_id IS NOT NULL)
		SELECT user_id FROM g0 WHERE user_id IS NOT NULL
		UNION
		SELECT gm.member_user_id FROM down JOIN group_members gm ON gm.group_id = down.group_id
		WHERE gm.member_user_id IS NOT NULL
		ORDER BY 1`, tenantID, role, nodeID)
	return out, r.translate(err)
}
