package account

import (
	"context"
	"slices"
	"strings"

	"github.com/scimd/scimd/store"
)

// readDomain reads a user's domain parts as the transaction now holds them.
func readDomain(ctx context.Context, tx store.Tx, tenantID, userID string) (*store.Domain, error) {
	now, err := tx.GetUser(ctx, tenantID, userID, store.LoadDomain)
	if err != nil {
		return nil, err
	}
	if now.Domain == nil {
		return &store.Domain{}, nil
	}
	return now.Domain, nil
}

// withDomain adds to c what changed in a user's domain parts (own grants,
// agent IDs, team seats, voice settings) between old (nil for a new user)
// and nd, so that a change made only there — an IdP moving an agent ID, an
// admin adding a team seat — is in the audit record with its before and
// after rather than an empty change.
func withDomain(c changes, old, nd *store.Domain) changes {
	if old == nil {
		old = &store.Domain{}
	}
	c.set("grants", grantNames(old.Grants), grantNames(nd.Grants))
	c.set("agentIds", agentIDNames(old.AgentIDs), agentIDNames(nd.AgentIDs))
	c.set("teams", seatNames(old.Teams), seatNames(nd.Teams))
	c.set("voice", voiceOf(old.Voice), voiceOf(nd.Voice))
	return c
}

// grantNames are a user's own grants as "role@node (source)", sorted, so
// that two states compare by content whatever the row order.
func grantNames(gs []store.Grant) []string {
	out := make([]string, 0, len(gs))
	for _, g := range gs {
		if g.GroupID != "" {
			continue
		}
		out = append(out, g.Role+"@"+g.NodeID+" ("+g.Source+")")
	}
	slices.Sort(out)
	return out
}

func agentIDNames(ids []store.AgentID) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, id.System+":"+id.Value)
	}
	slices.Sort(out)
	return out
}

func seatNames(seats []store.TeamSeat) []string {
	out := make([]string, 0, len(seats))
	for _, s := range seats {
		name := s.TeamName
		if s.Leader {
			name += " (leader)"
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// voiceOf is the audit form of voice settings; nil when none are set.
func voiceOf(v *store.VoiceView) map[string]any {
	if v == nil || (v.Extension == "" && v.LocationID == "" && v.PrimaryNumber == "" && len(v.AdditionalNumbers) == 0) {
		return nil
	}
	return map[string]any{
		"extension": v.Extension, "location": v.LocationName, "primaryNumber": v.PrimaryNumber,
		"additionalNumbers": strings.Join(v.AdditionalNumbers, ","),
	}
}
