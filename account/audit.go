package account

import (
	"context"
	"encoding/json"
	"reflect"

	"github.com/scimd/scimd/store"
)

// Actions recorded in the audit log (the event types of the change feed).
const (
	ActUserCreated         = "user.created"
	ActUserUpdated         = "user.updated"
	ActUserDeactivated     = "user.deactivated"
	ActUserReactivated     = "user.reactivated"
	ActUserDeleted         = "user.deleted"
	ActUserRepaired        = "user.repaired"
	ActGroupCreated        = "group.created"
	ActGroupUpdated        = "group.updated"
	ActGroupDeleted        = "group.deleted"
	ActMemberAdded         = "group.member_added"
	ActMemberRemoved       = "group.member_removed"
	ActAccessChanged       = "access.changed"
	ActInvitationSent      = "invitation.sent"
	ActInvitationAccepted  = "invitation.accepted"
	ActInvitationCancelled = "invitation.cancelled"
	ActOwnerTransferred    = "owner.transferred"
	ActSignIn              = "signin"
	ActSignInRefused       = "signin.refused"
	ActSignOut             = "signout"
)

// redacted stands for a secret in the audit log.
const redacted = "[redacted]"

// change is one attribute's value before and after a change.
type change struct {
	Before any `json:"before,omitempty"`
	After  any `json:"after,omitempty"`
}

// changes maps attribute names to their change.
type changes map[string]change

func (c changes) set(name string, before, after any) {
	if isEmpty(before) && isEmpty(after) || reflect.DeepEqual(before, after) {
		return
	}
	c[name] = change{Before: before, After: after}
}

func isEmpty(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String, reflect.Slice, reflect.Map:
		return rv.Len() == 0
	case reflect.Pointer:
		return rv.IsNil()
	}
	return false
}

// audit writes an audit entry in the change's transaction.
func (s *Service) audit(ctx context.Context, tx store.Tx, a Actor, tenantID, action, resourceType, resourceID string, c any) error {
	body := []byte("{}")
	if c != nil {
		var err error
		if body, err = json.Marshal(c); err != nil {
			return err
		}
	}
	kind := string(a.Kind)
	// The feed's events first: the store writes them with the entry.
	if err := s.emit(ctx, tx, a, tenantID, action, resourceType, resourceID, c); err != nil {
		return err
	}
	return tx.InsertAudit(ctx, &store.AuditEntry{
		TenantID: tenantID, At: s.now(), ActorKind: kind, ActorID: a.ID, ActorName: a.Name,
		Action: action, ResourceType: resourceType, ResourceID: resourceID, Changes: string(body), RequestID: a.RequestID,
	})
}

// userChanges lists what differs between two states of a user (old nil
// for a new user), the password redacted.
func userChanges(old, u *store.User) changes {
	if old == nil {
		old = &store.User{}
	}
	c := changes{}
	str := []struct {
		name string
		a, b string
	}{
		{"userName", old.UserName, u.UserName}, {"externalId", old.ExternalID, u.ExternalID},
		{"displayName", old.DisplayName, u.DisplayName}, {"nickName", old.NickName, u.NickName},
		{"profileUrl", old.ProfileURL, u.ProfileURL}, {"title", old.Title, u.Title}, {"userType", old.UserType, u.UserType},
		{"preferredLanguage", old.PreferredLanguage, u.PreferredLanguage}, {"locale", old.Locale, u.Locale},
		{"timezone", old.Timezone, u.Timezone}, {"state", old.State, u.State},
	}
	for _, f := range str {
		c.set(f.name, f.a, f.b)
	}
	if old.Name != u.Name {
		c.set("name", old.Name, u.Name)
	}
	c.set("active", old.Active, u.Active)
	for _, attr := range store.ValueAttrs {
		if !store.SameValues(old.Values[attr], u.Values[attr]) {
			c.set(attr, old.Values[attr], u.Values[attr])
		}
	}
	if !store.SameAddresses(old.Addresses, u.Addresses) {
		c.set("addresses", old.Addresses, u.Addresses)
	}
	oe, ne := old.Enterprise, u.Enterprise
	oe.ManagerDisplay, ne.ManagerDisplay = "", ""
	if oe != ne {
		c.set("enterprise", oe, ne)
	}
	if old.PasswordHash != u.PasswordHash {
		before, after := "", ""
		if old.PasswordHash != "" {
			before = redacted
		}
		if u.PasswordHash != "" {
			after = redacted
		}
		c[("password")] = change{Before: nilIfEmpty(before), After: nilIfEmpty(after)}
	}
	return c
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
