package account

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/scimd/scimd/store"
)

// Event types of the change feed that are not audit actions of their own.
const (
	EventImportFinished = "import.finished"
)

// EventTypes is the catalogue of the change feed's event types.
var EventTypes = []string{
	ActUserCreated, ActUserUpdated, ActUserDeactivated, ActUserReactivated, ActUserDeleted,
	ActGroupCreated, ActGroupUpdated, ActGroupDeleted, ActMemberAdded, ActMemberRemoved,
	ActAccessChanged, ActInvitationSent, ActInvitationAccepted, EventImportFinished,
}

// secretAttrs never appear in an event's data.
var secretAttrs = []string{"password", "passwordHash", "token", "secret"}

// Emit adds an event to the tenant's change feed in tx, the transaction
// of the change it tells of: it is committed, and numbered, with the
// change or not at all. data is a JSON object of the changed attributes
// with their new values (nil for none); secrets are left out.
func Emit(ctx context.Context, tx store.Tx, a Actor, tenantID, typ, resourceType, resourceID string, data map[string]any) error {
	for _, k := range secretAttrs {
		delete(data, k)
	}
	body := []byte("{}")
	if len(data) > 0 {
		var err error
		if body, err = json.Marshal(data); err != nil {
			return err
		}
	}
	return tx.InsertEvent(ctx, &store.Event{TenantID: tenantID, Type: typ, ActorKind: string(a.Kind), ActorID: a.ID,
		ActorName: a.Name, ResourceType: resourceType, ResourceID: resourceID, Data: string(body)})
}

// emit turns an audit entry into the feed's events: the audit entry is
// written at the one place every command records what it did, so the
// feed is fed from there too. Actions outside the catalogue emit nothing;
// a member change emits one event per member; a repair emits
// access.changed (and user.updated when attributes changed).
func (s *Service) emit(ctx context.Context, tx store.Tx, a Actor, tenantID, action, resourceType, resourceID string, c any) error {
	if tenantID == "" {
		return nil
	}
	ch, _ := c.(changes)
	switch action {
	case ActMemberAdded, ActMemberRemoved:
		var ids []string
		if m, ok := ch["members"]; ok {
			if action == ActMemberAdded {
				ids, _ = m.After.([]string)
			} else {
				ids, _ = m.Before.([]string)
			}
		}
		if net, ok := ctx.Value(settledKey{}).(settled); ok && net.group == resourceID {
			ids = net.drop(action, ids)
		}
		for _, id := range ids {
			if err := Emit(ctx, tx, a, tenantID, action, resourceType, resourceID, map[string]any{"value": id}); err != nil {
				return err
			}
		}
		return s.groupAccessChanged(ctx, tx, a, tenantID, resourceID, ids)
	case ActGroupCreated:
		var ids []string
		if m, ok := ch["members"]; ok {
			ids, _ = m.After.([]string)
		}
		data := newValues(ch, false)
		delete(data, "members")
		if err := Emit(ctx, tx, a, tenantID, action, resourceType, resourceID, data); err != nil {
			return err
		}
		return s.emit(ctx, tx, a, tenantID, ActMemberAdded, resourceType, resourceID, changes{"members": {After: ids}})
	case ActOwnerTransferred:
		for _, k := range []string{"before", "after"} {
			v := ch["owner"].After
			if k == "before" {
				v = ch["owner"].Before
			}
			if id, _ := v.(string); id != "" {
				if err := s.accessChanged(ctx, tx, a, tenantID, id, "owner"); err != nil {
					return err
				}
			}
		}
		return nil
	case "node.moved":
		return s.holdersChanged(ctx, tx, a, tenantID, "", resourceID, "move")
	case "role.updated":
		if _, ok := ch["permissions"]; !ok {
			if _, ok := ch["scope"]; !ok {
				return nil
			}
		}
		return s.holdersChanged(ctx, tx, a, tenantID, resourceID, "", "role")
	case ActUserRepaired:
		if len(ch) > 0 {
			if err := Emit(ctx, tx, a, tenantID, ActUserUpdated, resourceType, resourceID, newValues(ch, false)); err != nil {
				return err
			}
		}
		return s.accessChanged(ctx, tx, a, tenantID, resourceID, "repair")
	}
	if !slices.Contains(EventTypes, action) {
		return nil
	}
	return Emit(ctx, tx, a, tenantID, action, resourceType, resourceID, newValues(ch, strings.HasSuffix(action, ".deleted")))
}

