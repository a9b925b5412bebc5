package account_test

// Lifecycle, invitations, password policy, audit and sign-in (issue 12 §3, §5).

import (
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// TestLifecycleKeepsData: seed 003/004 — SCIM active=false or an admin's
// deactivate makes a user Inactive keeping every piece of its data;
// reactivation restores it.
func TestLifecycleKeepsData(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		team, err := e.svc.CreateTeam(e.ctx(), e.op(), e.tenant, store.Team{Name: "T"})
		ok(t, "team", err)
		in := e.input("leaver", "Agent")
		in.User.Values = map[string][]store.Value{"emails": {{Value: "leaver@example.com", Primary: true}}}
		in.Domain.AgentIDs = &[]store.AgentID{{System: "voice", Value: "L1"}}
		in.Domain.Teams = &[]account.SeatInput{{Team: team.ID}}
		u, err := e.svc.CreateUser(e.ctx(), e.op(), e.tenant, in)
		ok(t, "create", err)
		before := e.get(u.ID)
		_, err = e.svc.UpdateUser(e.ctx(), e.token(store.AuthorityOperator), e.tenant, u.ID, nil, func(x *store.User) (account.UserInput, error) {
			f := false
			x.Active = &f
			return account.UserInput{User: x}, nil
		})
		ok(t, "active=false", err)
		off := e.get(u.ID)
		if off.State != store.StateInactive || off.Active == nil || *off.Active {
			t.Fatalf("after active=false: state %s, active %v", off.State, off.Active)
		}
		if len(off.Domain.AgentIDs) != 1 || len(off.Domain.Teams) != 1 || len(off.Domain.Grants) != 1 || len(off.Values["emails"]) != 1 {
			t.Fatalf("deactivation lost data: %+v", off.Domain)
		}
		_, err = e.svc.Reactivate(e.ctx(), e.member(e.owner), e.tenant, u.ID)
		ok(t, "reactivate", err)
		on := e.get(u.ID)
		if on.State != store.StateActive || len(on.Domain.AgentIDs) != 1 || on.UserName != before.UserName {
			t.Fatalf("after reactivation: %+v", on)
		}
		_, err = e.svc.Reactivate(e.ctx(), e.op(), e.tenant, u.ID)
		wantKind(t, "reactivating an active user", err, account.Invalid, "not inactive")
	})
}

