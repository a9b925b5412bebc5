package sqlstore

import (
	"fmt"

	"github.com/scimd/scimd/store"
)

// domainColumn is the select-list column that reads a user's account
// domain (grants, agent IDs, teams, voice settings and numbers) in the
// user's own query, as one JSON array of tagged rows, so that reading a
// user with its domain is one round trip instead of six. It returns an
// empty array, never NULL, for a user without any: a loaded domain is
// never nil.
func (s *Store) domainColumn() string {
	row, agg := s.d.jsonArray, s.d.jsonAgg
	inner := fmt.Sprintf(`SELECT 0 AS k, g.role AS o1, g.node_id AS o2, g.source AS o3, g.id AS o4,
			%[1]s('g', g.id, g.tenant_id, g.role, g.node_id, g.group_id, g.source) AS j
			FROM grants g WHERE g.user_id = u.id
		UNION ALL SELECT 1, a.system, a.value, NULL, NULL, %[1]s('a', a.system, a.value)
			FROM agent_ids a WHERE a.user_id = u.id
		UNION ALL SELECT 2, t.name_ci, t.id, NULL, NULL, %[1]s('t', t.id, t.name, tm.leader)
			FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.user_id = u.id
		UNION ALL SELECT 3, NULL, NULL, NULL, NULL, %[1]s('v', vo.extension, vo.location_id, l.name)
			FROM voice vo LEFT JOIN locations l ON l.id = vo.location_id WHERE vo.user_id = u.id
		UNION ALL SELECT 4, n.number, NULL, NULL, NULL, %[1]s('n', n.number, n.is_primary)
			FROM numbers n WHERE n.user_id = u.id`, row)
	if s.d.name == pgDialect.name {
		return fmt.Sprintf(`coalesce((SELECT %s(d.j ORDER BY d.k, d.o1, d.o2, d.o3, d.o4) FROM (%s) d), '[]')`, agg, inner)
	}
	// SQLite: a JSON value read back from a subquery is text again, which
	// json() makes JSON; json_group_array of no rows is already [].
	return fmt.Sprintf(`(SELECT %s(json(d.j) ORDER BY d.k, d.o1, d.o2, d.o3, d.o4) FROM (%s) d)`, agg, inner)
}

// applyDomainRows fills u.Domain from domainColumn's rows, as
// loadUserDomains would.
func applyDomainRows(u *store.User, rows [][]any) {
	d := &store.Domain{}
	u.Domain = d
	for _, r := range rows {
		switch cellStr(r, 0) {
		case "g":
			d.Grants = append(d.Grants, store.Grant{ID: cellStr(r, 1), TenantID: cellStr(r, 2), Role: cellStr(r, 3),
				NodeID: cellStr(r, 4), UserID: u.ID, GroupID: cellStr(r, 5), Source: cellStr(r, 6)})
		case "a":
			d.AgentIDs = append(d.AgentIDs, store.AgentID{UserID: u.ID, System: cellStr(r, 1), Value: cellStr(r, 2)})
		case "t":
			d.Teams = append(d.Teams, store.TeamSeat{TeamID: cellStr(r, 1), TeamName: cellStr(r, 2), Leader: cellBool(r, 3)})
		case "v":
			if d.Voice == nil {
				d.Voice = &store.VoiceView{}
			}
			d.Voice.Extension, d.Voice.LocationID, d.Voice.LocationName = cellStr(r, 1), cellStr(r, 2), cellStr(r, 3)
		case "n":
			if d.Voice == nil {
				d.Voice = &store.VoiceView{}
			}
			if cellBool(r, 2) {
				d.Voice.PrimaryNumber = cellStr(r, 1)
			} else {
				d.Voice.AdditionalNumbers = append(d.Voice.AdditionalNumbers, cellStr(r, 1))
			}
		}
	}
}
