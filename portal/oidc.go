package portal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// oidcClients keeps each issuer's discovered provider (its endpoints and
// key set), so that a sign-in costs no discovery round trip. An issuer
// that failed discovery is tried again at the next sign-in.
type oidcClients struct {
	client *http.Client
	mu     sync.Mutex
	m      map[string]*oidc.Provider
}

func newOIDCClients(c *http.Client) *oidcClients {
	return &oidcClients{client: c, m: map[string]*oidc.Provider{}}
}

// ctx carries the HTTP client go-oidc and oauth2 use.
func (o *oidcClients) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, o.client)
}

func (o *oidcClients) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	o.mu.Lock()
	pr, ok := o.m[issuer]
	o.mu.Unlock()
	if ok {
		return pr, nil
	}
	// Discovery outlives the request: the provider's key set fetches keys
	// later with the client kept from this context.
	dctx, cancel := context.WithTimeout(oidc.ClientContext(context.WithoutCancel(ctx), o.client), 10*time.Second)
	defer cancel()
	pr, err := oidc.NewProvider(dctx, issuer)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	if len(o.m) > 10000 {
		clear(o.m)
	}
	o.m[issuer] = pr
	o.mu.Unlock()
	return pr, nil
}

// pendingLogin is a sign-in under way at the identity provider, keyed by
// its state. It is taken once: a replayed state (and with it its nonce)
// finds nothing.
type pendingLogin struct {
	TenantID string `json:"t"`
	Verifier string `json:"v"` // the PKCE code verifier
	Nonce    string `json:"n"`
	Next     string `json:"x"` // where to go afterwards (a portal path)
	// Invitation is the invitation token when the sign-in accepts one.
	Invitation string `json:"i,omitempty"`
	// Browser is the hash of the value of the browser's binding cookie:
	// a callback from another browser (a login CSRF) is refused.
	Browser []byte    `json:"b"`
	Until   time.Time `json:"u"`
}

// pendingTTL is how long a person may take at the identity provider.
const pendingTTL = 10 * time.Minute

// pendingStore holds sign-ins under way.
type pendingStore interface {
	put(ctx context.Context, state string, l pendingLogin) error
	// take returns the live sign-in of a state and forgets it; ok is
	// false when there is none.
	take(ctx context.Context, state string) (l pendingLogin, ok bool, err error)
}

// newPending holds sign-ins under way in scimd's database when the store
// can (any instance then finishes a sign-in another started, and a restart
// loses none), else in memory.
func newPending(acct *account.Service) pendingStore {
	if acct.CanHoldOIDCLogins() {
		return dbPending{acct}
	}
	return newPendingLogins()
}

// dbPending keeps sign-ins under way in the database, through account.
type dbPending struct{ acct *account.Service }

func (d dbPending) put(ctx context.Context, state string, l pendingLogin) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return d.acct.PutOIDCLogin(ctx, state, l.TenantID, string(b), pendingTTL)
}

func (d dbPending) take(ctx context.Context, state string) (pendingLogin, bool, error) {
	if state == "" {
		return pendingLogin{}, false, nil
	}
	_, data, err := d.acct.TakeOIDCLogin(ctx, state)
	if account.KindOf(err) == account.NotFound {
		return pendingLogin{}, false, nil
	}
	if err != nil {
		return pendingLogin{}, false, err
	}
	var l pendingLogin
	if err := json.Unmarshal([]byte(data), &l); err != nil {
		return pendingLogin{}, false, err
	}
	return l, time.Now().Before(l.Until), nil
}

// pendingLogins hold sign-ins under way in memory, for a store that cannot:
// a sign-in then starts and ends on the same instance.
type pendingLogins struct {
	mu sync.Mutex
	m  map[string]pendingLogin
}

func newPendingLogins() *pendingLogins { return &pendingLogins{m: map[string]pendingLogin{}} }

func (pl *pendingLogins) put(_ context.Context, state string, l pendingLogin) error {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if len(pl.m) > 50000 {
		now := time.Now()
		for k, v := range pl.m {
			if now.After(v.Until) {
				delete(pl.m, k)
			}
		}
		if len(pl.m) > 50000 {
			clear(pl.m)
		}
	}
	pl.m[state] = l
	return nil
}

func (pl *pendingLogins) take(_ context.Context, state string) (pendingLogin, bool, error) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	l, ok := pl.m[state]
	delete(pl.m, state)
	if !ok || time.Now().After(l.Until) {
		return pendingLogin{}, false, nil
	}
	return l, true, nil
}

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

const bindCookie = "scimd_oidc"

