package account

import (
	"context"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/scimd/scimd/store"
)

// Identity is who an OpenID Connect provider says signed in.
type Identity struct {
	Subject       string
	Email         string
	EmailVerified bool
}

// SignInOIDC opens a session for the user an OpenID identity is: the user
// linked to its subject, else the one whose login is its verified email
// (which links them). A stranger, an unverified email, an inactive user or
// one without portal access is refused, and the refusal audited.
func (s *Service) SignInOIDC(ctx context.Context, tenantID string, id Identity, requestID string) (SignedIn, error) {
	r := s.st.Reader()
	u, err := r.FindUserBySubject(ctx, tenantID, id.Subject)
	if KindOf(err) == NotFound {
		switch {
		case id.Email == "":
			return SignedIn{}, s.refuse(ctx, tenantID, "", id.Email, requestID, "the identity provider did not say your email address")
		case !id.EmailVerified:
			return SignedIn{}, s.refuse(ctx, tenantID, "", id.Email, requestID, "the identity provider has not verified your email address "+id.Email)
		}
		u, err = r.FindUser(ctx, tenantID, id.Email)
		if KindOf(err) == NotFound {
			return SignedIn{}, s.refuse(ctx, tenantID, "", id.Email, requestID, id.Email+" is not a user of this account")
		}
	}
	if err != nil {
		return SignedIn{}, err
	}
	return s.signIn(ctx, tenantID, u, id.Subject, "oidc", requestID)
}

// signIn opens a session for a user found by a sign-in method, turning a
// refusal of openSession into an audited refusal.
func (s *Service) signIn(ctx context.Context, tenantID string, u *store.User, subject, method, requestID string) (SignedIn, error) {
	var out SignedIn
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.openSession(ctx, tx, tenantID, u.ID, subject, method, requestID)
		return err
	})
	if KindOf(err) == Forbidden {
		msg, _, _ := Describe(err)
		return SignedIn{}, s.refuse(ctx, tenantID, u.ID, u.UserName, requestID, msg)
	}
	return out, err
}

// refuse audits a refused sign-in and returns the refusal.
func (s *Service) refuse(ctx context.Context, tenantID, userID, login, requestID, why string) error {
	a := Actor{Kind: ActorInvitee, ID: userID, Name: login, TenantID: tenantID, RequestID: requestID}
	s.auditAlone(ctx, a, tenantID, ActSignInRefused, "User", userID, changes{"login": {After: login}, "reason": {After: why}})
	return forbidden("%s", why)
}

// Attempt limits of password sign-in: per account (tenant and login) and
// per client address, refilled slowly.
var (
	accountAttempts = attemptPolicy{burst: 5, every: 3 * time.Minute}
	addressAttempts = attemptPolicy{burst: 20, every: time.Minute}
)

type attemptPolicy struct {
	burst int
	every time.Duration
}

// attempts limits failed sign-ins, in memory: a restart forgets them,
// which bounds a guesser to a few dozen tries per restart.
type attempts struct {
	mu sync.Mutex
	m  map[string]*rate.Limiter
}

func (a *attempts) limiter(key string, p attemptPolicy) *rate.Limiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil || len(a.m) > 100000 {
		a.m = map[string]*rate.Limiter{}
	}
	l, ok := a.m[key]
	if !ok {
		l = rate.NewLimiter(rate.Every(p.every), p.burst)
		a.m[key] = l
	}
	return l
}

// SignInPassword opens a session for a user who signs in with a password
// (people who accepted an invitation by creating one), where the tenant
// allows password sign-in. Failures count against the account and the
// client's address; past the limits, attempts are refused without looking
// at the password.
func (s *Service) SignInPassword(ctx context.Context, tenantID, login, password, addr, requestID string) (SignedIn, error) {
	t, _, err := s.tenant(ctx, tenantID)
	if err != nil {
		return SignedIn{}, err
	}
	if !t.Settings.PasswordSignIn {
		return SignedIn{}, forbidden("this account signs in with its identity provider, not with passwords")
	}
	acctKey := "a\x00" + tenantID + "\x00" + strings.ToLower(strings.TrimSpace(login))
	addrKey := "i\x00" + addr
	al, il := s.attempts.limiter(acctKey, accountAttempts), s.attempts.limiter(addrKey, addressAttempts)
	if al.Tokens() < 1 || il.Tokens() < 1 {
		return SignedIn{}, s.refuse(ctx, tenantID, "", login, requestID, "too many failed sign-ins: wait a few minutes and try again")
	}
	u, err := s.st.Reader().FindUser(ctx, tenantID, login)
	if err != nil && KindOf(err) != NotFound {
		return SignedIn{}, err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	if !VerifyPassword(hash, password) {
		al.Allow()
		il.Allow()
		id := ""
		if u != nil {
			id = u.ID
		}
		return SignedIn{}, s.refuse(ctx, tenantID, id, login, requestID, "the login or the password is wrong")
	}
	return s.signIn(ctx, tenantID, u, "", "password", requestID)
}
