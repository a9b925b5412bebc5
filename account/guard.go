package account

import (
	"context"
	"strings"

	"github.com/scimd/scimd/store"
)

// level is how far an actor's authority reaches in a tenant.
type level int

const (
	levelNone    level = iota
	levelManager       // manages users beneath its nodes (Account Admin)
	levelAdmin         // manages everyone but the Owner and other Admins
	levelOwner         // everything: the Owner, the operator, their tokens
)

// authority is what an actor may do in one tenant.
type authority struct {
	actor Actor
	level level
	// grants are a member's effective grants (nil for other actors).
	grants []store.EffectiveGrant
	cat    catalogue
}

// authorityOf works out the actor's authority in a tenant. IdP
// connections and jobs act with the authority of whoever created their
// token or started them; members with their own access.
func (s *Service) authorityOf(ctx context.Context, r store.Reader, a Actor, tenantID string, cat catalogue) (authority, error) {
	au := authority{actor: a, cat: cat}
	switch {
	case a.Kind == ActorOperator:
		au.level = levelOwner
		return au, nil
	case a.Kind == ActorInvitee:
		return au, nil
	case a.isMember():
		grants, err := r.EffectiveGrants(ctx, tenantID, a.member())
		if err != nil {
			return au, err
		}
		au.grants = grants
		au.level = memberLevel(grants, cat)
		if a.Kind == ActorJob && a.Authority == store.AuthorityAdmin && au.level > levelAdmin {
			au.level = levelAdmin
		}
		return au, nil
	}
	switch a.Authority {
	case store.AuthorityOperator, store.AuthorityOwner:
		au.level = levelOwner
	case store.AuthorityAdmin:
		au.level = levelAdmin
	}
	return au, nil
}

// memberLevel is the level a user's effective grants give.
func memberLevel(grants []store.EffectiveGrant, cat catalogue) level {
	l := levelNone
	for _, g := range grants {
		switch {
		case g.Role == RoleOwner:
			return levelOwner
		case g.Role == RoleAdmin:
			l = max(l, levelAdmin)
		default:
			if r, ok := cat.byKey(g.Role); ok && hasPerm(r.Permissions, PermUsersManage) {
				l = max(l, levelManager)
			}
		}
	}
	return l
}

// who names who may do what the actor may not, for refusals.
const (
	whoOwner = "only the Owner (in the portal), the operator (scimd on the command line) or an IdP connection whose token one of them created may"
)

// allows reports whether a member holds perm at node (or beneath one of
// its grants' nodes); every other actor is bounded by level alone.
func (au authority) allows(perm, nodePath string) bool {
	if !au.actor.isMember() {
		return au.level > levelNone || au.actor.Kind == ActorOperator
	}
	for _, g := range au.grants {
		r, ok := au.cat.byKey(g.Role)
		if !ok || !hasPerm(r.Permissions, perm) {
			continue
		}
		if nodePath == "" || strings.HasPrefix(nodePath, g.NodePath) {
			return true
		}
	}
	return false
}

// require refuses unless the actor holds perm at the node.
func (au authority) require(perm, nodePath, what string) error {
	if au.allows(perm, nodePath) {
		return nil
	}
	return forbidden("%s needs the %s permission, which you do not hold there", what, perm)
}

// target is what the guardrails need to know of a user being changed.
type target struct {
	owner, admin bool
	// nodes are the paths of the nodes of the user's own grants.
	nodes []string
}

func targetOf(tenantID string, grants []store.EffectiveGrant) target {
	var t target
	for _, g := range grants {
		switch g.Role {
		case RoleOwner:
			t.owner = true
		case RoleAdmin:
			t.admin = true
		}
		if g.ViaGroup == "" {
			t.nodes = append(t.nodes, g.NodePath)
		}
	}
	if len(t.nodes) == 0 {
		t.nodes = []string{masterPath(tenantID)} // a user without grants belongs to the master account
	}
	return t
}

// masterPath is the path of a tenant's master node.
func masterPath(tenantID string) string { return "/" + tenantID + "/" }

// canManage refuses a change to a user the actor may not manage (seed
// 001): the Owner only by owner-level actors, Admins likewise, others by
// any IdP connection or by members who manage users at all of the user's
// nodes.
func (au authority) canManage(t target, what string) error {
	switch {
	case t.owner && au.level < levelOwner:
		return forbidden("%s the Owner: %s", what, whoOwner)
	case t.admin && au.level < levelOwner:
		return forbidden("%s an Admin: %s (Admins manage users except the Owner and other Admins)", what, whoOwner)
	case !au.actor.isMember():
		return nil
	case au.level < levelManager:
		return forbidden("%s users needs the %s permission", what, PermUsersManage)
	case au.level >= levelAdmin:
		return nil
	}
	for _, n := range t.nodes {
		if !au.allows(PermUsersManage, n) {
			return forbidden("%s this user needs the %s permission at every account the user has roles at", what, PermUsersManage)
		}
	}
	return nil
}

// canGrant refuses a grant (or revocation) of role at a node the actor may
// not make: nobody grants Owner this way; only owner-level actors grant
// or revoke Admin; a member grants only a role whose every permission it
// holds there (no one hands out more than they have).
func (au authority) canGrant(r roleInfo, nodePath string, revoke bool) error {
	verb := "grant"
	if revoke {
		verb = "revoke"
	}
	switch {
	case r.Key == RoleOwner:
		return forbidden("the Owner role cannot be granted or revoked: the Owner passes ownership on in the portal (or the operator with scimd admin transfer-owner)")
	case r.Key == RoleAdmin && au.level < levelOwner:
		return forbidden("only the Owner may %s the Admin role: %s", verb, whoOwner)
	case !au.actor.isMember():
		return nil
	}
	for _, p := range r.Permissions {
		if !au.allows(p, nodePath) {
			return forbidden("to %s %s you need its permission %s there yourself", verb, r.Name, p)
		}
	}
	return nil
}
