package portal

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/scimd/scimd/account"
)

// view is what every page template gets.
type view struct {
	Title string
	// Message is the text of a message page (refusals, errors).
	Message string
	// Notice and Error are shown above a page's content: what an action
	// did, or the domain's refusal.
	Notice, Error string
	// Me is the signed-in member (nil on the sign-in pages).
	Me *me
	// Nav is the section the page belongs to, for aria-current.
	Nav string
	// SignIn marks the sign-in pages, whose forms may redirect to an
	// identity provider.
	SignIn bool
	// Data is the page's own data.
	Data any
}

var funcs = template.FuncMap{
	"when": func(t any) string {
		switch t := t.(type) {
		case time.Time:
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if t == nil || t.IsZero() {
				return "never"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		}
		return ""
	},
	"join": strings.Join,
	"query": func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				v.Set(kv[i], kv[i+1])
			}
		}
		if len(v) == 0 {
			return ""
		}
		return "?" + v.Encode()
	},
	"eq": func(a, b any) bool { return a == b },
}

// parsePages parses each page template with the layout.
func parsePages() map[string]*template.Template {
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		if n.Name() == "layout.html" {
			continue
		}
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+n.Name()))
		out[strings.TrimSuffix(n.Name(), path.Ext(n.Name()))] = t
	}
	return out
}

// page renders a page with the layout.
func (p *Portal) page(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := p.pages[name]
	if !ok {
		panic("portal: no template " + name)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", v); err != nil {
		p.log.ErrorContext(r.Context(), "template", "err", err, "page", name, "request_id", requestID(r.Context()))
		http.Error(w, "internal error (request id "+requestID(r.Context())+")", http.StatusInternalServerError)
		return
	}
	if v.SignIn {
		w.Header().Set("Content-Security-Policy", cspSignIn)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// statusOf maps the domain's kinds of error to HTTP statuses.
var statusOf = map[account.Kind]int{
	account.Invalid:         http.StatusBadRequest,
	account.Conflict:        http.StatusConflict,
	account.NotFound:        http.StatusNotFound,
	account.Forbidden:       http.StatusForbidden,
	account.Precondition:    http.StatusPreconditionFailed,
	account.Unavailable:     http.StatusServiceUnavailable,
	account.Unauthenticated: http.StatusUnauthorized,
}

// describe is what a person may read of err, with its status: the
// domain's message, or for an internal error a generic one (the cause is
// logged with the request id).
func (p *Portal) describe(r *http.Request, err error) (int, string) {
	k := account.KindOf(err)
	status := statusOf[k]
	msg, _, _ := account.Describe(err)
	if status == 0 || msg == "" {
		if status == 0 {
			status = http.StatusInternalServerError
			p.log.ErrorContext(r.Context(), "internal error", "err", err, "path", r.URL.Path, "request_id", requestID(r.Context()))
		}
		msg = fmt.Sprintf("Something went wrong on the server (request id %s). Try again in a moment.", requestID(r.Context()))
	}
	msg = upper(msg)
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
		msg += "."
	}
	return status, msg
}

// fail renders a message page for err.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, m *me, err error) {
	status, msg := p.describe(r, err)
	title := "Refused"
	if status >= 500 {
		title = "Error"
	}
	p.page(w, r, status, "message", view{Title: title, Message: msg, Me: m})
}

// upper capitalises a message's first letter.
func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// back redirects (303) to a portal page after an action, with a notice or
// an error to show there. The message travels in a short-lived cookie, not
// in the URL, so that nobody can make a link that shows a message of their
// choosing. The target is always a portal path built here.
func (p *Portal) back(w http.ResponseWriter, r *http.Request, target, notice, errMsg string) {
	kind, msg := "n", notice
	if errMsg != "" {
		kind, msg = "e", errMsg
	}
	if msg != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: kind + base64.RawURLEncoding.EncodeToString([]byte(limit(msg, 1000))),
			Path: Prefix + "/", MaxAge: 60, HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

const flashCookie = "scimd_flash"

// flash moves the message of the last action into v, once.
func (p *Portal) flash(w http.ResponseWriter, r *http.Request, v *view) {
	c, err := r.Cookie(flashCookie)
	if err != nil || len(c.Value) < 1 {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: Prefix + "/", MaxAge: -1, HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value[1:])
	if err != nil {
		return
	}
	if c.Value[0] == 'e' {
		v.Error = string(b)
	} else {
		v.Notice = string(b)
	}
}

func limit(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// localPath returns next when it is a path of the portal, else the
// dashboard: a return URL must never lead off the portal (no scheme, no
// host, no "//" or backslash tricks).
func localPath(next string) string {
	const home = Prefix + "/"
	if next == "" || len(next) > 2000 || strings.ContainsAny(next, "\\\r\n\t") {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return home
	}
	if !strings.HasPrefix(u.Path, home) || strings.HasPrefix(u.Path, "//") || strings.Contains(u.Path, "/../") ||
		strings.HasPrefix(u.Path, Prefix+"/login") || strings.HasPrefix(u.Path, Prefix+"/oidc") {
		return home
	}
	return u.RequestURI()
}