// newValues is the data of an event: each changed attribute's new value
// (the old one for a deletion).
func newValues(ch changes, deleted bool) map[string]any {
	out := make(map[string]any, len(ch))
	for k, v := range ch {
		if deleted {
			if v.Before != nil {
				out[k] = v.Before
			}
			continue
		}
		out[k] = v.After
	}
	return out
}

// accessChanged emits access.changed for a user with its own and its
// groups' grants as they are now (role and node of each, once).
func (s *Service) accessChanged(ctx context.Context, tx store.Tx, a Actor, tenantID, userID, why string) error {
	gs, err := tx.EffectiveGrants(ctx, tenantID, userID)
	if err != nil {
		return err
	}
	type grantDoc struct {
		Role string `json:"role"`
		Node string `json:"node"`
		Via  string `json:"viaGroup,omitempty"`
	}
	docs := make([]grantDoc, 0, len(gs))
	for _, g := range gs {
		docs = append(docs, grantDoc{Role: g.Role, Node: g.NodePath, Via: g.ViaGroup})
	}
	return Emit(ctx, tx, a, tenantID, ActAccessChanged, "User", userID, map[string]any{"grants": docs, "reason": why})
}

// groupAccessChanged emits access.changed for the users added to or
// removed from a group that grants roles (itself or through nesting).
func (s *Service) groupAccessChanged(ctx context.Context, tx store.Tx, a Actor, tenantID, groupID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return err
	}
	grants, known := knownGrantsRoles(ctx, groupID)
	if !known {
		grants, err = tx.GroupGrantsRole(ctx, tenantID, groupID, cat.keys())
	}
	if err != nil || !grants {
		return err
	}
	var users, groups []string
	for _, id := range ids {
		if _, err := tx.GetUser(ctx, tenantID, id, 0); err == nil {
			users = append(users, id)
			continue
		} else if KindOf(err) != NotFound {
			return err
		}
		if _, err := tx.GetGroup(ctx, tenantID, id, 0); err == nil {
			groups = append(groups, id) // a nested group: its users' access changed
		} else if KindOf(err) != NotFound {
			return err
		}
	}
	nested, err := groupUsers(ctx, tx, tenantID, groups)
	if err != nil {
		return err
	}
	direct := make(map[string]bool, len(users))
	for _, u := range users {
		direct[u] = true
	}
	for _, u := range nested {
		if !direct[u] {
			users = append(users, u)
		}
	}
	return s.usersChanged(ctx, tx, a, tenantID, users, "group")
}

// groupUsers lists the users in the groups, directly or through nested
// groups, each once, sorted.
func groupUsers(ctx context.Context, tx store.Tx, tenantID string, groups []string) ([]string, error) {
	seen := map[string]bool{}
	queue := append([]string(nil), groups...)
	for _, g := range groups {
		seen[g] = true
	}
	var users []string
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		ms, err := tx.Members(tenantID, g).List(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			if m.Type == store.MemberGroup {
				queue = append(queue, m.ID)
			} else {
				users = append(users, m.ID)
			}
		}
	}
	slices.Sort(users)
	return users, nil
}