// linkToken is the token of a link in a mail body.
func linkToken(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, "https://scimd.example/")
	if i < 0 {
		t.Fatalf("no link in the mail:\n%s", body)
	}
	link := strings.Fields(body[i:])[0]
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// TestInvitations: seeds 000, 002, 004 — invited people are Invited users
// with their roles; the mail's link is single-use and expires after 7
// days; resend voids the old link; cancel removes the Invited user;
// accepting makes it Active.
func TestInvitations(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		admin := e.user("admin", "Admin")
		users, err := e.svc.InviteUsers(e.ctx(), e.member(admin), e.tenant, []account.Invite{
			{Name: "Ann Lead", Email: "ann@example.com", Roles: []string{"Team Leader"}},
			{Name: "Ben", Email: "ben@example.com", Roles: []string{"User"}},
		})
		ok(t, "invite", err)
		if len(users) != 2 || users[0].State != store.StateInvited {
			t.Fatalf("invited %+v", users)
		}
		mails, err := e.st.Reader().Mails(e.ctx(), e.tenant, 10)
		ok(t, "mails", err)
		if len(mails) != 2 {
			t.Fatalf("%d mails queued, want 2", len(mails))
		}
		var annMail string
		for _, m := range mails {
			if m.To == "ann@example.com" {
				annMail = m.Body
			}
		}
		if !strings.Contains(annMail, "7 days") {
			t.Errorf("the invitation mail does not say how long it works:\n%s", annMail)
		}
		first := linkToken(t, annMail)
		// The batch is all or nothing.
		_, err = e.svc.InviteUsers(e.ctx(), e.member(admin), e.tenant, []account.Invite{{Email: "new@example.com"}, {Email: "ben@example.com"}})
		wantKind(t, "inviting an existing user", err, account.Conflict, "invitation 2", "ben@example.com")
		if _, err := e.st.Reader().FindUser(e.ctx(), e.tenant, "new@example.com"); account.KindOf(err) != account.NotFound {
			t.Errorf("a refused batch left its first user")
		}
		// Resend voids the first link.
		ok(t, "resend", e.svc.ResendInvitation(e.ctx(), e.member(admin), e.tenant, users[0].ID))
		mails, _ = e.st.Reader().Mails(e.ctx(), e.tenant, 1)
		second := linkToken(t, mails[0].Body)
		_, err = e.svc.AcceptInvitation(e.ctx(), first, nil, "")
		wantKind(t, "the voided link", err, account.NotFound, "not valid")
		weak := "short"
		_, err = e.svc.AcceptInvitation(e.ctx(), second, &weak, "")
		wantKind(t, "a weak password", err, account.Invalid, "8 characters")
		pw := "Str0ngPassword"
		u, err := e.svc.AcceptInvitation(e.ctx(), second, &pw, "")
		ok(t, "accept", err)
		if u.State != store.StateActive || !account.VerifyPassword(e.get(u.ID).PasswordHash, pw) {
			t.Errorf("accepted user %s, password set %v", u.State, account.VerifyPassword(e.get(u.ID).PasswordHash, pw))
		}
		_, err = e.svc.AcceptInvitation(e.ctx(), second, nil, "")
		wantKind(t, "a second acceptance", err, account.NotFound)
		// Ben's link expires after 7 days; cancel removes him.
		e.clock.add(7*24*time.Hour + time.Minute)
		var benMail string
		for _, m := range mails {
			if m.To == "ben@example.com" {
				benMail = m.Body
			}
		}
		all, _ := e.st.Reader().Mails(e.ctx(), e.tenant, 10)
		for _, m := range all {
			if m.To == "ben@example.com" {
				benMail = m.Body
			}
		}
		_, err = e.svc.AcceptInvitation(e.ctx(), linkToken(t, benMail), nil, "")
		wantKind(t, "an expired link", err, account.NotFound, "expired")
		ok(t, "cancel", e.svc.CancelInvitation(e.ctx(), e.member(admin), e.tenant, users[1].ID))
		if _, err := e.st.Reader().GetUser(e.ctx(), e.tenant, users[1].ID, 0); account.KindOf(err) != account.NotFound {
			t.Errorf("a cancelled invitation left the user")
		}
		wantKind(t, "cancelling an active user", e.svc.CancelInvitation(e.ctx(), e.member(admin), e.tenant, u.ID), account.Invalid)
		reporter := e.user("reporter", "Reports")
		_, err = e.svc.InviteUsers(e.ctx(), e.member(reporter), e.tenant, []account.Invite{{Email: "x@example.com"}})
		wantKind(t, "inviting without users.invite", err, account.Forbidden, "users.invite")
	})
}

// TestInvitationAcceptedOnce: an invitation accepted twice at once is
// accepted once.
func TestInvitationAcceptedOnce(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		_, err := e.svc.InviteUsers(e.ctx(), e.op(), e.tenant, []account.Invite{{Email: "twice@example.com"}})
		ok(t, "invite", err)
		mails, _ := e.st.Reader().Mails(e.ctx(), e.tenant, 1)
		token := linkToken(t, mails[0].Body)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.svc.AcceptInvitation(e.ctx(), token, nil, "")
			}()
		}
		wg.Wait()
		accepted := 0
		for _, err := range errs {
			if err == nil {
				accepted++
			} else if account.KindOf(err) != account.NotFound {
				t.Errorf("a concurrent acceptance failed with %v", err)
			}
		}
		if accepted != 1 || len(e.audit(account.ActInvitationAccepted)) != 1 {
			t.Fatalf("%d acceptances (%d audited), want exactly 1", accepted, len(e.audit(account.ActInvitationAccepted)))
		}
	})
}

