package mapping

import (
	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// EncodeAccountUser adds the account extension to a user's document: its
// lifecycle state, whether it is the Owner, its own grants, agent IDs,
// teams and voice settings, the roles values that name no role, and, when
// acc is given (the client asked for it), its effective access.
func EncodeAccountUser(doc Doc, v account.UserView, acc *account.Access) {
	ext := Doc{"state": v.State, "owner": v.Owner}
	if len(v.Grants) > 0 {
		ext["grants"] = encodeGrants(v.Grants)
	}
	if len(v.AgentIDs) > 0 {
		list := make([]any, len(v.AgentIDs))
		for i, a := range v.AgentIDs {
			list[i] = Doc{"value": a.Value, "system": a.System}
		}
		ext["agentIds"] = list
	}
	if len(v.Teams) > 0 {
		list := make([]any, len(v.Teams))
		for i, t := range v.Teams {
			list[i] = Doc{"value": t.TeamID, "display": t.TeamName, "leader": t.Leader}
		}
		ext["teams"] = list
	}
	if vo := v.Voice; vo != nil {
		voice := Doc{"extension": vo.Extension}
		putStr(voice, "location", vo.LocationName)
		putStr(voice, "primaryNumber", vo.PrimaryNumber)
		if len(vo.AdditionalNumbers) > 0 {
			nums := make([]any, len(vo.AdditionalNumbers))
			for i, n := range vo.AdditionalNumbers {
				nums[i] = n
			}
			voice["additionalNumbers"] = nums
		}
		ext["voice"] = voice
	}
	if len(v.Unmapped) > 0 {
		ext["unmappedRoles"] = anyList(v.Unmapped)
	}
	if acc != nil {
		roles := make([]any, len(acc.Roles))
		for i, r := range acc.Roles {
			el := Doc{"value": r.Name, "node": r.Node.ID, "nodeName": r.Node.Name}
			putStr(el, "via", r.ViaGroup)
			roles[i] = el
		}
		ext["effectiveRoles"] = roles
		ext["permissions"] = anyList(acc.Permissions)
		nodes := make([]any, len(acc.Nodes))
		for i, n := range acc.Nodes {
			nodes[i] = Doc{"value": n.ID, "display": n.Name}
		}
		ext["accessNodes"] = nodes
	}
	doc[AccountUserSchema] = ext
	addSchema(doc, AccountUserSchema)
}

// EncodeAccountGroup adds the account extension to a group's document,
// when the group grants anything or is linked to a team.
func EncodeAccountGroup(doc Doc, v account.GroupView) {
	if len(v.Grants) == 0 && v.TeamID == "" {
		return
	}
	ext := Doc{}
	if len(v.Grants) > 0 {
		ext["grants"] = encodeGrants(v.Grants)
	}
	if v.TeamID != "" {
		ext["team"] = Doc{"value": v.TeamID, "display": v.TeamName}
	}
	doc[AccountGroupSchema] = ext
	addSchema(doc, AccountGroupSchema)
}

func encodeGrants(gs []account.GrantView) []any {
	list := make([]any, len(gs))
	for i, g := range gs {
		el := Doc{"role": g.Role, "source": g.Source}
		putStr(el, "node", g.Node)
		list[i] = el
	}
	return list
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func addSchema(doc Doc, urn string) {
	list, _ := doc["schemas"].([]any)
	for _, s := range list {
		if s == urn {
			return
		}
	}
	doc["schemas"] = append(list, urn)
}

// DecodeAccountUser reads the account extension of a normalized user
// document. It returns nil when the document has no extension (a client
// that does not know it leaves the domain alone, also on PUT); otherwise
// every writable part it names, absent ones as empty.
func DecodeAccountUser(doc Doc) (*account.DomainInput, error) {
	raw, ok := doc[AccountUserSchema]
	if !ok || raw == nil {
		return nil, nil
	}
	ext, err := asObject(AccountUserSchema, raw)
	if err != nil {
		return nil, err
	}
	p := func(n string) string { return AccountUserSchema + ":" + n }
	in := &account.DomainInput{SetVoice: true}
	grants, err := decodeGrants(p("grants"), ext["grants"])
	if err != nil {
		return nil, err
	}
	in.Grants = &grants
	list, err := asList(p("agentIds"), ext["agentIds"])
	if err != nil {
		return nil, err
	}
	ids := []store.AgentID{}
	for _, el := range list {
		obj, err := asObject(p("agentIds"), el)
		if err != nil {
			return nil, err
		}
		var a store.AgentID
		if a.Value, err = asString(p("agentIds.value"), obj["value"]); err != nil {
			return nil, err
		}
		if a.System, err = asString(p("agentIds.system"), obj["system"]); err != nil {
			return nil, err
		}
		ids = append(ids, a)
	}
	in.AgentIDs = &ids
	if list, err = asList(p("teams"), ext["teams"]); err != nil {
		return nil, err
	}
	seats := []account.SeatInput{}
	for _, el := range list {
		obj, err := asObject(p("teams"), el)
		if err != nil {
			return nil, err
		}
		var st account.SeatInput
		if st.Team, err = asString(p("teams.value"), obj["value"]); err != nil {
			return nil, err
		}
		if st.Team == "" {
			return nil, errorf(InvalidValue, "%s needs the team's id or name as value", p("teams"))
		}
		leader, err := asBool(p("teams.leader"), obj["leader"])
		if err != nil {
			return nil, err
		}
		st.Leader = leader != nil && *leader
		seats = append(seats, st)
	}
	in.Teams = &seats
	voice, err := asObject(p("voice"), ext["voice"])
	if err != nil {
		return nil, err
	}
	if voice != nil {
		v := &account.VoiceInput{}
		for _, f := range []struct {
			name string
			dst  *string
		}{{"extension", &v.Extension}, {"location", &v.Location}, {"primaryNumber", &v.Primary}} {
			if *f.dst, err = asString(p("voice."+f.name), voice[f.name]); err != nil {
				return nil, err
			}
		}
		nums, err := asStrings(p("voice.additionalNumbers"), voice["additionalNumbers"])
		if err != nil {
			return nil, err
		}
		v.Additional = nums
		in.Voice = v
	}
	return in, nil
}

// DecodeAccountGroup reads the account extension of a normalized group
// document; nil when there is none.
func DecodeAccountGroup(doc Doc) (*account.GroupDomainInput, error) {
	raw, ok := doc[AccountGroupSchema]
	if !ok || raw == nil {
		return nil, nil
	}
	ext, err := asObject(AccountGroupSchema, raw)
	if err != nil {
		return nil, err
	}
	grants, err := decodeGrants(AccountGroupSchema+":grants", ext["grants"])
	if err != nil {
		return nil, err
	}
	in := &account.GroupDomainInput{Grants: &grants}
	team, err := asObject(AccountGroupSchema+":team", ext["team"])
	if err != nil {
		return nil, err
	}
	name := ""
	if team != nil {
		if name, err = asString(AccountGroupSchema+":team.value", team["value"]); err != nil {
			return nil, err
		}
	}
	in.Team = &name
	return in, nil
}

func decodeGrants(path string, v any) ([]account.GrantInput, error) {
	list, err := asList(path, v)
	if err != nil {
		return nil, err
	}
	out := []account.GrantInput{}
	for _, el := range list {
		obj, err := asObject(path, el)
		if err != nil {
			return nil, err
		}
		// Grants the roles attribute makes are shown but not written here:
		// they follow the roles attribute.
		if src, _ := obj["source"].(string); src == store.GrantFromRoles {
			continue
		}
		var g account.GrantInput
		if g.Role, err = asString(path+".role", obj["role"]); err != nil {
			return nil, err
		}
		if g.Role == "" {
			return nil, errorf(InvalidValue, "%s needs a role", path)
		}
		if g.Node, err = asString(path+".node", obj["node"]); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// asStrings reads a multi-valued string attribute.
func asStrings(path string, v any) ([]string, error) {
	list, err := asList(path, v)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list))
	for _, el := range list {
		s, err := asString(path, el)
		if err != nil {
			return nil, err
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}
