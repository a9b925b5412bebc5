package portal

import (
	"net/http"
	"strings"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// domainData is what the user page's agent-ID, team and voice forms need.
type domainData struct {
	// Agent shows the agent-ID picker (users with the Agent role), Lead
	// the team picker (Team Leaders), as seed 004 does.
	Agent, Lead bool
	Teams       []store.Team
	Locations   []store.Location
	// Parked are the numbers free to assign.
	Parked []store.Number
}

// domainFor loads the choices of the user page's domain forms.
func (p *Portal) domainFor(r *http.Request, m *me, access account.Access) (domainData, error) {
	var d domainData
	for _, role := range access.Roles {
		switch role.Key {
		case account.RoleAgent:
			d.Agent = true
		case account.RoleTeamLeader:
			d.Lead = true
		}
	}
	var err error
	if d.Teams, err = p.acct.Teams(r.Context(), m.Actor, m.tenant()); err != nil {
		return d, err
	}
	if d.Locations, err = p.acct.Locations(r.Context(), m.Actor, m.tenant()); err != nil {
		return d, err
	}
	ns, err := p.acct.Numbers(r.Context(), m.Actor, m.tenant())
	if err != nil {
		return d, err
	}
	for _, n := range ns {
		if n.UserID == "" {
			d.Parked = append(d.Parked, n)
		}
	}
	return d, nil
}

// setDomain is POST /portal/users/{id}/domain: part=agents (keep=SYSTEM:VALUE
// plus system/value to add), part=teams (keep=TEAM_ID:leader|member plus
// team/leader to add) or part=voice (extension, location, primary).
func (p *Portal) setDomain(w http.ResponseWriter, r *http.Request, m *me) {
	id := r.PathValue("id")
	target := Prefix + "/users/" + id
	if err := r.ParseForm(); err != nil {
		p.back(w, r, target, "", "The form could not be read.")
		return
	}
	f := r.PostForm
	in := &account.DomainInput{}
	var notice string
	switch f.Get("part") {
	case "agents":
		var ids []store.AgentID
		for _, k := range f["keep"] {
			sys, val, _ := strings.Cut(k, ":")
			ids = append(ids, store.AgentID{System: sys, Value: val})
		}
		if v := strings.TrimSpace(f.Get("value")); v != "" {
			ids = append(ids, store.AgentID{System: f.Get("system"), Value: v})
		}
		in.AgentIDs, notice = &ids, "Agent IDs saved."
	case "teams":
		var seats []account.SeatInput
		for _, k := range f["keep"] {
			team, role, _ := strings.Cut(k, ":")
			seats = append(seats, account.SeatInput{Team: team, Leader: role == "leader"})
		}
		if t := f.Get("team"); t != "" {
			seats = append(seats, account.SeatInput{Team: t, Leader: f.Get("leader") == "on"})
		}
		in.Teams, notice = &seats, "Teams saved."
	case "voice":
		in.SetVoice, notice = true, "Voice settings saved."
		if f.Get("remove") != "on" {
			in.Voice = &account.VoiceInput{Extension: strings.TrimSpace(f.Get("extension")), Location: f.Get("location"),
				Primary: f.Get("primary")}
			if old := f["additional"]; len(old) > 0 {
				in.Voice.Additional = old
			}
		} else {
			notice = "Voice settings removed."
		}
	default:
		p.back(w, r, target, "", "Unknown form.")
		return
	}
	_, err := p.acct.UpdateUser(r.Context(), m.Actor, m.tenant(), id, account.AnyVersion, func(old *store.User) (account.UserInput, error) {
		return account.UserInput{User: old, Domain: in}, nil
	})
	p.done(w, r, target, notice, err)
}
