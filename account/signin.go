package account

import (
	"context"
	"strings"
	"time"

	"github.com/scimd/scimd/store"
)

// Portal access a user's roles give (seed 004): administrators get the
// portal, Team Leaders their My Team page, everyone else nothing.
const (
	PortalNone     = ""
	PortalAdmin    = "admin"
	PortalTeamLead = "team"
)

// portalAccess is what a user's grants let it see of the portal.
func portalAccess(grants []store.EffectiveGrant, cat catalogue) string {
	access := PortalNone
	for _, g := range grants {
		r, ok := cat.byKey(g.Role)
		if !ok {
			continue
		}
		if hasPerm(r.Permissions, PermUsersManage) {
			return PortalAdmin
		}
		if hasPerm(r.Permissions, PermTeamView) {
			access = PortalTeamLead
		}
	}
	return access
}

// LoginLink makes a single-use sign-in link valid for LoginLinkTTL, for
// the operator to set up a tenant before any IdP is configured. If the
// tenant has no Owner yet, the user with this email (made if need be)
// becomes its Owner; otherwise it must be an active user allowed to
// administer.
func (s *Service) LoginLink(ctx context.Context, a Actor, tenantID, email string) (link string, err error) {
	if a.Kind != ActorOperator {
		return "", forbidden("sign-in links are made on the command line (scimd admin login-link)")
	}
	email, err = CheckEmail(email)
	if err != nil {
		return "", err
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return "", err
	}
	token, hash := newSecret()
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.LockTenant(ctx, tenantID); err != nil {
			return err
		}
		owner, err := tx.Owner(ctx, tenantID)
		if err != nil {
			return err
		}
		u, err := tx.FindUser(ctx, tenantID, email)
		if err != nil && KindOf(err) != NotFound {
			return err
		}
		if owner == "" {
			if u, err = s.bootstrapOwner(ctx, tx, a, tenantID, email, u); err != nil {
				return err
			}
		} else {
			if u == nil {
				return invalid("email", "no user with login %s in this tenant (the tenant has an Owner, so only existing administrators get links)", email)
			}
			if u.State != store.StateActive {
				return invalid("email", "%s is %s", email, u.State)
			}
			grants, err := tx.EffectiveGrants(ctx, tenantID, u.ID)
			if err != nil {
				return err
			}
			if portalAccess(grants, cat) != PortalAdmin {
				return forbidden("%s is not allowed to administer this tenant (the Owner, Admins and Account Admins are)", email)
			}
		}
		now := s.now()
		if err := tx.InsertLoginLink(ctx, &store.LoginLink{TokenHash: hash, TenantID: tenantID, UserID: u.ID,
			ExpiresAt: now.Add(s.cfg.LoginLinkTTL), CreatedAt: now}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, tenantID, "signin.link_created", "User", u.ID, changes{"email": {After: email}})
	})
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/portal/login/link?token=" + token, nil
}

// bootstrapOwner makes the tenant's first Owner: the user with this email,
// created if there is none.
func (s *Service) bootstrapOwner(ctx context.Context, tx store.Tx, a Actor, tenantID, email string, u *store.User) (*store.User, error) {
	if u == nil {
		u = &store.User{TenantID: tenantID, UserName: email, DisplayName: email, State: store.StateActive,
			Source: store.SourcePortal, Values: map[string][]store.Value{"emails": {{Value: email, Type: "work", Primary: true}}}}
		if err := tx.InsertUser(ctx, u); err != nil {
			return nil, err
		}
		if err := s.audit(ctx, tx, a, tenantID, ActUserCreated, "User", u.ID, userChanges(nil, u)); err != nil {
			return nil, err
		}
	} else if u.State != store.StateActive {
		return nil, invalid("email", "%s is %s: reactivate it before making it the Owner", email, u.State)
	}
	if err := tx.AddGrant(ctx, &store.Grant{TenantID: tenantID, Role: RoleOwner, NodeID: tenantID, UserID: u.ID, Source: store.GrantDirect}); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, tx, a, tenantID, ActOwnerTransferred, "User", u.ID, changes{"owner": {After: u.ID}}); err != nil {
		return nil, err
	}
	return u, nil
}

// SignedIn is an open portal session.
type SignedIn struct {
	// Token is the session id for the cookie; only its hash is stored.
	Token     string
	TenantID  string
	User      *store.User
	Access    string // PortalAdmin or PortalTeamLead
	ExpiresAt time.Time
}

