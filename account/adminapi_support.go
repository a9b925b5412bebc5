package account

import "context"

// Team reads one team of the tenant with its members (for a team linked to
// a group, the group's user members), as the admin API's team item shows
// it. Like Teams, it needs no permission beyond the tenant: the edge
// decides who may read teams.
func (s *Service) Team(ctx context.Context, a Actor, tenantID, id string) (TeamView, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return TeamView{}, err
	}
	r := s.st.Reader()
	t, err := r.GetTeam(ctx, tenantID, id)
	if err != nil {
		return TeamView{}, err
	}
	ms, err := r.TeamMembers(ctx, tenantID, id)
	if err != nil {
		return TeamView{}, err
	}
	return TeamView{Team: t, Members: ms}, nil
}
