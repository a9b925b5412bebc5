package sqlstore

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

const teamColumns = `t.id, t.tenant_id, t.name, t.group_id, t.created_at`

func scanTeam(row scanRow) (store.Team, error) {
	var t store.Team
	err := row.Scan(&t.ID, &t.TenantID, &t.Name, nullStr{&t.GroupID}, timeScan{&t.CreatedAt})
	return t, err
}

// Teams lists the tenant's teams by name.
func (r rd) Teams(ctx context.Context, tenantID string) ([]store.Team, error) {
	out, err := collect(ctx, r.q, scanTeam, `SELECT `+teamColumns+` FROM teams t WHERE t.tenant_id = $1 ORDER BY t.name_ci, t.id`, tenantID)
	return out, r.translate(err)
}

// GetTeam loads one team.
func (r rd) GetTeam(ctx context.Context, tenantID, id string) (store.Team, error) {
	t, err := collectOne(ctx, r.q, scanTeam, `SELECT `+teamColumns+` FROM teams t WHERE t.tenant_id = $1 AND t.id = $2`, tenantID, id)
	return t, r.translate(err)
}

func scanTeamMember(row scanRow) (store.TeamMember, error) {
	var m store.TeamMember
	err := row.Scan(&m.TeamID, &m.UserID, &m.Leader)
	return m, err
}

// TeamMembers lists a team's members by userName: for a team linked to a
// group, the group's direct user members, leaders as seated in
// team_members; otherwise the team's seats.
func (r rd) TeamMembers(ctx context.Context, tenantID, teamID string) ([]store.TeamMember, error) {
	t, err := r.GetTeam(ctx, tenantID, teamID)
	if err != nil {
		return nil, err
	}
	var out []store.TeamMember
	if t.GroupID != "" {
		out, err = collect(ctx, r.q, scanTeamMember, `SELECT CAST($1 AS TEXT), gm.member_user_id, tm.leader IS TRUE
			FROM group_members gm
			JOIN users u ON u.id = gm.member_user_id
			LEFT JOIN team_members tm ON tm.team_id = $1 AND tm.user_id = gm.member_user_id
			WHERE gm.group_id = $2 AND gm.member_user_id IS NOT NULL
			ORDER BY u.user_name_ci, u.id`, t.ID, t.GroupID)
	} else {
		out, err = collect(ctx, r.q, scanTeamMember, `SELECT tm.team_id, tm.user_id, tm.leader FROM team_members tm
			JOIN users u ON u.id = tm.user_id
			WHERE tm.team_id = $1 ORDER BY u.user_name_ci, u.id`, t.ID)
	}
	return out, r.translate(err)
}

// LedTeams lists the teams on which the user is seated as a leader.
func (r rd) LedTeams(ctx context.Context, tenantID, userID string) ([]store.Team, error) {
	out, err := collect(ctx, r.q, scanTeam, `SELECT `+teamColumns+` FROM team_members tm JOIN teams t ON t.id = tm.team_id
		WHERE tm.user_id = $1 AND tm.leader AND t.tenant_id = $2 ORDER BY t.name_ci, t.id`, userID, tenantID)
	return out, r.translate(err)
}

// checkTeam checks a team's name and that its group, if any, is a group
// of the tenant that no other team is linked to.
func (tx *wtx) checkTeam(ctx context.Context, t *store.Team) error {
	if strings.TrimSpace(t.Name) == "" {
		return store.Invalidf("a team needs a name")
	}
	if t.GroupID == "" {
		return nil
	}
	if ok, err := exists(ctx, tx.q, tblGroups, t.TenantID, t.GroupID); err != nil || !ok {
		if err == nil {
			err = store.Invalidf("group %q is not a group of this tenant", t.GroupID)
		}
		return err
	}
	other, err := collectOne(ctx, tx.q, scanString, `SELECT id FROM teams WHERE group_id = $1 AND id <> $2`, t.GroupID, t.ID)
	if err == nil {
		return &store.ConflictError{Field: "group", Holder: other, Value: t.GroupID}
	}
	if err != store.ErrNotFound {
		return err
	}
	return nil
}