// oauthConfig is the OAuth client of a tenant's provider.
func (p *Portal) oauthConfig(pr *oidc.Provider, s *store.OIDCSettings) *oauth2.Config {
	return &oauth2.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, Endpoint: pr.Endpoint(),
		RedirectURL: p.RedirectURL(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

var errNoProvider = errors.New("no provider")

// startOIDC sends the browser to the tenant's provider: authorization code
// flow with PKCE (S256), a fresh state and nonce.
func (p *Portal) startOIDC(w http.ResponseWriter, r *http.Request, tenantID, next, invitation string) error {
	s, err := p.acct.TenantOIDC(r.Context(), tenantID)
	if err != nil {
		return err
	}
	if s == nil || s.Issuer == "" {
		return errNoProvider
	}
	pr, err := p.oidc.provider(r.Context(), s.Issuer)
	if err != nil {
		p.log.WarnContext(r.Context(), "oidc discovery", "issuer", s.Issuer, "err", err, "request_id", requestID(r.Context()))
		return &account.Error{Kind: account.Unavailable, Message: "the identity provider " + s.Issuer + " does not answer; try again in a moment", Err: err}
	}
	state, nonce, verifier, bind := randomString(), randomString(), oauth2.GenerateVerifier(), randomString()
	if err := p.pending.put(r.Context(), state, pendingLogin{TenantID: tenantID, Verifier: verifier, Nonce: nonce, Next: localPath(next),
		Invitation: invitation, Browser: hashOf(bind), Until: time.Now().Add(pendingTTL)}); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: bindCookie, Value: bind, Path: Prefix + "/oidc/", MaxAge: int(pendingTTL.Seconds()),
		HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode})
	u := p.oauthConfig(pr, s).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	http.Redirect(w, r, u, http.StatusSeeOther)
	return nil
}

// idClaims are the ID token's claims the portal reads.
type idClaims struct {
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"` // some providers send "true"
	Name          string `json:"name"`
}

func (c idClaims) verified() bool {
	switch v := c.EmailVerified.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// oidcCallback is GET /portal/oidc/callback: the provider sends the
// browser back with a code and the state.
func (p *Portal) oidcCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	l, ok, err := p.pending.take(r.Context(), q.Get("state"))
	if err != nil {
		p.fail(w, r, nil, err)
		return
	}
	if !ok {
		p.refusal(w, r, http.StatusBadRequest, "This sign-in attempt is not valid: it was used already, or took longer than 10 minutes. Start again.")
		return
	}
	c, err := r.Cookie(bindCookie)
	if err != nil || subtle.ConstantTimeCompare(hashOf(c.Value), l.Browser) != 1 {
		p.refusal(w, r, http.StatusBadRequest, "This sign-in was started in another browser. Start again here.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: bindCookie, Path: Prefix + "/oidc/", MaxAge: -1, HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode})
	if e := q.Get("error"); e != "" {
		p.refusal(w, r, http.StatusUnauthorized, "The identity provider did not sign you in ("+limit(e, 100)+"). "+limit(q.Get("error_description"), 300))
		return
	}
	id, err := p.exchange(r, l, q.Get("code"))
	if err != nil {
		if account.KindOf(err) != account.Internal {
			p.fail(w, r, nil, err)
			return
		}
		p.log.WarnContext(r.Context(), "oidc exchange", "err", err, "tenant", l.TenantID, "request_id", requestID(r.Context()))
		p.refusal(w, r, http.StatusUnauthorized, "The identity provider's answer could not be verified, so you are not signed in. Start again.")
		return
	}
	if l.Invitation != "" {
		p.finishInvitation(w, r, l, id)
		return
	}
	signed, err := p.acct.SignInOIDC(r.Context(), l.TenantID, id, requestID(r.Context()))
	if err != nil {
		p.signInRefused(w, r, err)
		return
	}
	p.startSession(w, r, signed)
	http.Redirect(w, r, l.Next, http.StatusSeeOther)
}

// exchange trades the code for tokens (with the PKCE verifier) and
// verifies the ID token: signature, issuer, audience, expiry and nonce.
func (p *Portal) exchange(r *http.Request, l pendingLogin, code string) (account.Identity, error) {
	s, err := p.acct.TenantOIDC(r.Context(), l.TenantID)
	if err != nil {
		return account.Identity{}, err
	}
	if s == nil || s.Issuer == "" {
		return account.Identity{}, errors.New("the tenant's provider was removed during sign-in")
	}
	pr, err := p.oidc.provider(r.Context(), s.Issuer)
	if err != nil {
		return account.Identity{}, err
	}
	ctx, cancel := context.WithTimeout(p.oidc.ctx(r.Context()), 15*time.Second)
	defer cancel()
	tok, err := p.oauthConfig(pr, s).Exchange(ctx, code, oauth2.VerifierOption(l.Verifier))
	if err != nil {
		return account.Identity{}, err
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return account.Identity{}, errors.New("no id_token in the token response")
	}
	idt, err := pr.Verifier(&oidc.Config{ClientID: s.ClientID}).Verify(ctx, raw)
	if err != nil {
		return account.Identity{}, err
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(l.Nonce)) != 1 {
		return account.Identity{}, errors.New("the ID token's nonce is not this sign-in's")
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return account.Identity{}, err
	}
	return account.Identity{Subject: idt.Subject, Email: strings.TrimSpace(c.Email), EmailVerified: c.verified()}, nil
}

// signInRefused shows why a sign-in was refused: the domain's message for
// a refusal (already audited by the account layer), else an error page.
func (p *Portal) signInRefused(w http.ResponseWriter, r *http.Request, err error) {
	if account.KindOf(err) == account.Forbidden {
		msg, _, _ := account.Describe(err)
		p.refusal(w, r, http.StatusForbidden, "You cannot sign in: "+msg+".")
		return
	}
	p.fail(w, r, nil, err)
}

// refusal is the page a refused sign-in shows; it opens no session.
func (p *Portal) refusal(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p.page(w, r, status, "refused", view{Title: "Sign-in refused", Message: msg, SignIn: true})
}
