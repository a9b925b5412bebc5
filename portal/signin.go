package portal

import (
	"net"
	"net/http"
	"strings"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// loginData is the sign-in page's data.
type loginData struct {
	Tenant     store.Tenant
	Next       string
	Ask        string // what the person typed, to show it again
	Password   bool
	OIDC       bool
	Invitation string
}

// findTenant finds the tenant a person names: by its name, or by a work
// email whose domain (or the domain's first label) is the tenant's name.
func (p *Portal) findTenant(r *http.Request, ask string) (store.Tenant, bool) {
	ask = strings.TrimSpace(ask)
	if ask == "" || len(ask) > 320 {
		return store.Tenant{}, false
	}
	names := []string{ask}
	if _, domain, ok := strings.Cut(ask, "@"); ok {
		names = []string{domain}
		if label, _, ok := strings.Cut(domain, "."); ok {
			names = append(names, label)
		}
	}
	for _, n := range names {
		if t, err := p.acct.Store().TenantByName(r.Context(), strings.ToLower(n)); err == nil {
			return t, true
		}
		if t, err := p.acct.Store().TenantByName(r.Context(), n); err == nil {
			return t, true
		}
	}
	return store.Tenant{}, false
}

// loginPage is GET /portal/login: with ?tenant=T it starts the tenant's
// OpenID sign-in at once (or shows its password form); without, it asks
// for the tenant or a work email.
func (p *Portal) loginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	next := localPath(q.Get("next"))
	v := view{Title: "Sign in", SignIn: true}
	p.flash(w, r, &v)
	ask := q.Get("tenant")
	if ask == "" {
		v.Data = loginData{Next: next}
		p.page(w, r, http.StatusOK, "login", v)
		return
	}
	p.signInTo(w, r, ask, next, q.Get("password") != "")
}

// loginChoose is POST /portal/login: the tenant or work email typed in.
func (p *Portal) loginChoose(w http.ResponseWriter, r *http.Request) {
	p.signInTo(w, r, r.PostFormValue("tenant"), localPath(r.PostFormValue("next")), false)
}

// signInTo starts signing in to the tenant named by ask.
func (p *Portal) signInTo(w http.ResponseWriter, r *http.Request, ask, next string, wantPassword bool) {
	t, ok := p.findTenant(r, ask)
	if !ok {
		p.page(w, r, http.StatusNotFound, "login", view{Title: "Sign in", SignIn: true, Data: loginData{Next: next, Ask: ask},
			Error: "No account is called " + limit(ask, 100) + ". Type your account's name as your administrator gave it, or your work email."})
		return
	}
	d := loginData{Tenant: t, Next: next, Password: t.Settings.PasswordSignIn, OIDC: t.Settings.OIDC != nil && t.Settings.OIDC.Issuer != ""}
	if d.OIDC && !wantPassword {
		err := p.startOIDC(w, r, t.ID, next, "")
		if err == nil {
			return
		}
		if !d.Password {
			p.fail(w, r, nil, err)
			return
		}
	}
	if !d.Password {
		p.page(w, r, http.StatusOK, "message", view{Title: "Sign in", SignIn: true,
			Message: "The account " + t.Name + " has no identity provider set up yet, and does not allow passwords. " +
				"Ask the server's operator for a sign-in link: scimd admin login-link --tenant " + t.Name + " --email YOU"})
		return
	}
	p.page(w, r, http.StatusOK, "login", view{Title: "Sign in to " + t.Name, SignIn: true, Data: d})
}

// clientAddr is the client's address, for the attempt limits.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// passwordSignIn is POST /portal/login/password.
func (p *Portal) passwordSignIn(w http.ResponseWriter, r *http.Request) {
	tenantID := r.PostFormValue("tenant_id")
	next := localPath(r.PostFormValue("next"))
	t, err := p.acct.Store().Reader().GetTenant(r.Context(), tenantID)
	if err != nil {
		p.refusal(w, r, http.StatusBadRequest, "Choose your account again.")
		return
	}
	signed, err := p.acct.SignInPassword(r.Context(), tenantID, r.PostFormValue("login"), r.PostFormValue("password"),
		clientAddr(r), requestID(r.Context()))
	if err != nil {
		status, msg := p.describe(r, err)
		d := loginData{Tenant: t, Next: next, Password: t.Settings.PasswordSignIn, OIDC: t.Settings.OIDC != nil}
		p.page(w, r, status, "login", view{Title: "Sign in to " + t.Name, SignIn: true, Data: d, Error: msg})
		return
	}
	p.startSession(w, r, signed)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// linkSignIn is GET /portal/login/link?token=...: the single-use link of
// `scimd admin login-link`. It always leads to the dashboard.
func (p *Portal) linkSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		// Mail systems' link checkers fetch links with HEAD: that must not
		// use up a single-use link.
		return
	}
	signed, err := p.acct.SignInWithLink(r.Context(), r.URL.Query().Get("token"), requestID(r.Context()))
	if err != nil {
		switch account.KindOf(err) {
		case account.NotFound, account.Unauthenticated:
			p.refusal(w, r, http.StatusUnauthorized, "This sign-in link is not valid: it was used already or has expired (links work once, for 15 minutes). "+
				"Ask your administrator for a new one, or, on the server, run: scimd admin login-link --tenant TENANT --email EMAIL")
		default:
			p.signInRefused(w, r, err)
		}
		return
	}
	p.startSession(w, r, signed)
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}
