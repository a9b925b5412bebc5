// Package account is scimd's domain layer: every write — from SCIM, the
// admin API, the CLI, the import job or /Bulk — goes through it, with the
// actor that makes it. It decides (guardrails, uniqueness, password
// policy, preconditions) and writes the change, its audit record and its
// outbox rows in one transaction; the store persists; the edges (scim,
// adminapi) only translate HTTP into calls and errors into their format.
// Nothing here knows HTTP.
package account

import "github.com/scimd/scimd/store"

// ActorKind says what kind of party acts.
type ActorKind string

// Actor kinds.
const (
	// ActorIdP is an IdP connection, authenticated by its bearer token.
	ActorIdP ActorKind = "idp"
	// ActorMember is a signed-in portal member (a user of the tenant).
	ActorMember ActorKind = "member"
	// ActorOperator is whoever runs the scimd command line.
	ActorOperator ActorKind = "operator"
	// ActorJob is a background job (an import), acting for whoever
	// started it.
	ActorJob ActorKind = "job"
	// ActorInvitee is a person accepting an invitation or signing in.
	ActorInvitee ActorKind = "invitee"
)

// Actor is who makes a call: every call of this package takes one.
type Actor struct {
	Kind ActorKind
	// ID is the token's id (IdP), the user's id (member, invitee), the
	// job's id, or "" for the operator.
	ID string
	// Name is for people reading the audit log: the token's label, the
	// member's name, the job's name.
	Name string
	// TenantID is the tenant the actor belongs to ("" for the operator,
	// who may act on any).
	TenantID string
	// Authority bounds what an IdP connection or a job may do: who created
	// the token or started the job (store.AuthorityOperator,
	// store.AuthorityOwner or store.AuthorityAdmin).
	Authority string
	// UserID is the member for whom a job acts ("" otherwise).
	UserID string
	// RequestID ties the audit record to the request's log lines.
	RequestID string
}

// Operator is the actor of the command line.
func Operator() Actor {
	return Actor{Kind: ActorOperator, Name: "operator", Authority: store.AuthorityOperator}
}

// IdP is the actor of an IdP connection authenticated with tok.
func IdP(tok store.Token, requestID string) Actor {
	return Actor{Kind: ActorIdP, ID: tok.ID, Name: tok.Label, TenantID: tok.TenantID,
		Authority: orDefault(tok.Authority, store.AuthorityOperator), RequestID: requestID}
}

// Member is the actor of a signed-in portal member.
func Member(tenantID, userID, name, requestID string) Actor {
	return Actor{Kind: ActorMember, ID: userID, Name: name, TenantID: tenantID, UserID: userID, RequestID: requestID}
}

// isMember reports whether the actor's rights come from a user's access
// (a member, or a job started by one).
func (a Actor) isMember() bool {
	return a.Kind == ActorMember || (a.Kind == ActorJob && a.UserID != "")
}

// member is the user whose access bounds the actor.
func (a Actor) member() string {
	if a.Kind == ActorMember {
		return a.ID
	}
	return a.UserID
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
