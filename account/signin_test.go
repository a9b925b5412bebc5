package account_test

import (
	"testing"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// TestSignInOIDC: the signed-in person is matched by verified email, then
// by subject once linked; strangers, unverified emails and inactive users
// are refused and the refusals audited; Team Leaders get My Team only.
func TestSignInOIDC(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		admin := e.user("admin", "Admin")
		in, err := e.svc.SignInOIDC(e.ctx(), e.tenant, account.Identity{Subject: "sub-1", Email: "ADMIN@example.com", EmailVerified: true}, "r")
		ok(t, "by verified email", err)
		if in.User.ID != admin || in.Access != account.PortalAdmin {
			t.Fatalf("signed in %+v", in)
		}
		// Linked: the subject finds the user even with another email now.
		in, err = e.svc.SignInOIDC(e.ctx(), e.tenant, account.Identity{Subject: "sub-1", Email: "renamed@example.com"}, "r")
		ok(t, "by subject", err)
		if in.User.ID != admin {
			t.Errorf("the subject found %s", in.User.ID)
		}
		for _, c := range []struct {
			id   account.Identity
			want string
		}{
			{account.Identity{Subject: "x", Email: "stranger@example.com", EmailVerified: true}, "not a user"},
			{account.Identity{Subject: "y", Email: "owner@example.com"}, "not verified"},
			{account.Identity{Subject: "z"}, "email"},
		} {
			_, err := e.svc.SignInOIDC(e.ctx(), e.tenant, c.id, "r")
			wantKind(t, "sign-in of "+c.id.Email, err, account.Forbidden, c.want)
		}
		lead := e.user("lead", "Team Leader")
		in, err = e.svc.SignInOIDC(e.ctx(), e.tenant, account.Identity{Subject: "sub-2", Email: "lead@example.com", EmailVerified: true}, "r")
		ok(t, "team leader", err)
		if in.Access != account.PortalTeamLead {
			t.Errorf("a Team Leader's access %q", in.Access)
		}
		plain := e.user("plain", "User")
		_, err = e.svc.SignInOIDC(e.ctx(), e.tenant, account.Identity{Subject: "sub-3", Email: "plain@example.com", EmailVerified: true}, "r")
		wantKind(t, "a user without portal access", err, account.Forbidden, "no role")
		_, err = e.svc.Deactivate(e.ctx(), e.op(), e.tenant, lead)
		ok(t, "deactivate", err)
		_, err = e.svc.SignInOIDC(e.ctx(), e.tenant, account.Identity{Subject: "sub-2", Email: "lead@example.com", EmailVerified: true}, "r")
		wantKind(t, "an inactive user", err, account.Forbidden, "inactive")
		if n := len(e.audit(account.ActSignInRefused)); n != 5 {
			t.Errorf("%d refusals audited, want 5", n)
		}
		if n := len(e.audit(account.ActSignIn)); n != 3 {
			t.Errorf("%d sign-ins audited, want 3", n)
		}
		_ = plain
	})
}

// TestSignInPassword: password sign-in only where the tenant allows it;
// failed attempts are limited per account.
func TestSignInPassword(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		pw := "Corr3ct-horse"
		in := e.input("pw", "Admin")
		in.Password = &pw
		_, err := e.svc.CreateUser(e.ctx(), e.op(), e.tenant, in)
		ok(t, "create", err)
		_, err = e.svc.SignInPassword(e.ctx(), e.tenant, "pw@example.com", pw, "192.0.2.1", "r")
		wantKind(t, "password sign-in not enabled", err, account.Forbidden, "identity provider")
		ok(t, "enable", e.svc.UpdateSettings(e.ctx(), e.op(), e.tenant, func(s *store.TenantSettings) error { s.PasswordSignIn = true; return nil }))
		got, err := e.svc.SignInPassword(e.ctx(), e.tenant, "PW@example.com", pw, "192.0.2.1", "r")
		ok(t, "sign in", err)
		if got.Access != account.PortalAdmin {
			t.Errorf("access %q", got.Access)
		}
		for i := 0; i < 5; i++ {
			_, err = e.svc.SignInPassword(e.ctx(), e.tenant, "pw@example.com", "wrong", "192.0.2.2", "r")
			wantKind(t, "a wrong password", err, account.Forbidden, "wrong")
		}
		_, err = e.svc.SignInPassword(e.ctx(), e.tenant, "pw@example.com", pw, "192.0.2.3", "r")
		wantKind(t, "the right password after five failures", err, account.Forbidden, "too many")
	})
}

// TestTokenAuthority: an IdP connection's token carries the authority of
// whoever creates it; only those with tokens.manage create them.
func TestTokenAuthority(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		admin, rep := e.user("admin", "Admin"), e.user("rep", "Reports")
		for _, c := range []struct {
			a    account.Actor
			want string
		}{{e.op(), store.AuthorityOperator}, {e.member(e.owner), store.AuthorityOwner}, {e.member(admin), store.AuthorityAdmin}} {
			plain, tok, err := e.svc.CreateToken(e.ctx(), c.a, e.tenant, account.TokenInput{Label: "okta", IdP: store.IdPOkta})
			ok(t, "create token", err)
			if tok.Authority != c.want || len(plain) < 40 || tok.Hash != nil {
				t.Errorf("token by %s: authority %q (want %q)", c.a.Kind, tok.Authority, c.want)
			}
			stored, err := e.st.TokenByHash(e.ctx(), account.HashToken(plain), e.clock.now())
			ok(t, "token by hash", err)
			if stored.Authority != c.want {
				t.Errorf("stored authority %q", stored.Authority)
			}
		}
		_, _, err := e.svc.CreateToken(e.ctx(), e.member(rep), e.tenant, account.TokenInput{})
		wantKind(t, "a Reports user creates a token", err, account.Forbidden, "tokens.manage")
		_, _, err = e.svc.CreateToken(e.ctx(), e.op(), e.tenant, account.TokenInput{IdP: "onelogin"})
		wantKind(t, "an unknown profile", err, account.Invalid, "onelogin")
	})
}
