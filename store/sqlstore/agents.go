package sqlstore

import (
	"context"
	"strings"

	"github.com/scimd/scimd/store"
)

// AgentIDHolder returns the user holding an agent ID, "" if nobody does.
func (r rd) AgentIDHolder(ctx context.Context, tenantID, system, value string) (string, error) {
	id, err := collectOne(ctx, r.q, scanString, `SELECT user_id FROM agent_ids WHERE tenant_id = $1 AND system = $2 AND value = $3`,
		tenantID, system, value)
	if err == store.ErrNotFound {
		return "", nil
	}
	return id, r.translate(err)
}

// SetAgentIDs replaces a user's agent IDs: those not kept are deleted, new
// ones inserted. The primary key (tenant_id, system, value) decides between
// concurrent claims of one pair: the insert skips a pair already held (on
// PostgreSQL after waiting for the transaction that holds it to end), and
// the holder, then visible, is named in the ConflictError.
func (t *wtx) SetAgentIDs(ctx context.Context, tenantID, userID string, ids []store.AgentID) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if err := mustExist(ctx, t.q, tblUsers, tenantID, userID); err != nil {
		return err
	}
	want := make([]store.AgentID, 0, len(ids))
	seen := map[[2]string]bool{}
	for _, a := range ids {
		if strings.TrimSpace(a.System) == "" || strings.TrimSpace(a.Value) == "" {
			return store.Invalidf("an agent ID needs a system and a value (got %q:%q)", a.System, a.Value)
		}
		k := [2]string{a.System, a.Value}
		if !seen[k] {
			seen[k] = true
			want = append(want, store.AgentID{System: a.System, Value: a.Value, UserID: userID})
		}
	}
	have, err := collect(ctx, t.q, func(row scanRow) ([2]string, error) {
		var k [2]string
		return k, row.Scan(&k[0], &k[1])
	}, `SELECT system, value FROM agent_ids WHERE user_id = $1 AND tenant_id = $2`, userID, tenantID)
	if err != nil {
		return err
	}
	held := map[[2]string]bool{}
	for _, k := range have {
		held[k] = true
		if !seen[k] {
			if _, err := t.q.ExecContext(ctx, `DELETE FROM agent_ids WHERE tenant_id = $1 AND system = $2 AND value = $3 AND user_id = $4`,
				tenantID, k[0], k[1], userID); err != nil {
				return err
			}
		}
	}
	for _, a := range want {
		if held[[2]string{a.System, a.Value}] {
			continue
		}
		res, err := t.q.ExecContext(ctx, `INSERT INTO agent_ids (tenant_id, system, value, user_id) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, tenantID, a.System, a.Value, userID)
		if err != nil {
			return err
		}
		if ok, err := affected(res); err != nil || ok {
			if err != nil {
				return err
			}
			continue
		}
		holder, err := t.AgentIDHolder(ctx, tenantID, a.System, a.Value)
		if err != nil {
			return err
		}
		return &store.ConflictError{Field: "agentIds", Holder: holder, Value: a.System + ":" + a.Value}
	}
	return nil
}