// sameGrants reports whether two sets of a user's grants are equal.
func sameGrants(a, b []store.Grant) bool {
	key := func(gs []store.Grant) []string {
		out := make([]string, len(gs))
		for i, g := range gs {
			out[i] = g.Role + "@" + g.NodeID + "/" + g.GroupID + "/" + g.Source
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(key(a), key(b))
}

// holdersChanged emits access.changed for every user holding a grant of
// role, or at node or beneath it (see store.Reader.AccessHolders).
func (s *Service) holdersChanged(ctx context.Context, tx store.Tx, a Actor, tenantID, role, node, why string) error {
	ids, err := tx.AccessHolders(ctx, tenantID, role, node)
	if err != nil {
		return err
	}
	return s.usersChanged(ctx, tx, a, tenantID, ids, why)
}

func (s *Service) usersChanged(ctx context.Context, tx store.Tx, a Actor, tenantID string, ids []string, why string) error {
	for _, id := range ids {
		if err := s.accessChanged(ctx, tx, a, tenantID, id, why); err != nil {
			return err
		}
	}
	return nil
}

// groupGrantsChanged emits access.changed for the users of a group (its
// members and those of the groups nested in it) when its grants differ
// from old.
func (s *Service) groupGrantsChanged(ctx context.Context, tx store.Tx, a Actor, tenantID, groupID string, old *store.GroupDomain) error {
	var before []store.Grant
	if old != nil {
		before = old.Grants
	}
	now, err := tx.GrantsOf(ctx, tenantID, "", groupID)
	if err != nil || sameGrants(before, now) {
		return err
	}
	users, err := groupUsers(ctx, tx, tenantID, []string{groupID})
	if err != nil {
		return err
	}
	return s.usersChanged(ctx, tx, a, tenantID, users, "group")
}

// settled says, for the members both added and removed by one change (a
// PATCH removing then adding one member, say), which way it ended: only
// that event is emitted, so a consumer applying the events in order ends
// with the group as it is.
type settled struct {
	group   string
	nowIn   map[string]bool // member at the end
	settled map[string]bool // in both lists
}

type settledKey struct{}

func (n settled) drop(action string, ids []string) []string {
	out := ids[:0:0]
	for _, id := range ids {
		if n.settled[id] && n.nowIn[id] != (action == ActMemberAdded) {
			continue
		}
		out = append(out, id)
	}
	return out
}

// settleMembers finds the members in both lists and whether each is a
// member now (reading the members only when there is such a one).
func (s *Service) settleMembers(ctx context.Context, tx store.Tx, tenantID, groupID string, added, removed []string) (context.Context, error) {
	if len(added) == 0 || len(removed) == 0 {
		return ctx, nil
	}
	in := make(map[string]bool, len(added))
	for _, id := range added {
		in[id] = true
	}
	both := map[string]bool{}
	for _, id := range removed {
		if in[id] {
			both[id] = true
		}
	}
	if len(both) == 0 {
		return ctx, nil
	}
	ms, err := tx.Members(tenantID, groupID).List(ctx)
	if err != nil {
		return ctx, err
	}
	in = map[string]bool{}
	for _, m := range ms {
		if both[m.ID] {
			in[m.ID] = true
		}
	}
	return context.WithValue(ctx, settledKey{}, settled{group: groupID, nowIn: in, settled: both}), nil
}

// groupRoles remembers, for one group, whether it grants a role of the
// catalogue (itself or through nesting), found before its member changes:
// they cannot change it (a group's grants come from the groups above it,
// and a cycle is refused), so it is found once, for the guard and the
// access.changed events, and on PostgreSQL checked in the statement that
// makes the change instead of read before it.
type groupRoles struct {
	group  string
	grants bool
}

type groupRolesKey struct{}

// learnGroupRoles finds whether the group grants a role of the catalogue
// (GroupGrantsNone: the store may take that it does not, and check at the
// commit) and remembers it in the returned context.
func learnGroupRoles(ctx context.Context, tx store.Tx, tenantID, groupID string, cat catalogue) (context.Context, error) {
	none, err := tx.GroupGrantsNone(ctx, tenantID, groupID, cat.keys())
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, groupRolesKey{}, groupRoles{group: groupID, grants: !none}), nil
}

// knownGrantsRoles is what learnGroupRoles remembered of the group, if it
// did.
func knownGrantsRoles(ctx context.Context, groupID string) (grants, known bool) {
	g, ok := ctx.Value(groupRolesKey{}).(groupRoles)
	if !ok || g.group != groupID {
		return false, false
	}
	return g.grants, true
}
