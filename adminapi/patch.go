package adminapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// PATCH /api/v1/users/{id} is a JSON merge patch (RFC 7396) over the
// writable fields: a field left out stays as it is, null removes it, a value
// replaces it (arrays whole; voice, an object, merges member by member).

var userFields = []string{"name", "email", "roles", "grants", "agentIds", "teams", "voice", "password"}

var userReadOnly = map[string]string{
	"id":            "ids are made by the server",
	"state":         "use POST .../deactivate or .../reactivate; invitations become active when accepted",
	"owner":         "ownership passes on with POST /api/v1/owner",
	"lastLogin":     "it is recorded at sign-in",
	"source":        "it says where the user came from",
	"unmappedRoles": "they are the values of the SCIM roles attribute that name no role; the IdP sets them",
}

var voiceFields = []string{"extension", "location", "primaryNumber", "additionalNumbers"}

// userPatch is a parsed merge patch of a user.
type userPatch struct {
	name, email, password opt[string]
	roles                 opt[[]string]
	grants                opt[[]account.GrantInput]
	agentIDs              opt[[]store.AgentID]
	teams                 opt[[]account.SeatInput]
	voice                 opt[obj]
}

func parseUserPatch(o obj) (userPatch, error) {
	var p userPatch
	var err error
	if p.name, err = o.str("name"); err != nil {
		return p, err
	}
	if p.email, err = o.str("email"); err != nil {
		return p, err
	}
	if p.email.Set {
		if p.email.Null {
			return p, invalid("email", "email cannot be removed: a user needs an address (set another one instead)")
		}
		if p.email.V, err = account.CheckEmail(p.email.V); err != nil {
			return p, err
		}
	}
	if p.password, err = o.str("password"); err != nil {
		return p, err
	}
	if p.roles, err = o.strs("roles"); err != nil {
		return p, err
	}
	if p.grants, err = grantsField(o, "grants"); err != nil {
		return p, err
	}
	if p.agentIDs, err = agentIDsField(o, "agentIds"); err != nil {
		return p, err
	}
	if p.teams, err = seatsField(o, "teams"); err != nil {
		return p, err
	}
	if p.voice, err = o.child("voice", voiceFields); err != nil {
		return p, err
	}
	return p, nil
}

func grantsField(o obj, k string) (opt[[]account.GrantInput], error) {
	els, err := o.objects(k, []string{"role", "node"})
	out := opt[[]account.GrantInput]{Set: els.Set, Null: els.Null, V: []account.GrantInput{}}
	if err != nil || !els.Set {
		return out, err
	}
	for _, e := range els.V {
		role, err := e.required("role")
		if err != nil {
			return out, err
		}
		node, err := e.str("node")
		if err != nil {
			return out, err
		}
		out.V = append(out.V, account.GrantInput{Role: role, Node: node.V})
	}
	return out, nil
}

func agentIDsField(o obj, k string) (opt[[]store.AgentID], error) {
	els, err := o.objects(k, []string{"system", "value"})
	out := opt[[]store.AgentID]{Set: els.Set, Null: els.Null, V: []store.AgentID{}}
	if err != nil || !els.Set {
		return out, err
	}
	for _, e := range els.V {
		sys, err := e.required("system")
		if err != nil {
			return out, err
		}
		val, err := e.required("value")
		if err != nil {
			return out, err
		}
		out.V = append(out.V, store.AgentID{System: sys, Value: val})
	}
	return out, nil
}

// seatsField reads team seats: each names its team by "id" (or "name")
// and may say "leader".
func seatsField(o obj, k string) (opt[[]account.SeatInput], error) {
	els, err := o.objects(k, []string{"id", "name", "leader"})
	out := opt[[]account.SeatInput]{Set: els.Set, Null: els.Null, V: []account.SeatInput{}}
	if err != nil || !els.Set {
		return out, err
	}
	for _, e := range els.V {
		id, err := e.str("id")
		if err != nil {
			return out, err
		}
		name, err := e.str("name")
		if err != nil {
			return out, err
		}
		leader, err := e.boolean("leader")
		if err != nil {
			return out, err
		}
		team := id.V
		if team == "" {
			team = name.V
		}
		if strings.TrimSpace(team) == "" {
			return out, invalid(e.path, "%s needs the team's id (or name)", e.path)
		}
		out.V = append(out.V, account.SeatInput{Team: team, Leader: leader.V})
	}
	return out, nil
}

func (a *API) patchUser(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, userFields, userReadOnly)
	if err != nil {
		return err
	}
	p, err := parseUserPatch(o)
	if err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("id")
	_, err = a.acct.UpdateUser(ctx, s.actor, s.tenant(), id, expect(r), func(old *store.User) (account.UserInput, error) {
		return a.applyUserPatch(ctx, old, p)
	})
	if err != nil {
		return notFoundAs(err, "user", id)
	}
	return a.respondUser(w, r, s, http.StatusOK, id)
}

