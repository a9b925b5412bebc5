package account

import (
	"context"
	"fmt"
	"strings"

	"github.com/scimd/scimd/store"
)

// importLookups are the tenant's names an import file may use: roles,
// account nodes (the Scope column), teams and voice locations.
type importLookups struct {
	cat       catalogue
	nodes     []store.Node
	teams     map[string]bool
	locations map[string]bool
}

func (s *Service) importLookups(ctx context.Context, tenantID string) (*importLookups, error) {
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	r := s.st.Reader()
	l := &importLookups{cat: cat, teams: map[string]bool{}, locations: map[string]bool{}}
	if l.nodes, err = r.Nodes(ctx, tenantID); err != nil {
		return nil, err
	}
	teams, err := r.Teams(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		l.teams[strings.ToLower(t.Name)] = true
		l.teams[t.ID] = true
	}
	locs, err := r.Locations(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, x := range locs {
		l.locations[strings.ToLower(x.Name)] = true
		l.locations[x.ID] = true
	}
	l.locations[strings.ToLower(DefaultLocation)] = true // made on first use
	return l, nil
}

// node finds the account node a Scope field names: by id, path or name
// (case-insensitively; a name two nodes share must be given as a path).
func (l *importLookups) node(tenantID, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	var found []store.Node
	for _, n := range l.nodes {
		if n.ID == s || n.Path == s || strings.EqualFold(n.Name, s) || strings.EqualFold(strings.Trim(n.Path, "/"), strings.Trim(s, "/")) {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%q is not an account node of this tenant", s)
	case 1:
		if found[0].ParentID == "" {
			return tenantID, nil // the master account
		}
		return found[0].ID, nil
	}
	return "", fmt.Errorf("%q names %d account nodes: give its path instead", s, len(found))
}

// CheckImport checks every row of a parsed file and returns every problem
// found, each with its row and column: mandatory fields, email format,
// duplicates inside the file, phone numbers (the full number with the
// leading 1, any punctuation; no toll-free primary), extensions, agent IDs,
// and the roles, scope nodes, teams and locations the tenant has. Whether
// numbers are parked and free, and extensions and userNames free, is
// checked as each user is created (another change may come in between).
func (s *Service) CheckImport(ctx context.Context, a Actor, tenantID string, f *ImportFile) ([]Problem, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	l, err := s.importLookups(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var problems []Problem
	seen := map[string]map[string]int{ColEmail: {}, ColExtension: {}, "number": {}}
	for _, rec := range f.Rows {
		add := func(col, format string, args ...any) {
			problems = append(problems, Problem{Row: rec.Row, Column: col, Message: fmt.Sprintf(format, args...)})
		}
		once := func(kind, col, key, what string) {
			if first, ok := seen[kind][key]; ok {
				add(col, "%s is also in row %d: each user needs its own", what, first)
				return
			}
			seen[kind][key] = rec.Row
		}
		get := func(col string) string { return f.Get(rec, col) }
		if get(ColDisplayName) == "" {
			add(ColDisplayName, "Display Name is mandatory")
		}
		if e := get(ColEmail); e == "" {
			add(ColEmail, "Email Address is mandatory")
		} else if addr, err := CheckEmail(e); err != nil {
			add(ColEmail, "%q is not an email address", e)
		} else {
			once(ColEmail, ColEmail, strings.ToLower(addr), addr)
		}
		if p := get(ColPrimaryPhone); p != "" {
			if n, err := NormalizeNumber(p); err != nil {
				add(ColPrimaryPhone, "%s", errMessage(err))
			} else if TollFree(n) {
				add(ColPrimaryPhone, "%s is toll-free: a toll-free number cannot be a primary number (put it in %s)", n, ColOtherPhones)
			} else {
				once("number", ColPrimaryPhone, n, n)
			}
		}
		for _, p := range list(get(ColOtherPhones)) {
			if n, err := NormalizeNumber(p); err != nil {
				add(ColOtherPhones, "%s (separate numbers with semicolons)", errMessage(err))
			} else {
				once("number", ColOtherPhones, n, n)
			}
		}
		if x := get(ColExtension); x != "" {
			if !validExtension(x) {
				add(ColExtension, "extension %q must be 2 to 8 digits", x)
			} else {
				once(ColExtension, ColExtension, x, "extension "+x)
			}
		}
		if loc := get(ColLocation); loc != "" && !l.locations[strings.ToLower(loc)] && !l.locations[loc] {
			add(ColLocation, "%q is not a voice location of this tenant: create it first (Voice Services > Locations)", loc)
		}
		hasAgent := false
		roles := list(get(ColRoles))
		for _, name := range roles {
			r, ok := l.cat.byName(name)
			switch {
			case !ok:
				add(ColRoles, "%q is not a role of this tenant; its roles are: %s", name, l.cat.names())
			case r.Key == RoleOwner:
				add(ColRoles, "an import cannot make an Owner: the Owner passes ownership on in the portal")
			case r.Key == RoleAgent:
				hasAgent = true
			}
		}
		if sc := get(ColScope); sc != "" {
			if _, err := l.node(tenantID, sc); err != nil {
				add(ColScope, "%s", err.Error())
			}
			if len(roles) == 0 {
				add(ColScope, "Scope says where the Roles apply: fill in Roles too, or leave Scope empty")
			}
		}
		for _, t := range list(get(ColTeams)) {
			if !l.teams[strings.ToLower(t)] && !l.teams[t] {
				add(ColTeams, "%q is not a team of this tenant (separate teams with semicolons)", t)
			}
		}
		ids, err := parseAgentIDs(get(ColAgentIDs))
		if err != nil {
			add(ColAgentIDs, "%s", err.Error())
		} else if len(ids) > 0 && !hasAgent {
			add(ColAgentIDs, "only users with the Agent role hold agent IDs: add Agent to Roles")
		}
	}
	return problems, nil
}

// parseAgentIDs reads "system:value" pairs separated by semicolons.
func parseAgentIDs(s string) ([]store.AgentID, error) {
	var out []store.AgentID
	for _, p := range list(s) {
		sys, val, ok := strings.Cut(p, ":")
		if !ok || strings.TrimSpace(sys) == "" || strings.TrimSpace(val) == "" {
			return nil, fmt.Errorf("%q is not an agent ID: write system:value (such as voice:4711), several separated by semicolons", p)
		}
		out = append(out, store.AgentID{System: strings.TrimSpace(sys), Value: strings.TrimSpace(val)})
	}
	return out, nil
}

// errMessage is what a person may read of an error of this package.
func errMessage(err error) string {
	if msg, _, _ := Describe(err); msg != "" {
		return msg
	}
	return "internal error"
}

// importInput makes the account layer's input of a row: the user (its
// email its userName and work email) and its domain parts.
func importInput(f *ImportFile, rec ImportRecord, l *importLookups, tenantID, state string) (UserInput, error) {
	get := func(col string) string { return f.Get(rec, col) }
	email, err := CheckEmail(get(ColEmail))
	if err != nil {
		return UserInput{}, err
	}
	u := &store.User{UserName: email, DisplayName: get(ColDisplayName), Title: get(ColJobTitle), State: state,
		Name:       store.Name{GivenName: get(ColFirstName), FamilyName: get(ColLastName)},
		Enterprise: store.Enterprise{Department: get(ColDepartment), Division: get(ColOrgUnit)},
		Values:     map[string][]store.Value{"emails": {{Value: email, Type: "work", Primary: true}}}}
	d := &DomainInput{}
	if roles := list(get(ColRoles)); len(roles) > 0 {
		node, err := l.node(tenantID, get(ColScope))
		if err != nil {
			return UserInput{}, invalid("scope", "%s", err.Error())
		}
		grants := make([]GrantInput, len(roles))
		for i, r := range roles {
			grants[i] = GrantInput{Role: r, Node: node}
		}
		d.Grants = &grants
	}
	if teams := list(get(ColTeams)); len(teams) > 0 {
		seats := make([]SeatInput, len(teams))
		for i, t := range teams {
			seats[i] = SeatInput{Team: t}
		}
		d.Teams = &seats
	}
	ids, err := parseAgentIDs(get(ColAgentIDs))
	if err != nil {
		return UserInput{}, invalid("agentIds", "%s", err.Error())
	}
	if len(ids) > 0 {
		d.AgentIDs = &ids
	}
	if v := (VoiceInput{Extension: get(ColExtension), Location: get(ColLocation), Primary: get(ColPrimaryPhone),
		Additional: list(get(ColOtherPhones))}); v.Extension != "" || v.Location != "" || v.Primary != "" || len(v.Additional) > 0 {
		d.Voice, d.SetVoice = &v, true
	}
	return UserInput{User: u, Domain: d}, nil
}
