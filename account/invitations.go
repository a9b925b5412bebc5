package account

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/scimd/scimd/store"
)

// Invite is one person to invite (seeds 002, 004): name, email, roles and
// the domain parts (teams for a Team Leader, agent IDs for an Agent).
type Invite struct {
	Name   string
	Email  string
	Roles  []string
	Domain *DomainInput
}

// CheckEmail returns the address of an email, or an Invalid error.
func CheckEmail(s string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil || a.Name != "" || !strings.Contains(a.Address, "@") || strings.ContainsAny(a.Address, " <>") {
		return "", invalid("email", "%q is not an email address", s)
	}
	return a.Address, nil
}

// InviteUsers invites people: each becomes an Invited user with the roles
// given, and gets a mail with a single-use link valid for InvitationTTL.
// All or nothing: one refused invitation refuses the batch, saying which.
func (s *Service) InviteUsers(ctx context.Context, a Actor, tenantID string, invites []Invite) ([]*store.User, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	if len(invites) == 0 {
		return nil, invalid("invitations", "name at least one person to invite")
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	type prepared struct {
		u      *store.User
		domain *DomainInput
		token  string
		hash   []byte
	}
	var list []prepared
	seen := map[string]bool{}
	for i, inv := range invites {
		email, err := CheckEmail(inv.Email)
		if err != nil {
			return nil, inviteErr(i, err)
		}
		if seen[strings.ToLower(email)] {
			return nil, inviteErr(i, invalid("email", "%s is invited twice", email))
		}
		seen[strings.ToLower(email)] = true
		name := strings.TrimSpace(inv.Name)
		if name == "" {
			name = email
		}
		d := inv.Domain
		if d == nil {
			d = &DomainInput{}
		}
		if len(inv.Roles) > 0 {
			grants := make([]GrantInput, 0, len(inv.Roles))
			if d.Grants != nil {
				grants = append(grants, *d.Grants...)
			}
			for _, r := range inv.Roles {
				grants = append(grants, GrantInput{Role: r})
			}
			d.Grants = &grants
		}
		token, hash := newSecret()
		u := &store.User{TenantID: tenantID, UserName: email, DisplayName: name, State: store.StateInvited,
			Source: store.SourcePortal, Values: map[string][]store.Value{"emails": {{Value: email, Type: "work", Primary: true}}}}
		if err := s.cfg.Limits.CheckUser(u); err != nil {
			return nil, inviteErr(i, err)
		}
		list = append(list, prepared{u: u, domain: d, token: token, hash: hash})
	}
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		au, err := s.authorityOf(ctx, tx, a, tenantID, cat)
		if err != nil {
			return err
		}
		if err := au.require(PermUsersInvite, "", "inviting people"); err != nil {
			return err
		}
		for i, p := range list {
			err := tx.InsertUser(ctx, p.u)
			if err == nil {
				err = tx.Sync(ctx) // a taken email is this invitation's error
			}
			if err != nil {
				if KindOf(err) == Conflict {
					return inviteErr(i, conflict("email", "", "%s is already a user of this tenant", p.u.UserName))
				}
				return inviteErr(i, err)
			}
			if _, err := s.applyDomain(ctx, tx, au, userChange{tenantID: tenantID, user: p.u}, p.domain); err != nil {
				return inviteErr(i, err)
			}
			if err := Emit(ctx, tx, a, tenantID, ActUserCreated, "User", p.u.ID, newValues(userChanges(nil, p.u), false)); err != nil {
				return err
			}
			if err := s.sendInvitation(ctx, tx, a, p.u, p.token, p.hash, 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*store.User, len(list))
	for i, p := range list {
		out[i] = p.u
	}
	return out, nil
}

func inviteErr(i int, err error) error {
	if e, ok := err.(*Error); ok {
		c := *e
		c.Message = fmt.Sprintf("invitation %d: %s", i+1, e.Message)
		return &c
	}
	return err
}

// sendInvitation stores the invitation and queues its mail.
func (s *Service) sendInvitation(ctx context.Context, tx store.Tx, a Actor, u *store.User, token string, hash []byte, count int) error {
	now := s.now()
	if err := tx.PutInvitation(ctx, &store.Invitation{UserID: u.ID, TenantID: u.TenantID, TokenHash: hash,
		ExpiresAt: now.Add(s.cfg.InvitationTTL), CreatedAt: now, SentCount: count}); err != nil {
		return err
	}
	link := s.cfg.PublicURL + "/portal/invitations/accept?token=" + token
	if err := tx.QueueMail(ctx, invitationMail(u, link, s.cfg.InvitationTTL)); err != nil {
		return err
	}
	return s.audit(ctx, tx, a, u.TenantID, ActInvitationSent, "User", u.ID, changes{"email": {After: u.UserName}})
}

// ResendInvitation sends an Invited user a new link and voids the old one.
func (s *Service) ResendInvitation(ctx context.Context, a Actor, tenantID, userID string) error {
	return s.administer(ctx, a, tenantID, PermUsersInvite, "", "resending invitations", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		u, err := tx.GetUser(ctx, tenantID, userID, store.LoadValues)
		if err != nil {
			return "", "", "", nil, err
		}
		if u.State != store.StateInvited {
			return "", "", "", nil, invalid("state", "%s has accepted the invitation already (the user is %s)", u.UserName, u.State)
		}
		count := 1
		if inv, err := tx.GetInvitation(ctx, tenantID, userID); err == nil {
			count = inv.SentCount + 1
		}
		token, hash := newSecret()
		return "", "", "", nil, s.sendInvitation(ctx, tx, a, u, token, hash, count)
	})
}

// CancelInvitation removes an Invited user (seed 004's Cancel invite).
func (s *Service) CancelInvitation(ctx context.Context, a Actor, tenantID, userID string) error {
	return s.administer(ctx, a, tenantID, PermUsersInvite, "", "cancelling invitations", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		u, err := tx.GetUser(ctx, tenantID, userID, 0)
		if err != nil {
			return "", "", "", nil, err
		}
		if u.State != store.StateInvited {
			return "", "", "", nil, invalid("state", "%s is not invited but %s: deactivate or delete the user instead", u.UserName, u.State)
		}
		if err := tx.DeleteUser(ctx, tenantID, userID); err != nil {
			return "", "", "", nil, err
		}
		return ActInvitationCancelled, "User", userID, changes{"email": {Before: u.UserName}}, nil
	})
}