// applyUserPatch is the compute function of PATCH: it changes u (a copy
// of the stored user, which the account layer may pass again after a
// concurrent write) and returns the input with domain parts set only for
// the fields the patch names.
func (a *API) applyUserPatch(ctx context.Context, u *store.User, p userPatch) (account.UserInput, error) {
	in := account.UserInput{User: u}
	if p.name.Set {
		u.DisplayName = strings.TrimSpace(p.name.V)
	}
	if p.email.Set {
		setEmail(u, p.email.V)
	}
	if p.password.Set {
		pw := p.password.V // null: "" removes the password
		in.Password = &pw
	}
	d := &account.DomainInput{}
	if p.roles.Set || p.grants.Set {
		v, err := a.acct.View(ctx, u.TenantID, u)
		if err != nil {
			return in, err
		}
		grants := directGrants(v)
		if p.grants.Set {
			grants = append([]account.GrantInput{}, p.grants.V...)
		}
		if p.roles.Set {
			grants = slices.DeleteFunc(grants, func(g account.GrantInput) bool { return atMaster(u.TenantID, g.Node) })
			for _, role := range p.roles.V {
				grants = append(grants, account.GrantInput{Role: role})
			}
		}
		// Ownership passes on only with POST /owner: a patch that leaves
		// the Owner role out keeps it.
		if v.Owner && !slices.ContainsFunc(grants, func(g account.GrantInput) bool {
			return strings.EqualFold(g.Role, "Owner") || strings.EqualFold(g.Role, account.RoleOwner)
		}) {
			grants = append(grants, account.GrantInput{Role: account.RoleOwner})
		}
		d.Grants = &grants
	}
	if p.agentIDs.Set {
		ids := append([]store.AgentID{}, p.agentIDs.V...)
		d.AgentIDs = &ids
	}
	if p.teams.Set {
		seats := append([]account.SeatInput{}, p.teams.V...)
		d.Teams = &seats
	}
	if p.voice.Set {
		d.SetVoice = true
		if !p.voice.Null {
			vi, err := mergeVoice(u, p.voice.V)
			if err != nil {
				return in, err
			}
			d.Voice = vi
		}
	}
	if d.Grants != nil || d.AgentIDs != nil || d.Teams != nil || d.SetVoice {
		in.Domain = d
	}
	return in, nil
}

// directGrants are the user's direct grants, by role name (a custom role's
// key is its id, which names no role).
func directGrants(v account.UserView) []account.GrantInput {
	var out []account.GrantInput
	for _, g := range v.Grants {
		if g.Source == store.GrantDirect {
			out = append(out, account.GrantInput{Role: g.Role, Node: g.Node})
		}
	}
	return out
}

func atMaster(tenantID, node string) bool { return node == "" || node == tenantID }

// setEmail makes email the user's primary email, replacing the one the API
// showed, and its userName too when that was the old address.
func setEmail(u *store.User, email string) {
	old := emailOf(u)
	emails := u.Values["emails"]
	i := slices.IndexFunc(emails, func(e store.Value) bool { return e.Primary })
	if i < 0 && len(emails) > 0 {
		i = 0
	}
	if i < 0 {
		emails = append(emails, store.Value{Value: email, Type: "work", Primary: true})
	} else {
		emails[i].Value, emails[i].Primary = email, true
		// The same address held twice would clash with itself.
		keep := emails[i]
		emails = slices.DeleteFunc(emails, func(e store.Value) bool { return strings.EqualFold(e.Value, email) })
		emails = slices.Insert(emails, min(i, len(emails)), keep)
	}
	if u.Values == nil {
		u.Values = map[string][]store.Value{}
	}
	u.Values["emails"] = emails
	if strings.EqualFold(u.UserName, old) {
		u.UserName = email
	}
}

// mergeVoice merges a voice patch onto the user's voice settings (RFC 7396
// on the object): members left out stay, null clears a member (no primary
// number, no additional numbers, the default location; the extension is
// kept, or generated when there is none).
func mergeVoice(u *store.User, p obj) (*account.VoiceInput, error) {
	vi := &account.VoiceInput{}
	if u.Domain != nil && u.Domain.Voice != nil {
		vo := u.Domain.Voice
		vi = &account.VoiceInput{Extension: vo.Extension, Location: vo.LocationID, Primary: vo.PrimaryNumber,
			Additional: append([]string{}, vo.AdditionalNumbers...)}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"extension", &vi.Extension}, {"location", &vi.Location}, {"primaryNumber", &vi.Primary}} {
		v, err := p.str(f.name)
		if err != nil {
			return nil, err
		}
		if v.Set {
			*f.dst = v.V
		}
	}
	nums, err := p.strs("additionalNumbers")
	if err != nil {
		return nil, err
	}
	if nums.Set {
		vi.Additional = nums.V
	}
	return vi, nil
}