// TestPasswordPolicy: seed 001 — at least 8 characters with upper-case,
// lower-case and a digit, for every password set in scimd; a violation
// names the rule. A password an IdP pushes is taken as sent unless the
// tenant enforces the policy for SCIM too.
func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		for pw, rule := range map[string]string{"Ab1": "8 characters", "abcdefg1": "upper-case", "ABCDEFG1": "lower-case", "Abcdefgh": "digit"} {
			in := e.input("p-" + strings.ToLower(pw))
			in.Password = &pw
			_, err := e.svc.CreateUser(e.ctx(), e.member(e.owner), e.tenant, in)
			wantKind(t, "password "+pw, err, account.Invalid, rule)
		}
		weak := "weak"
		in := e.input("idp-user")
		in.Domain = nil
		in.Password = &weak
		_, err := e.svc.CreateUser(e.ctx(), e.token(store.AuthorityOperator), e.tenant, in)
		ok(t, "an IdP's weak password", err)
		ok(t, "enforce", e.svc.UpdateSettings(e.ctx(), e.op(), e.tenant, func(s *store.TenantSettings) error {
			s.EnforceSCIMPasswordPolicy = true
			return nil
		}))
		in = e.input("idp-user2")
		in.Domain = nil
		in.Password = &weak
		_, err = e.svc.CreateUser(e.ctx(), e.token(store.AuthorityOperator), e.tenant, in)
		wantKind(t, "an IdP's weak password when enforced", err, account.Invalid, "8 characters")
	})
}

// TestAuditRecordsEveryChange: every change by every actor is in the audit
// log with who, what, the attributes before and after (secrets redacted)
// and the request id.
func TestAuditRecordsEveryChange(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		pw := "Secret-Passw0rd"
		in := e.input("audited")
		in.Password = &pw
		idp := e.token(store.AuthorityOperator)
		u, err := e.svc.CreateUser(e.ctx(), idp, e.tenant, in)
		ok(t, "create", err)
		ok(t, "rename", e.rename(e.member(e.owner), u.ID, "Renamed"))
		ok(t, "delete", e.svc.DeleteUser(e.ctx(), idp, e.tenant, u.ID, nil))
		created, updated, deleted := e.audit(account.ActUserCreated), e.audit(account.ActUserUpdated), e.audit(account.ActUserDeleted)
		if len(created) < 2 || len(updated) != 1 || len(deleted) != 1 {
			t.Fatalf("audit: %d created, %d updated, %d deleted", len(created), len(updated), len(deleted))
		}
		var c store.AuditEntry
		for _, x := range created {
			if x.ResourceID == u.ID {
				c = x
			}
		}
		if c.ActorKind != "idp" || c.ActorID != idp.ID || c.ActorName != idp.Name || c.ResourceID != u.ID || c.RequestID != "req-idp" {
			t.Errorf("create entry %+v", c)
		}
		if strings.Contains(c.Changes, pw) || strings.Contains(c.Changes, "$2a$") || !strings.Contains(c.Changes, "[redacted]") {
			t.Errorf("the create entry does not redact the password: %s", c.Changes)
		}
		var ch map[string]map[string]any
		if err := json.Unmarshal([]byte(updated[0].Changes), &ch); err != nil {
			t.Fatal(err)
		}
		if ch["displayName"]["before"] != "audited" || ch["displayName"]["after"] != "Renamed" || updated[0].ActorID != e.owner {
			t.Errorf("update entry %+v, changes %v", updated[0], ch)
		}
		// An admin reads the log filtered by user; another member may not.
		byUser, err := e.svc.Audit(e.ctx(), e.member(e.owner), e.tenant, account.AuditQuery{ResourceID: u.ID})
		ok(t, "audit by user", err)
		if len(byUser) != 3 {
			t.Errorf("%d entries for the user, want 3", len(byUser))
		}
		rep := e.user("rep", "Reports")
		_, err = e.svc.Audit(e.ctx(), e.member(rep), e.tenant, account.AuditQuery{})
		wantKind(t, "reading the audit log without audit.read", err, account.Forbidden)
	})
}

