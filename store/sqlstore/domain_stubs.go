package sqlstore

// Methods of store.Reader, store.Tx and store.Outbox for the account
// domain's tables that are not written yet.

import (
	"context"
	"errors"
	"time"

	"github.com/scimd/scimd/store"
)

var errNotImplemented = errors.New("not implemented")

func (r rd) EffectiveGrants(ctx context.Context, tenantID, userID string) ([]store.EffectiveGrant, error) {
	return nil, errNotImplemented
}
func (r rd) GrantsOf(ctx context.Context, tenantID, userID, groupID string) ([]store.Grant, error) {
	return nil, errNotImplemented
}
func (r rd) GroupGrantsRole(ctx context.Context, tenantID, groupID string, roles []string) (bool, error) {
	return false, errNotImplemented
}
func (r rd) CountGrants(ctx context.Context, tenantID, role string) (int, error) {
	return 0, errNotImplemented
}
func (r rd) Owner(ctx context.Context, tenantID string) (string, error) { return "", errNotImplemented }
func (r rd) Nodes(ctx context.Context, tenantID string) ([]store.Node, error) {
	return nil, errNotImplemented
}
func (r rd) GetNode(ctx context.Context, tenantID, id string) (store.Node, error) {
	return store.Node{}, errNotImplemented
}
func (r rd) NodeInUse(ctx context.Context, tenantID, id string) (string, error) {
	return "", errNotImplemented
}
func (r rd) Roles(ctx context.Context, tenantID string) ([]store.Role, error) {
	return nil, errNotImplemented
}
func (r rd) GetRole(ctx context.Context, tenantID, id string) (store.Role, error) {
	return store.Role{}, errNotImplemented
}
func (r rd) AgentIDHolder(ctx context.Context, tenantID, system, value string) (string, error) {
	return "", errNotImplemented
}
func (r rd) Teams(ctx context.Context, tenantID string) ([]store.Team, error) {
	return nil, errNotImplemented
}
func (r rd) GetTeam(ctx context.Context, tenantID, id string) (store.Team, error) {
	return store.Team{}, errNotImplemented
}
func (r rd) TeamMembers(ctx context.Context, tenantID, teamID string) ([]store.TeamMember, error) {
	return nil, errNotImplemented
}
func (r rd) LedTeams(ctx context.Context, tenantID, userID string) ([]store.Team, error) {
	return nil, errNotImplemented
}
func (r rd) Locations(ctx context.Context, tenantID string) ([]store.Location, error) {
	return nil, errNotImplemented
}
func (r rd) Numbers(ctx context.Context, tenantID string) ([]store.Number, error) {
	return nil, errNotImplemented
}
func (r rd) GetNumber(ctx context.Context, tenantID, number string) (store.Number, error) {
	return store.Number{}, errNotImplemented
}
func (r rd) ExtensionHolder(ctx context.Context, tenantID, extension string) (string, error) {
	return "", errNotImplemented
}
func (r rd) Extensions(ctx context.Context, tenantID string) ([]string, error) {
	return nil, errNotImplemented
}
func (r rd) GetInvitation(ctx context.Context, tenantID, userID string) (store.Invitation, error) {
	return store.Invitation{}, errNotImplemented
}
func (r rd) InvitationByHash(ctx context.Context, hash []byte, now time.Time) (store.Invitation, error) {
	return store.Invitation{}, errNotImplemented
}
func (r rd) SessionByHash(ctx context.Context, hash []byte, now time.Time) (store.Session, error) {
	return store.Session{}, errNotImplemented
}
func (r rd) Audit(ctx context.Context, tenantID string, q store.AuditQuery) ([]store.AuditEntry, error) {
	return nil, errNotImplemented
}
func (r rd) Mails(ctx context.Context, tenantID string, limit int) ([]store.Mail, error) {
	return nil, errNotImplemented
}
func (r rd) Stats(ctx context.Context, tenantID string, adminRoles []string) (store.Stats, error) {
	return store.Stats{}, errNotImplemented
}
func (t *wtx) AddGrant(ctx context.Context, g *store.Grant) error { return errNotImplemented }
func (t *wtx) RemoveGrants(ctx context.Context, tenantID, userID, groupID, role, source string) (int, error) {
	return 0, errNotImplemented
}
func (t *wtx) InsertNode(ctx context.Context, n *store.Node) error { return errNotImplemented }
func (t *wtx) RenameNode(ctx context.Context, tenantID, id, name string) error {
	return errNotImplemented
}
func (t *wtx) MoveNode(ctx context.Context, tenantID, id, parentID string) error {
	return errNotImplemented
}
func (t *wtx) DeleteNode(ctx context.Context, tenantID, id string) error { return errNotImplemented }
func (t *wtx) InsertRole(ctx context.Context, r *store.Role) error       { return errNotImplemented }
func (t *wtx) UpdateRole(ctx context.Context, r store.Role) error        { return errNotImplemented }
func (t *wtx) DeleteRole(ctx context.Context, tenantID, id string) error { return errNotImplemented }
func (t *wtx) SetAgentIDs(ctx context.Context, tenantID, userID string, ids []store.AgentID) error {
	return errNotImplemented
}
func (tx *wtx) InsertTeam(ctx context.Context, t *store.Team) error       { return errNotImplemented }
func (tx *wtx) UpdateTeam(ctx context.Context, t store.Team) error        { return errNotImplemented }
func (t *wtx) DeleteTeam(ctx context.Context, tenantID, id string) error { return errNotImplemented }
func (t *wtx) SetTeamSeats(ctx context.Context, tenantID, userID string, seats []store.TeamMember) error {
	return errNotImplemented
}
func (t *wtx) SetTeamMember(ctx context.Context, tenantID string, m store.TeamMember, remove bool) error {
	return errNotImplemented
}
func (t *wtx) InsertLocation(ctx context.Context, l *store.Location) error { return errNotImplemented }
func (t *wtx) UpdateLocation(ctx context.Context, l store.Location) error  { return errNotImplemented }
func (t *wtx) DeleteLocation(ctx context.Context, tenantID, id string) error {
	return errNotImplemented
}
func (t *wtx) InsertNumber(ctx context.Context, n *store.Number) error { return errNotImplemented }
func (t *wtx) DeleteNumber(ctx context.Context, tenantID, number string) error {
	return errNotImplemented
}
func (t *wtx) SetVoice(ctx context.Context, tenantID, userID string, v *store.Voice, primary string, additional []string) error {
	return errNotImplemented
}
func (t *wtx) PutInvitation(ctx context.Context, inv *store.Invitation) error {
	return errNotImplemented
}
func (t *wtx) TakeInvitation(ctx context.Context, hash []byte, now time.Time) (store.Invitation, error) {
	return store.Invitation{}, errNotImplemented
}
func (t *wtx) DeleteInvitation(ctx context.Context, tenantID, userID string) error {
	return errNotImplemented
}
func (t *wtx) InsertLoginLink(ctx context.Context, l *store.LoginLink) error {
	return errNotImplemented
}
func (t *wtx) UseLoginLink(ctx context.Context, hash []byte, now time.Time) (store.LoginLink, error) {
	return store.LoginLink{}, errNotImplemented
}
func (t *wtx) InsertSession(ctx context.Context, s *store.Session) error { return errNotImplemented }
func (t *wtx) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	return errNotImplemented
}
func (t *wtx) DeleteSession(ctx context.Context, hash []byte) error { return errNotImplemented }
func (t *wtx) DeleteUserSessions(ctx context.Context, tenantID, userID string) error {
	return errNotImplemented
}
func (t *wtx) InsertAudit(ctx context.Context, e *store.AuditEntry) error { return errNotImplemented }
func (t *wtx) QueueMail(ctx context.Context, m *store.Mail) error         { return errNotImplemented }
func (s *Store) ClaimMails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Mail, error) {
	return nil, errNotImplemented
}
func (s *Store) MailSent(ctx context.Context, id string, at time.Time) error {
	return errNotImplemented
}
func (s *Store) MailFailed(ctx context.Context, id string, errText string, next time.Time) error {
	return errNotImplemented
}
func (s *Store) PurgeAudit(ctx context.Context, before time.Time) (int, error) {
	return 0, errNotImplemented
}
func (r rd) loadUserDomains(ctx context.Context, users []*store.User) error    { return nil }
func (r rd) loadGroupDomains(ctx context.Context, groups []*store.Group) error { return nil }