// teamConflict maps the unique violations of teams (a concurrent write
// that the checks before could not see).
func teamConflict(err error, t *store.Team) error {
	switch {
	case violates(err, "teams_name_uq", "teams.tenant_id, teams.name_ci"):
		return &store.ConflictError{Field: "name", Value: t.Name}
	case violates(err, "teams_group_uq", "teams.group_id"):
		return &store.ConflictError{Field: "group", Value: t.GroupID}
	}
	return err
}

// InsertTeam inserts a team (t.ID and t.CreatedAt are set). Another team
// of that name is a ConflictError on "name"; a group another team is
// linked to is one on "group" naming that team.
func (tx *wtx) InsertTeam(ctx context.Context, t *store.Team) (err error) {
	defer func() { err = tx.translateInTx(err) }()
	t.ID = uuid.NewString()
	if err := tx.checkTeam(ctx, t); err != nil {
		return err
	}
	t.CreatedAt = tx.s.now()
	_, err = tx.q.ExecContext(ctx, `INSERT INTO teams (id, tenant_id, name, name_ci, group_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, t.TenantID, t.Name, fold(t.Name), nullable(t.GroupID), tx.s.d.timeArg(t.CreatedAt))
	return teamConflict(tenantGone(err), t)
}

// UpdateTeam writes a team's name and linked group.
func (tx *wtx) UpdateTeam(ctx context.Context, t store.Team) (err error) {
	defer func() { err = tx.translateInTx(err) }()
	if err := tx.checkTeam(ctx, &t); err != nil {
		return err
	}
	err = changedOne(tx.q.ExecContext(ctx, `UPDATE teams SET name = $1, name_ci = $2, group_id = $3 WHERE tenant_id = $4 AND id = $5`,
		t.Name, fold(t.Name), nullable(t.GroupID), t.TenantID, t.ID))
	return teamConflict(err, &t)
}

// DeleteTeam deletes a team; its seats go with it.
func (tx *wtx) DeleteTeam(ctx context.Context, tenantID, id string) (err error) {
	defer func() { err = tx.translateInTx(err) }()
	return changedOne(tx.q.ExecContext(ctx, `DELETE FROM teams WHERE tenant_id = $1 AND id = $2`, tenantID, id))
}

// SetTeamSeats replaces a user's seats: every seat the user had is removed
// and those given are written (their UserID is the user's). A team that is
// not one of the tenant's is invalid.
func (tx *wtx) SetTeamSeats(ctx context.Context, tenantID, userID string, seats []store.TeamMember) (err error) {
	defer func() { err = tx.translateInTx(err) }()
	if err := mustExist(ctx, tx.q, tblUsers, tenantID, userID); err != nil {
		return err
	}
	leader := map[string]bool{}
	var teams []string
	for _, s := range seats {
		if _, ok := leader[s.TeamID]; !ok {
			teams = append(teams, s.TeamID)
		}
		leader[s.TeamID] = leader[s.TeamID] || s.Leader
	}
	for _, id := range teams {
		if ok, err := exists(ctx, tx.q, tblTeams, tenantID, id); err != nil || !ok {
			if err == nil {
				err = store.Invalidf("team %q is not a team of this tenant", id)
			}
			return err
		}
	}
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM team_members WHERE user_id = $1`, userID); err != nil {
		return err
	}
	return insertRows(ctx, tx.q, `INSERT INTO team_members (team_id, user_id, leader) VALUES `, 3, len(teams), func(i int) []any {
		return []any{teams[i], userID, leader[teams[i]]}
	})
}

// SetTeamMember seats a user on a team (as leader or not), or with remove
// unseats it. A team or user of no such id in the tenant is ErrNotFound.
func (tx *wtx) SetTeamMember(ctx context.Context, tenantID string, m store.TeamMember, remove bool) (err error) {
	defer func() { err = tx.translateInTx(err) }()
	if err := mustExist(ctx, tx.q, tblTeams, tenantID, m.TeamID); err != nil {
		return err
	}
	if err := mustExist(ctx, tx.q, tblUsers, tenantID, m.UserID); err != nil {
		return err
	}
	if remove {
		_, err := tx.q.ExecContext(ctx, `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`, m.TeamID, m.UserID)
		return err
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO team_members (team_id, user_id, leader) VALUES ($1, $2, $3)
		ON CONFLICT (team_id, user_id) DO UPDATE SET leader = excluded.leader`, m.TeamID, m.UserID, m.Leader)
	return err
}