// TestLoginLinkBootstrap: the first link makes its email the tenant's
// Owner; later links go to existing administrators only; a link works
// once and opens a session that ends when the user is deactivated.
func TestLoginLinkBootstrap(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		owner := e.get(e.owner)
		if owner.UserName != "owner@example.com" || owner.State != store.StateActive {
			t.Fatalf("the bootstrap Owner %+v", owner)
		}
		plain := e.user("plain", "User")
		_, err := e.svc.LoginLink(e.ctx(), e.op(), e.tenant, "plain@example.com")
		wantKind(t, "a link for a non-administrator", err, account.Forbidden, "not allowed to administer")
		_, err = e.svc.LoginLink(e.ctx(), e.op(), e.tenant, "stranger@example.com")
		wantKind(t, "a link for a stranger", err, account.Invalid)
		_, err = e.svc.LoginLink(e.ctx(), e.member(e.owner), e.tenant, "owner@example.com")
		wantKind(t, "a link made by a member", err, account.Forbidden)
		admin := e.user("admin", "Admin")
		link, err := e.svc.LoginLink(e.ctx(), e.op(), e.tenant, "admin@example.com")
		ok(t, "a link for an Admin", err)
		if !strings.HasPrefix(link, "https://scimd.example/portal/") {
			t.Errorf("link %q does not start with the public URL", link)
		}
		u, _ := url.Parse(link)
		token := u.Query().Get("token")
		in, err := e.svc.SignInWithLink(e.ctx(), token, "r1")
		ok(t, "sign in", err)
		if in.User.ID != admin || in.Access != account.PortalAdmin {
			t.Errorf("signed in %+v", in)
		}
		_, err = e.svc.SignInWithLink(e.ctx(), token, "r2")
		wantKind(t, "a used link", err, account.NotFound)
		a, _, err := e.svc.Session(e.ctx(), in.Token, "r3")
		ok(t, "session", err)
		if a.Kind != account.ActorMember || a.ID != admin || a.TenantID != e.tenant {
			t.Errorf("session actor %+v", a)
		}
		if e.get(admin).LastLoginAt == nil {
			t.Errorf("the last login is not recorded")
		}
		_, err = e.svc.Deactivate(e.ctx(), e.member(e.owner), e.tenant, plain)
		ok(t, "deactivate plain", err)
		_, err = e.svc.Deactivate(e.ctx(), e.op(), e.tenant, admin)
		ok(t, "deactivate the admin", err)
		if _, _, err := e.svc.Session(e.ctx(), in.Token, "r4"); err == nil {
			t.Errorf("a deactivated user's session still works")
		}
		// Sessions end when idle.
		link, _ = e.svc.LoginLink(e.ctx(), e.op(), e.tenant, "owner@example.com")
		u, _ = url.Parse(link)
		in, err = e.svc.SignInWithLink(e.ctx(), u.Query().Get("token"), "r5")
		ok(t, "owner signs in", err)
		e.clock.add(account.DefaultSessionIdle + time.Minute)
		if _, _, err := e.svc.Session(e.ctx(), in.Token, "r6"); err == nil {
			t.Errorf("an idle session still works")
		}
	})
}

// TestStats: seed 004's system access stats.
func TestStats(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		e.user("admin", "Admin")
		e.user("agent", "Agent")
		e.user("none")
		_, err := e.svc.InviteUsers(e.ctx(), e.op(), e.tenant, []account.Invite{{Email: "inv@example.com", Roles: []string{"User"}}})
		ok(t, "invite", err)
		off := e.user("off", "Admin")
		_, err = e.svc.Deactivate(e.ctx(), e.op(), e.tenant, off)
		ok(t, "deactivate", err)
		st, err := e.svc.Stats(e.ctx(), e.op(), e.tenant)
		ok(t, "stats", err)
		// Active: owner, admin, agent, none; invited: inv; admin: owner and admin.
		if st.Active != 4 || st.Invited != 1 || st.Admin != 2 || st.Standard != 3 {
			t.Errorf("stats %+v, want active 4, invited 1, admin 2, standard 3", st)
		}
	})
}
