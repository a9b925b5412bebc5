package portal

import (
	"net/http"
	"net/url"
	"time"

	"github.com/scimd/scimd/account"
)

// me is the signed-in member a request acts as.
type me struct {
	Actor  account.Actor
	Signed account.SignedIn
	Name   string
	// Admin is true for administrators; false for a Team Leader, who sees
	// only My Team.
	Admin bool
}

func (m *me) tenant() string { return m.Signed.TenantID }

// memberHandler is a page of a signed-in member.
type memberHandler func(w http.ResponseWriter, r *http.Request, m *me)

// member admits requests with a live session; without one, a GET is sent
// to sign in (and back here afterwards). Team Leaders reach only the
// pages marked lead.
func (p *Portal) member(h memberHandler, lead bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(CookieName)
		if err != nil || c.Value == "" {
			p.toSignIn(w, r)
			return
		}
		actor, signed, err := p.acct.Session(r.Context(), c.Value, requestID(r.Context()))
		if err != nil {
			if k := account.KindOf(err); k == account.NotFound || k == account.Unauthenticated {
				p.clearCookie(w)
				p.toSignIn(w, r)
				return
			}
			p.fail(w, r, nil, err)
			return
		}
		m := &me{Actor: actor, Signed: signed, Name: actor.Name, Admin: signed.Access == account.PortalAdmin}
		if !m.Admin && !lead {
			p.page(w, r, http.StatusForbidden, "message", view{Title: "Not for Team Leaders", Me: m,
				Message: "This page is for the account's administrators. As a Team Leader you have the My Team page."})
			return
		}
		h(w, r, m)
	})
}

// toSignIn sends a request without a session to the sign-in page.
func (p *Portal) toSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		p.page(w, r, http.StatusUnauthorized, "message", view{Title: "Signed out",
			Message: "Your session has ended. Sign in again, then repeat what you were doing."})
		return
	}
	http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}

func (p *Portal) setCookie(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", Expires: expires,
		MaxAge: max(1, int(time.Until(expires).Seconds())), HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode})
}

func (p *Portal) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: p.secure,
		SameSite: http.SameSiteLaxMode})
}

// startSession ends the session the browser had (a new id at every
// sign-in: a session id planted before sign-in is worth nothing after)
// and sets the new one's cookie.
func (p *Portal) startSession(w http.ResponseWriter, r *http.Request, s account.SignedIn) {
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" && c.Value != s.Token {
		p.acct.SignOut(r.Context(), account.Actor{}, c.Value)
	}
	p.setCookie(w, s.Token, s.ExpiresAt)
}

// signOut ends the session (POST /portal/logout, the "Sign out" button).
func (p *Portal) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		actor, _, err := p.acct.Session(r.Context(), c.Value, requestID(r.Context()))
		if err != nil {
			actor = account.Actor{}
		}
		if err := p.acct.SignOut(r.Context(), actor, c.Value); err != nil {
			p.fail(w, r, nil, err)
			return
		}
	}
	p.clearCookie(w)
	p.back(w, r, Prefix+"/login", "You are signed out.", "")
}
