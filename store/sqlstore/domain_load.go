package sqlstore

import (
	"context"
	"fmt"

	"github.com/scimd/scimd/store"
)

// loadGroupDomains fills g.Domain for a page of groups: their grants and
// the team linked to each, one query per kind. Domain is never nil
// afterwards.
func (r rd) loadGroupDomains(ctx context.Context, groups []*store.Group) error {
	if len(groups) == 0 {
		return nil
	}
	byID := make(map[string]*store.GroupDomain, len(groups))
	ids := make([]string, 0, len(groups))
	for _, g := range groups {
		d, ok := byID[g.ID]
		if !ok {
			d = &store.GroupDomain{}
			byID[g.ID] = d
			ids = append(ids, g.ID)
		}
		g.Domain = d
	}
	return byChunks(ids, func(chunk []string) error {
		in := `(` + placeholders(1, len(chunk)) + `)`
		args := anyArgs(nil, chunk)
		grants, err := collect(ctx, r.q, scanGrant, `SELECT `+grantColumns+` FROM grants g
			WHERE g.group_id IN `+in+` ORDER BY g.group_id, g.role, g.node_id, g.id`, args...)
		if err != nil {
			return err
		}
		for _, g := range grants {
			byID[g.GroupID].Grants = append(byID[g.GroupID].Grants, g)
		}
		teams, err := collect(ctx, r.q, scanTeam, `SELECT `+teamColumns+` FROM teams t WHERE t.group_id IN `+in, args...)
		if err != nil {
			return err
		}
		for _, t := range teams {
			byID[t.GroupID].TeamID, byID[t.GroupID].TeamName = t.ID, t.Name
		}
		return nil
	})
}

// userDomainSelect is the column of userSelect that reads a user's domain
// parts (own grants, agent IDs, team seats, voice and numbers) in the same
// statement as the user, as one JSON array of [kind, fields...] rows in
// kind and sort key order. Reading them with the user keeps a GET one
// round trip, as it was before the account domain existed. No parts read
// as an empty array, not NULL, so that a user with none still reads as
// loaded (Domain non-nil); coalesce does that rather than a constant row in
// the union, which cost a node of its own on every execution.
//
// Each branch lists its columns in the order the aggregate first uses them
// (the fields, then the sort key o): PostgreSQL then drops the subquery
// scan it puts over each branch only to reorder the columns (five nodes
// fewer to set up on every execution).
func (s *Store) userDomainSelect() string {
	return fmt.Sprintf(`, (SELECT coalesce(%s(%s(d.k, d.a, d.b, d.c, d.e) ORDER BY d.k, d.o), '[]') FROM (
		SELECT 'g' AS k, g.id AS a, g.role AS b, g.node_id AS c, g.source AS e, g.role || ' ' || g.node_id || ' ' || g.source || ' ' || g.id AS o
			FROM grants g WHERE g.user_id = u.id
		UNION ALL SELECT 'a', ai.system, ai.value, '', '', ai.system || ' ' || ai.value FROM agent_ids ai WHERE ai.user_id = u.id
		UNION ALL SELECT 's', t.id, t.name, CASE WHEN tm.leader THEN '1' ELSE '' END, '', t.name_ci || ' ' || t.id
			FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.user_id = u.id
		UNION ALL SELECT 'v', vo.extension, vo.location_id, l.name, '', '' FROM voice vo LEFT JOIN locations l ON l.id = vo.location_id
			WHERE vo.user_id = u.id
		UNION ALL SELECT 'n', n.number, CASE WHEN n.is_primary THEN '1' ELSE '' END, '', '', n.number FROM numbers n
			WHERE n.user_id = u.id) d)`, s.d.jsonAgg, s.d.jsonArray)
}

// fillDomain sets u.Domain from the rows of userDomainSelect, as
// loadUserDomains would; rows nil means the column was not selected.
func fillDomain(u *store.User, rows [][]cell) {
	if rows == nil {
		return
	}
	d := &store.Domain{}
	for _, r := range rows {
		a, b, c, e := cellStr(r, 1), cellStr(r, 2), cellStr(r, 3), cellStr(r, 4)
		switch cellStr(r, 0) {
		case "g":
			d.Grants = append(d.Grants, store.Grant{ID: a, TenantID: u.TenantID, Role: b, NodeID: c, UserID: u.ID, Source: e})
		case "a":
			d.AgentIDs = append(d.AgentIDs, store.AgentID{System: a, Value: b, UserID: u.ID})
		case "s":
			d.Teams = append(d.Teams, store.TeamSeat{TeamID: a, TeamName: b, Leader: c == "1"})
		case "v":
			if d.Voice == nil {
				d.Voice = &store.VoiceView{}
			}
			d.Voice.Extension, d.Voice.LocationID, d.Voice.LocationName = a, b, c
		case "n":
			if d.Voice == nil {
				d.Voice = &store.VoiceView{}
			}
			if b == "1" {
				d.Voice.PrimaryNumber = a
			} else {
				d.Voice.AdditionalNumbers = append(d.Voice.AdditionalNumbers, a)
			}
		}
	}
	u.Domain = d
}
