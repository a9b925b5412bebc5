package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/scimd/scimd/store"
)

// TokenPrefix marks scimd's bearer tokens so that secret scanners know them.
const TokenPrefix = "scimd_"

// NewToken returns a fresh bearer token for an IdP connection and the hash
// to store for it.
func NewToken() (token string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a bearer token. Tokens are 256 random
// bits, so a fast hash is enough: there is nothing to brute-force.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// TokenInput is an IdP connection to create.
type TokenInput struct {
	Label string
	// IdP is the client profile (store.IdPAuto when "").
	IdP     string
	Expires time.Duration // 0: never
}

// CreateToken creates a bearer token for an IdP connection; the plain token
// is returned once and only its hash is stored. The connection acts with
// the authority of whoever creates it: the operator's and the Owner's
// tokens may grant Admin, an Admin's may not.
func (s *Service) CreateToken(ctx context.Context, a Actor, tenantID string, in TokenInput) (string, store.Token, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return "", store.Token{}, err
	}
	idp := in.IdP
	if idp == "" {
		idp = store.IdPAuto
	}
	valid := false
	for _, p := range store.IdPs {
		valid = valid || p == idp
	}
	if !valid {
		return "", store.Token{}, invalid("idp", "the client profile %q is not one of %s", idp, strings.Join(store.IdPs, ", "))
	}
	label := strings.TrimSpace(in.Label)
	if len(label) > 200 {
		return "", store.Token{}, invalid("label", "a label has at most 200 characters")
	}
	tok := store.Token{TenantID: tenantID, Label: label, IdP: idp, Authority: store.AuthorityOperator}
	if in.Expires > 0 {
		t := s.now().Add(in.Expires)
		tok.ExpiresAt = &t
	}
	if a.isMember() {
		_, cat, err := s.tenant(ctx, tenantID)
		if err != nil {
			return "", store.Token{}, err
		}
		au, err := s.authorityOf(ctx, s.st.Reader(), a, tenantID, cat)
		if err != nil {
			return "", store.Token{}, err
		}
		if err := au.require(PermTokensManage, "", "creating IdP connections"); err != nil {
			return "", store.Token{}, err
		}
		tok.CreatedBy = a.member()
		tok.Authority = store.AuthorityAdmin
		if au.level == levelOwner {
			tok.Authority = store.AuthorityOwner
		}
	} else if a.Kind != ActorOperator {
		return "", store.Token{}, forbidden("IdP connections are created by the tenant's administrators")
	}
	plain, hash := NewToken()
	tok.Hash = hash
	tok, err := s.st.CreateToken(ctx, tok)
	if err != nil {
		return "", store.Token{}, err
	}
	s.auditAlone(ctx, a, tenantID, "token.created", "Token", tok.ID, changes{"label": {After: label}, "idp": {After: idp}, "authority": {After: tok.Authority}})
	tok.Hash = nil
	return plain, tok, nil
}

// Tokens lists a tenant's IdP connections (their hashes left out).
func (s *Service) Tokens(ctx context.Context, a Actor, tenantID string) ([]store.Token, error) {
	if err := s.requireRead(ctx, a, tenantID, PermTokensManage, "listing IdP connections"); err != nil {
		return nil, err
	}
	toks, err := s.st.ListTokens(ctx, tenantID)
	for i := range toks {
		toks[i].Hash = nil
	}
	return toks, err
}

// RevokeToken revokes an IdP connection's token: running servers stop
// accepting it within a second.
func (s *Service) RevokeToken(ctx context.Context, a Actor, tenantID, tokenID string) error {
	if err := s.requireRead(ctx, a, tenantID, PermTokensManage, "revoking IdP connections"); err != nil {
		return err
	}
	if err := s.st.RevokeToken(ctx, tenantID, tokenID, s.now()); err != nil {
		return err
	}
	s.auditAlone(ctx, a, tenantID, "token.revoked", "Token", tokenID, nil)
	return nil
}

// auditAlone records an entry in a transaction of its own, for changes the
// store made in one call (tokens) and for refusals, which change nothing.
// A failure is logged: the change is done.
func (s *Service) auditAlone(ctx context.Context, a Actor, tenantID, action, resourceType, resourceID string, c any) {
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		return s.audit(ctx, tx, a, tenantID, action, resourceType, resourceID, c)
	})
	if err != nil {
		s.log.WarnContext(ctx, "audit entry not written", "action", action, "tenant", tenantID, "err", err)
	}
}
