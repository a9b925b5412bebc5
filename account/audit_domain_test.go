package account_test

import (
	"encoding/json"
	"testing"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// TestAuditOfDomainChanges: a change made only in the domain parts of a
// user (here its agent IDs) is audited with their before and after, not
// as an empty change; a change that sets them to what they are writes no
// record at all.
func TestAuditOfDomainChanges(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		a := e.user("agent", "Agent")
		setIDs := func(ids ...store.AgentID) {
			t.Helper()
			_, err := e.svc.UpdateUser(e.ctx(), e.op(), e.tenant, a, nil, func(u *store.User) (account.UserInput, error) {
				return account.UserInput{User: u, Domain: &account.DomainInput{AgentIDs: &ids}}, nil
			})
			ok(t, "set agent IDs", err)
		}
		setIDs(store.AgentID{System: "voice", Value: "A17"})
		setIDs(store.AgentID{System: "voice", Value: "A18"})
		setIDs(store.AgentID{System: "voice", Value: "A18"}) // no change

		var got []map[string]struct{ Before, After []string }
		for _, entry := range e.audit(account.ActUserUpdated) {
			if entry.ResourceID != a {
				continue
			}
			var c map[string]struct{ Before, After []string }
			if err := json.Unmarshal([]byte(entry.Changes), &c); err != nil {
				t.Fatalf("changes %s: %v", entry.Changes, err)
			}
			got = append(got, c)
		}
		if len(got) != 2 {
			t.Fatalf("%d audit records of the agent's updates, want 2 (the third set nothing new): %v", len(got), got)
		}
		// The test clock stands still, so the records' order is not theirs.
		seen := map[string]bool{}
		for _, c := range got {
			ids := c["agentIds"]
			seen[join(ids.Before)+" -> "+join(ids.After)] = true
		}
		for _, want := range []string{" -> voice:A17", "voice:A17 -> voice:A18"} {
			if !seen[want] {
				t.Errorf("no audit record of agentIds %s; got %v", want, got)
			}
		}
	})
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out
}
