package adminapi

import (
	"html"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/scimd/scimd/account"
)

// portalHome is where a followed sign-in link leads: a fixed path, never
// one the request names, so the link cannot redirect anywhere else.
const portalHome = "/portal/"

// LinkHandler serves GET /portal/login/link?token=...: the single-use
// sign-in link `scimd admin login-link` prints. A good link opens a session,
// sets its cookie and redirects (303) to /portal/; a bad or used one
// answers 401 with a small HTML page (JSON when the client asks for it)
// saying how to get a new one.
func (a *API) LinkHandler() http.Handler {
	return a.base(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			// HEAD included: link checkers in mail systems fetch links with
			// it, and must not use up a single-use link.
			w.Header().Set("Allow", http.MethodGet)
			a.linkError(w, r, http.StatusMethodNotAllowed, account.Invalid.String(), "Open the sign-in link in a browser.")
			return
		}
		signed, err := a.acct.SignInWithLink(r.Context(), r.URL.Query().Get("token"), requestID(r.Context()))
		if err != nil {
			switch k := account.KindOf(err); k {
			case account.NotFound, account.Unauthenticated:
				a.linkError(w, r, http.StatusUnauthorized, account.Unauthenticated.String(),
					"This sign-in link is not valid: it was used already or has expired (links work once, for 15 minutes). "+
						"Ask your administrator for a new one, or, on the server, run: scimd admin login-link --tenant TENANT --email EMAIL")
			case account.Forbidden:
				msg, _, _ := account.Describe(err)
				a.linkError(w, r, http.StatusForbidden, k.String(), "You cannot sign in: "+msg+".")
			default:
				if statusOf[k] == 0 {
					a.log.ErrorContext(r.Context(), "internal error", "err", err, "path", r.URL.Path, "request_id", requestID(r.Context()))
					a.linkError(w, r, http.StatusInternalServerError, account.Internal.String(),
						"Something went wrong on the server (request id "+requestID(r.Context())+"). Try the link again in a moment.")
					return
				}
				if k == account.Unavailable {
					w.Header().Set("Retry-After", retryAfter)
				}
				msg, _, _ := account.Describe(err)
				a.linkError(w, r, statusOf[k], k.String(), msg)
			}
			return
		}
		a.setCookie(w, signed.Token, signed.ExpiresAt)
		http.Redirect(w, r, portalHome, http.StatusSeeOther)
	}))
}

// wantsJSON reports whether the client prefers JSON to HTML.
func wantsJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
			return true
		}
	}
	return false
}

func (a *API) linkError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if wantsJSON(r) {
		writeJSON(w, status, errorDoc{Error: errorBody{Code: code, Message: msg}})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	w.Write([]byte(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in link</title>
<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;line-height:1.5}</style>
</head><body><h1>Sign-in link</h1><p>` + html.EscapeString(msg) + `</p></body></html>
`))
}

func (a *API) setCookie(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", Expires: expires,
		MaxAge: max(1, int(time.Until(expires).Seconds())), HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode})
}

func (a *API) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: a.secure,
		SameSite: http.SameSiteLaxMode})
}

// meDoc is the signed-in member: its user, its portal access ("admin" or
// "team": a Team Leader's My Team), its tenant and when the session ends
// at the latest.
type meDoc struct {
	User             userDoc `json:"user"`
	Access           string  `json:"access"`
	TenantID         string  `json:"tenantId"`
	SessionExpiresAt string  `json:"sessionExpiresAt"`
}

func (a *API) me(w http.ResponseWriter, r *http.Request, s *session) error {
	u, err := a.acct.GetUser(r.Context(), s.actor, s.tenant(), s.userID())
	if err != nil {
		return err
	}
	d, err := a.toUserDoc(r.Context(), u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, meDoc{User: d, Access: s.signed.Access, TenantID: s.tenant(),
		SessionExpiresAt: s.signed.ExpiresAt.UTC().Format(time.RFC3339)})
	return nil
}

// logout ends the session and clears its cookie.
func (a *API) logout(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := a.acct.SignOut(r.Context(), s.actor, s.signed.Token); err != nil {
		return err
	}
	a.clearCookie(w)
	return noContent(w)
}
