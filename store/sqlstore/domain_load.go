package sqlstore

import (
	"context"

	"github.com/scimd/scimd/store"
)

// loadUserDomains fills u.Domain for a page of users with one query per
// kind (grants, agent IDs, team seats, voice settings, numbers) for the
// whole page, never one per user. Domain is never nil afterwards.
func (r rd) loadUserDomains(ctx context.Context, users []*store.User) error {
	if len(users) == 0 {
		return nil
	}
	byID := make(map[string]*store.Domain, len(users))
	ids := make([]string, 0, len(users))
	for _, u := range users {
		d, ok := byID[u.ID]
		if !ok {
			d = &store.Domain{}
			byID[u.ID] = d
			ids = append(ids, u.ID)
		}
		u.Domain = d
	}
	return byChunks(ids, func(chunk []string) error {
		in := `(` + placeholders(1, len(chunk)) + `)`
		args := anyArgs(nil, chunk)

		grants, err := collect(ctx, r.q, scanGrant, `SELECT `+grantColumns+` FROM grants g
			WHERE g.user_id IN `+in+` ORDER BY g.user_id, g.role, g.node_id, g.source, g.id`, args...)
		if err != nil {
			return err
		}
		for _, g := range grants {
			byID[g.UserID].Grants = append(byID[g.UserID].Grants, g)
		}

		agents, err := collect(ctx, r.q, func(row scanRow) (store.AgentID, error) {
			var a store.AgentID
			return a, row.Scan(&a.UserID, &a.System, &a.Value)
		}, `SELECT user_id, system, value FROM agent_ids WHERE user_id IN `+in+` ORDER BY user_id, system, value`, args...)
		if err != nil {
			return err
		}
		for _, a := range agents {
			byID[a.UserID].AgentIDs = append(byID[a.UserID].AgentIDs, a)
		}

		type seat struct {
			user string
			store.TeamSeat
		}
		seats, err := collect(ctx, r.q, func(row scanRow) (seat, error) {
			var s seat
			return s, row.Scan(&s.user, &s.TeamID, &s.TeamName, &s.Leader)
		}, `SELECT tm.user_id, t.id, t.name, tm.leader FROM team_members tm JOIN teams t ON t.id = tm.team_id
			WHERE tm.user_id IN `+in+` ORDER BY tm.user_id, t.name_ci, t.id`, args...)
		if err != nil {
			return err
		}
		for _, s := range seats {
			byID[s.user].Teams = append(byID[s.user].Teams, s.TeamSeat)
		}

		type voice struct {
			user string
			store.VoiceView
		}
		voices, err := collect(ctx, r.q, func(row scanRow) (voice, error) {
			var v voice
			return v, row.Scan(&v.user, &v.Extension, nullStr{&v.LocationID}, nullStr{&v.LocationName})
		}, `SELECT v.user_id, v.extension, v.location_id, l.name FROM voice v LEFT JOIN locations l ON l.id = v.location_id
			WHERE v.user_id IN `+in, args...)
		if err != nil {
			return err
		}
		for _, v := range voices {
			view := v.VoiceView
			byID[v.user].Voice = &view
		}

		numbers, err := collect(ctx, r.q, scanNumber, `SELECT `+numberColumns+` FROM numbers n
			WHERE n.user_id IN `+in+` ORDER BY n.user_id, n.number`, args...)
		if err != nil {
			return err
		}
		for _, n := range numbers {
			d := byID[n.UserID]
			if d.Voice == nil {
				d.Voice = &store.VoiceView{}
			}
			if n.Primary {
				d.Voice.PrimaryNumber = n.Number
			} else {
				d.Voice.AdditionalNumbers = append(d.Voice.AdditionalNumbers, n.Number)
			}
		}
		return nil
	})
}

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
