package adminapi

import (
	"context"
	"net/http"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// teamDoc is a team; GroupID links it to a SCIM group whose members are
// then the team's. Members are listed on the team's own item only.
type teamDoc struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	GroupID *string      `json:"groupId"`
	Members *[]memberDoc `json:"members,omitempty"`
}

type memberDoc struct {
	UserID string `json:"userId"`
	Leader bool   `json:"leader"`
}

func toTeamDoc(t store.Team) teamDoc {
	d := teamDoc{ID: t.ID, Name: t.Name}
	if t.GroupID != "" {
		g := t.GroupID
		d.GroupID = &g
	}
	return d
}

var teamReadOnly = map[string]string{"id": "ids are made by the server", "members": "seat members with PUT /api/v1/teams/{id}/members/{userId}"}

func (a *API) listTeams(w http.ResponseWriter, r *http.Request, s *session) error {
	ts, err := a.acct.Teams(r.Context(), s.actor, s.tenant())
	if err != nil {
		return err
	}
	all := make([]teamDoc, len(ts))
	for i, t := range ts {
		all[i] = toTeamDoc(t)
	}
	l, err := page(r, all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) respondTeam(w http.ResponseWriter, r *http.Request, s *session, status int, id string) error {
	v, err := a.acct.Team(r.Context(), s.actor, s.tenant(), id)
	if err != nil {
		return notFoundAs(err, "team", id)
	}
	d := toTeamDoc(v.Team)
	ms := make([]memberDoc, 0, len(v.Members))
	for _, m := range v.Members {
		ms = append(ms, memberDoc{UserID: m.UserID, Leader: m.Leader})
	}
	d.Members = &ms
	writeJSON(w, status, d)
	return nil
}

func (a *API) getTeam(w http.ResponseWriter, r *http.Request, s *session) error {
	return a.respondTeam(w, r, s, http.StatusOK, r.PathValue("id"))
}

func mergeTeam(o obj, t *store.Team) error {
	name, err := o.str("name")
	if err != nil {
		return err
	}
	if name.Set {
		t.Name = name.V
	}
	group, err := o.str("groupId")
	if err != nil {
		return err
	}
	if group.Set {
		t.GroupID = group.V // null unlinks
	}
	return nil
}

func (a *API) createTeam(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, []string{"name", "groupId"}, teamReadOnly)
	if err != nil {
		return err
	}
	if _, err := o.required("name"); err != nil {
		return err
	}
	var t store.Team
	if err := mergeTeam(o, &t); err != nil {
		return err
	}
	created, err := a.acct.CreateTeam(r.Context(), s.actor, s.tenant(), t)
	if err != nil {
		return err
	}
	return a.respondTeam(w, r, s, http.StatusCreated, created.ID)
}

func (a *API) patchTeam(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, []string{"name", "groupId"}, teamReadOnly)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	old, err := a.acct.Team(r.Context(), s.actor, s.tenant(), id)
	if err != nil {
		return notFoundAs(err, "team", id)
	}
	t := old.Team
	if err := mergeTeam(o, &t); err != nil {
		return err
	}
	if err := a.acct.UpdateTeam(r.Context(), s.actor, s.tenant(), t); err != nil {
		return notFoundAs(err, "team", id)
	}
	return a.respondTeam(w, r, s, http.StatusOK, id)
}

func (a *API) deleteTeam(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	if err := a.acct.DeleteTeam(r.Context(), s.actor, s.tenant(), id); err != nil {
		return notFoundAs(err, "team", id)
	}
	return noContent(w)
}

// seatMember is PUT /teams/{id}/members/{userId} with {"leader":bool}
// (no body: a member who does not lead).
func (a *API) seatMember(w http.ResponseWriter, r *http.Request, s *session) error {
	raw, err := readOptionalBody(r)
	if err != nil {
		return err
	}
	o, err := object(raw, "", []string{"leader"}, nil)
	if err != nil {
		return err
	}
	leader, err := o.boolean("leader")
	if err != nil {
		return err
	}
	return a.setMember(w, r, s, leader.V, false)
}

func (a *API) unseatMember(w http.ResponseWriter, r *http.Request, s *session) error {
	return a.setMember(w, r, s, false, true)
}

func (a *API) setMember(w http.ResponseWriter, r *http.Request, s *session, leader, remove bool) error {
	team, user := r.PathValue("id"), r.PathValue("userId")
	// Both are in the path: either missing from the tenant is a 404 (the
	// account layer calls an unknown user a 400 about its input).
	if err := a.userExists(r.Context(), s, user); err != nil {
		return err
	}
	err := a.acct.SetTeamMember(r.Context(), s.actor, s.tenant(), store.TeamMember{TeamID: team, UserID: user, Leader: leader}, remove)
	if err != nil {
		return notFoundAs(err, "team", team)
	}
	return noContent(w)
}

func (a *API) userExists(ctx context.Context, s *session, id string) error {
	if _, err := a.acct.GetUser(ctx, s.actor, s.tenant(), id); err != nil {
		return notFoundAs(err, "user", id)
	}
	return nil
}

// myTeamDoc is one team a Team Leader leads, with its members.
type myTeamDoc struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Members []myTeamUserDoc `json:"members"`
}

type myTeamUserDoc struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	State  string `json:"state"`
	Leader bool   `json:"leader"`
}

// myTeam is GET /api/v1/myteam: the teams the signed-in member leads and
// their members (seed 004's My Team page).
func (a *API) myTeam(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	views, err := a.acct.MyTeam(ctx, s.actor, s.tenant(), s.userID())
	if err != nil {
		return err
	}
	all := make([]myTeamDoc, 0, len(views))
	for _, v := range views {
		d := myTeamDoc{ID: v.Team.ID, Name: v.Team.Name, Members: []myTeamUserDoc{}}
		for _, m := range v.Members {
			u, err := a.acct.GetUser(ctx, s.actor, s.tenant(), m.UserID)
			if account.KindOf(err) == account.NotFound {
				continue // deleted since the team was read
			}
			if err != nil {
				return err
			}
			d.Members = append(d.Members, myTeamUserDoc{ID: u.ID, Name: nameOf(u), Email: emailOf(u), State: u.State, Leader: m.Leader})
		}
		all = append(all, d)
	}
	l, err := page(r, all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}
