package account

import (
	"context"
	"strings"

	"github.com/scimd/scimd/store"
)

// Teams lists a tenant's teams.
func (s *Service) Teams(ctx context.Context, a Actor, tenantID string) ([]store.Team, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	return s.st.Reader().Teams(ctx, tenantID)
}

func checkName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return "", invalid(field, "a %s needs a name of 1 to 200 characters", field)
	}
	return name, nil
}

// CreateTeam creates a team, optionally linked to a group (whose members
// are then the team's).
func (s *Service) CreateTeam(ctx context.Context, a Actor, tenantID string, t store.Team) (store.Team, error) {
	t.TenantID = tenantID
	var err error
	if t.Name, err = checkName("team", t.Name); err != nil {
		return t, err
	}
	err = s.administer(ctx, a, tenantID, PermUsersManage, "", "creating teams", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		if t.GroupID != "" {
			if _, err := tx.GetGroup(ctx, tenantID, t.GroupID, 0); err != nil {
				return "", "", "", nil, invalid("group", "no group %q in this tenant", t.GroupID)
			}
		}
		if err := tx.InsertTeam(ctx, &t); err != nil {
			return "", "", "", nil, teamConflict(err, t.Name)
		}
		return "team.created", "Team", t.ID, changes{"name": {After: t.Name}, "group": {After: t.GroupID}}, nil
	})
	return t, err
}

func teamConflict(err error, name string) error {
	if KindOf(err) == Conflict {
		if _, field, _ := Describe(err); field == "group" {
			return conflict("group", "", "that group is already linked to another team")
		}
		return conflict("name", "", "a team named %q already exists", name)
	}
	return err
}

// UpdateTeam renames a team or changes its group link.
func (s *Service) UpdateTeam(ctx context.Context, a Actor, tenantID string, t store.Team) error {
	t.TenantID = tenantID
	var err error
	if t.Name, err = checkName("team", t.Name); err != nil {
		return err
	}
	return s.administer(ctx, a, tenantID, PermUsersManage, "", "changing teams", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		old, err := tx.GetTeam(ctx, tenantID, t.ID)
		if err != nil {
			return "", "", "", nil, err
		}
		if err := tx.UpdateTeam(ctx, t); err != nil {
			return "", "", "", nil, teamConflict(err, t.Name)
		}
		c := changes{}
		c.set("name", old.Name, t.Name)
		c.set("group", old.GroupID, t.GroupID)
		return "team.updated", "Team", t.ID, c, nil
	})
}

// DeleteTeam deletes a team; its seats go with it.
func (s *Service) DeleteTeam(ctx context.Context, a Actor, tenantID, id string) error {
	return s.administer(ctx, a, tenantID, PermUsersManage, "", "deleting teams", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		old, err := tx.GetTeam(ctx, tenantID, id)
		if err != nil {
			return "", "", "", nil, err
		}
		if err := tx.DeleteTeam(ctx, tenantID, id); err != nil {
			return "", "", "", nil, err
		}
		return "team.deleted", "Team", id, changes{"name": {Before: old.Name}}, nil
	})
}

// SetTeamMember seats a user on a team (as leader or member), or unseats
// it with remove.
func (s *Service) SetTeamMember(ctx context.Context, a Actor, tenantID string, m store.TeamMember, remove bool) error {
	return s.administer(ctx, a, tenantID, PermUsersManage, "", "changing team members", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		if _, err := tx.GetTeam(ctx, tenantID, m.TeamID); err != nil {
			return "", "", "", nil, err
		}
		if _, err := tx.GetUser(ctx, tenantID, m.UserID, 0); err != nil {
			return "", "", "", nil, invalid("user", "no user %q in this tenant", m.UserID)
		}
		if err := tx.SetTeamMember(ctx, tenantID, m, remove); err != nil {
			return "", "", "", nil, err
		}
		if remove {
			return "team.member_removed", "Team", m.TeamID, changes{"user": {Before: m.UserID}}, nil
		}
		return "team.member_set", "Team", m.TeamID, changes{"user": {After: m.UserID}, "leader": {After: m.Leader}}, nil
	})
}

// TeamView is a team with its members, as My Team shows it.
type TeamView struct {
	Team    store.Team
	Members []store.TeamMember
}

// MyTeam lists the teams a Team Leader leads, with their members (seed
// 004's My Team page). Only a user with the team.view permission sees it.
func (s *Service) MyTeam(ctx context.Context, a Actor, tenantID, userID string) ([]TeamView, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	ok, err := s.Can(ctx, tenantID, userID, PermTeamView, "")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, forbidden("My Team is for Team Leaders: the user lacks the %s permission", PermTeamView)
	}
	r := s.st.Reader()
	teams, err := r.LedTeams(ctx, tenantID, userID)
	if err != nil {
		return nil, err
	}
	var out []TeamView
	for _, t := range teams {
		ms, err := r.TeamMembers(ctx, tenantID, t.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, TeamView{Team: t, Members: ms})
	}
	return out, nil
}