// PendingInvitation is what the invitation page shows before acceptance.
type PendingInvitation struct {
	TenantID, TenantName, UserID, Name, Email string
}

// InvitationFor finds the live invitation of a link's token.
func (s *Service) InvitationFor(ctx context.Context, token string) (PendingInvitation, error) {
	r := s.st.Reader()
	inv, err := r.InvitationByHash(ctx, HashSecret(token), s.now())
	if err != nil {
		if KindOf(err) == NotFound {
			return PendingInvitation{}, notFound("the invitation link is not valid: it was used, replaced by a newer one, cancelled or has expired")
		}
		return PendingInvitation{}, err
	}
	u, err := r.GetUser(ctx, inv.TenantID, inv.UserID, 0)
	if err != nil {
		return PendingInvitation{}, err
	}
	t, err := r.GetTenant(ctx, inv.TenantID)
	if err != nil {
		return PendingInvitation{}, err
	}
	return PendingInvitation{TenantID: t.ID, TenantName: t.Name, UserID: u.ID, Name: u.DisplayName, Email: u.UserName}, nil
}

// AcceptInvitation accepts an invitation: once only, however many times
// the link is followed at once. With a password (checked by the policy) the
// user can then sign in with it; with subject, the user is linked to the
// OpenID identity that signed in with the invited email. The user becomes
// Active.
func (s *Service) AcceptInvitation(ctx context.Context, token string, password *string, subject string) (*store.User, error) {
	var hash string
	if password != nil {
		if err := CheckPassword(*password); err != nil {
			return nil, err
		}
		var err error
		if hash, err = s.hashPassword(*password); err != nil {
			return nil, err
		}
	}
	var u *store.User
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		inv, err := tx.TakeInvitation(ctx, HashSecret(token), s.now())
		if err != nil {
			if KindOf(err) == NotFound {
				return notFound("the invitation link is not valid: it was used, replaced by a newer one, cancelled or has expired")
			}
			return err
		}
		if _, err := tx.LockUser(ctx, inv.TenantID, inv.UserID); err != nil {
			return err
		}
		old, err := tx.GetUser(ctx, inv.TenantID, inv.UserID, store.LoadValues|store.LoadAddresses)
		if err != nil {
			return err
		}
		if old.State != store.StateInvited {
			return invalid("state", "the invitation was for a user who is now %s", old.State)
		}
		u = store.CloneUser(old)
		u.State = store.StateActive
		t := true
		u.Active = &t
		if hash != "" {
			u.PasswordHash = hash
		}
		if err := tx.WriteUser(ctx, old, u); err != nil {
			return err
		}
		if subject != "" {
			if err := tx.SetLastLogin(ctx, inv.TenantID, inv.UserID, s.now(), subject); err != nil {
				return err
			}
		}
		a := Actor{Kind: ActorInvitee, ID: u.ID, Name: u.DisplayName, TenantID: inv.TenantID}
		return s.audit(ctx, tx, a, inv.TenantID, ActInvitationAccepted, "User", u.ID, userChanges(old, u))
	})
	return u, err
}