// SignInWithLink uses a sign-in link (once) and opens a session.
func (s *Service) SignInWithLink(ctx context.Context, token, requestID string) (SignedIn, error) {
	var out SignedIn
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		l, err := tx.UseLoginLink(ctx, HashSecret(token), s.now())
		if err != nil {
			if KindOf(err) == NotFound {
				return notFound("the sign-in link is not valid: it was used already or has expired; ask for a new one")
			}
			return err
		}
		out, err = s.openSession(ctx, tx, l.TenantID, l.UserID, "", "link", requestID)
		return err
	})
	return out, err
}

// openSession starts a session for a user allowed into the portal,
// recording the sign-in (and, with subject, linking the OpenID identity).
func (s *Service) openSession(ctx context.Context, tx store.Tx, tenantID, userID, subject, method, requestID string) (SignedIn, error) {
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return SignedIn{}, err
	}
	u, err := tx.GetUser(ctx, tenantID, userID, store.LoadValues)
	if err != nil {
		return SignedIn{}, err
	}
	if u.State != store.StateActive {
		return SignedIn{}, forbidden("the account %s is %s", u.UserName, u.State)
	}
	grants, err := tx.EffectiveGrants(ctx, tenantID, userID)
	if err != nil {
		return SignedIn{}, err
	}
	access := portalAccess(grants, cat)
	if access == PortalNone {
		return SignedIn{}, forbidden("%s has no role that may use the portal", u.UserName)
	}
	token, hash := newSecret()
	now := s.now()
	sess := &store.Session{IDHash: hash, TenantID: tenantID, UserID: userID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.cfg.SessionMax)}
	if err := tx.InsertSession(ctx, sess); err != nil {
		return SignedIn{}, err
	}
	if err := tx.SetLastLogin(ctx, tenantID, userID, now, subject); err != nil {
		return SignedIn{}, err
	}
	a := Actor{Kind: ActorInvitee, ID: userID, Name: u.DisplayName, TenantID: tenantID, RequestID: requestID}
	if err := s.audit(ctx, tx, a, tenantID, ActSignIn, "User", userID, changes{"method": {After: method}}); err != nil {
		return SignedIn{}, err
	}
	t := now
	u.LastLoginAt = &t
	return SignedIn{Token: token, TenantID: tenantID, User: u, Access: access, ExpiresAt: sess.ExpiresAt}, nil
}

// sessionTouchEvery is how often a session's last-seen time is written.
const sessionTouchEvery = time.Minute

// Session finds the member behind a session id: a live session (not idle
// for longer than SessionIdle, not older than SessionMax) of a user who is
// still active and allowed into the portal.
func (s *Service) Session(ctx context.Context, token, requestID string) (Actor, SignedIn, error) {
	hash := HashSecret(token)
	r := s.st.Reader()
	now := s.now()
	sess, err := r.SessionByHash(ctx, hash, now)
	if err != nil {
		return Actor{}, SignedIn{}, err
	}
	if now.Sub(sess.LastSeenAt) > s.cfg.SessionIdle {
		s.st.InTx(ctx, func(tx store.Tx) error { return tx.DeleteSession(ctx, hash) })
		return Actor{}, SignedIn{}, store.ErrNotFound
	}
	_, cat, err := s.tenant(ctx, sess.TenantID)
	if err != nil {
		return Actor{}, SignedIn{}, err
	}
	u, err := r.GetUser(ctx, sess.TenantID, sess.UserID, store.LoadValues)
	if err != nil {
		return Actor{}, SignedIn{}, err
	}
	if u.State != store.StateActive {
		return Actor{}, SignedIn{}, store.ErrNotFound
	}
	grants, err := r.EffectiveGrants(ctx, sess.TenantID, sess.UserID)
	if err != nil {
		return Actor{}, SignedIn{}, err
	}
	access := portalAccess(grants, cat)
	if access == PortalNone {
		return Actor{}, SignedIn{}, store.ErrNotFound
	}
	if now.Sub(sess.LastSeenAt) > sessionTouchEvery {
		if err := s.st.InTx(ctx, func(tx store.Tx) error { return tx.TouchSession(ctx, hash, now) }); err != nil {
			return Actor{}, SignedIn{}, err
		}
	}
	name := u.DisplayName
	if name == "" {
		name = u.UserName
	}
	return Member(sess.TenantID, u.ID, name, requestID),
		SignedIn{Token: token, TenantID: sess.TenantID, User: u, Access: access, ExpiresAt: sess.ExpiresAt}, nil
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, a Actor, token string) error {
	return s.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.DeleteSession(ctx, HashSecret(token)); err != nil && KindOf(err) != NotFound {
			return err
		}
		if a.TenantID == "" {
			return nil
		}
		return s.audit(ctx, tx, a, a.TenantID, ActSignOut, "User", a.ID, nil)
	})
}
