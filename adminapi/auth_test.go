package adminapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/adminapi"
	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
)

// Every endpoint refuses anonymous calls, garbage cookies and SCIM bearer
// tokens with 401: only a portal session authenticates the admin API.
func TestAuthenticationIsTheSessionCookie(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		token, hash := scim.NewToken()
		if _, err := e.st.CreateToken(t.Context(), store.Token{TenantID: e.tenant, Label: "okta", Hash: hash, Authority: store.AuthorityOperator}); err != nil {
			t.Fatal(err)
		}
		bearer := []string{"Authorization", "Bearer " + token}
		paths := []struct{ method, path string }{
			{"GET", "/api/v1/users"}, {"GET", "/api/v1/users/" + e.owner}, {"GET", "/api/v1/me"}, {"GET", "/api/v1/stats"},
			{"POST", "/api/v1/users/" + e.owner + "/deactivate"}, {"DELETE", "/api/v1/users/" + e.owner},
			{"GET", "/api/v1/no-such-endpoint"}, {"GET", "/api/v1/myteam"}, {"POST", "/api/v1/logout"},
		}
		for _, p := range paths {
			e.as("").do(p.method, p.path, nil).wantError(401, "unauthenticated", "sign in")
			r := e.as("garbage-session-id").do(p.method, p.path, nil)
			r.wantError(401, "unauthenticated", "session has ended")
			if c := r.header.Get("Set-Cookie"); !strings.Contains(c, adminapi.CookieName+"=;") || !strings.Contains(c, "Max-Age=0") {
				t.Errorf("%s %s with a dead session: Set-Cookie %q does not clear the cookie", p.method, p.path, c)
			}
			e.as("").do(p.method, p.path, nil, bearer...).wantError(401, "unauthenticated", "bearer tokens")
			// A bearer token is refused even beside a good cookie.
			e.ownerc().do(p.method, p.path, nil, bearer...).wantError(401, "unauthenticated", "bearer tokens")
		}
		owner, err := e.st.Reader().GetUser(t.Context(), e.tenant, e.owner, 0)
		if err != nil || owner.State != store.StateActive {
			t.Fatalf("the refused requests changed the Owner: %v %v", owner, err)
		}
		e.ownerc().get("/api/v1/me").want(200)
	})
}

// Logging out ends the session on the server, not only in the browser.
func TestLogout(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		r := e.ownerc().post("/api/v1/logout", nil).want(204)
		if c := r.header.Get("Set-Cookie"); !strings.Contains(c, adminapi.CookieName+"=;") || !strings.Contains(c, "Max-Age=0") {
			t.Errorf("logout Set-Cookie %q does not clear the cookie", c)
		}
		e.ownerc().get("/api/v1/me").wantError(401, "unauthenticated")
		e.as(e.signIn(e.tenant, "owner@example.com")).get("/api/v1/me").want(200)
	})
}

func TestSignInLink(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		link := e.link(e.tenant, "owner@example.com")
		// A link checker's HEAD does not use the link up.
		req, _ := http.NewRequest(http.MethodHead, link, nil)
		if res, err := noRedirect.Do(req); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("HEAD of the link: %v %v, want 405", res, err)
		}
		res, err := noRedirect.Get(link + "&next=https://evil.example/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/" {
			t.Fatalf("link: %d to %q, want 303 to /portal/ (never elsewhere)", res.StatusCode, res.Header.Get("Location"))
		}
		var c *http.Cookie
		for _, x := range res.Cookies() {
			if x.Name == adminapi.CookieName {
				c = x
			}
		}
		if c == nil || c.Value == "" {
			t.Fatal("no session cookie")
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
			t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over http", c)
		}
		// The session lasts at most 12 hours (account.DefaultSessionMax).
		if d := time.Until(c.Expires); d < 11*time.Hour || d > 13*time.Hour {
			t.Errorf("cookie expires in %v, want the session's 12 hours", d)
		}
		me := e.as(c.Value).get("/api/v1/me").want(200).obj()
		if me["access"] != "admin" || me["tenantId"] != e.tenant || me["user"].(map[string]any)["id"] != e.owner {
			t.Errorf("me = %v", me)
		}

		// The link works once: used again (or made up) it is a 401 page
		// that says how to get a new one.
		for _, bad := range []string{link, e.srv.URL + adminapi.LinkPath + "?token=made-up", e.srv.URL + adminapi.LinkPath} {
			res, err := noRedirect.Get(bad)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 401 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(string(body), "not valid") || !strings.Contains(string(body), "scimd admin login-link") {
				t.Errorf("%s: %d %s %s", bad, res.StatusCode, res.Header.Get("Content-Type"), body)
			}
			if len(res.Cookies()) != 0 {
				t.Errorf("a bad link set a cookie")
			}
		}
		// A link of a user who lost access since it was made opens nothing.
		id, _ := e.admin("ann")
		late := e.link(e.tenant, "ann@example.com")
		e.ownerc().post("/api/v1/users/"+id+"/deactivate", nil).want(200)
		res, err = noRedirect.Get(late)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 403 || !strings.Contains(string(body), "inactive") || len(res.Cookies()) != 0 {
			t.Errorf("link of a deactivated user: %d %s", res.StatusCode, body)
		}

		req, _ = http.NewRequest(http.MethodGet, link, nil)
		req.Header.Set("Accept", "application/json")
		res, err = noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		r := resp{t: t, status: res.StatusCode, header: res.Header, body: body}
		r.wantError(401, "unauthenticated", "not valid", "login-link")
	})
}

func TestSecureCookie(t *testing.T) {
	eachBackendWith(t, options{secure: true}, func(t *testing.T, e *env) {
		res, err := noRedirect.Get(e.link(e.tenant, "owner@example.com"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if c := res.Header.Get("Set-Cookie"); !strings.Contains(c, "Secure") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
			t.Errorf("Set-Cookie %q: want Secure, HttpOnly, SameSite=Lax when the public URL is https", c)
		}
	})
}

// A page of another site cannot make a signed-in browser change anything:
// state-changing requests that are cross-site are refused before anything
// is read or written.
func TestCrossSiteRequestsRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.user("victim", "Reports")
		path := "/api/v1/users/" + id + "/deactivate"
		e.ownerc().post(path, nil, "Sec-Fetch-Site", "cross-site").wantError(403, "forbidden", "cross-site")
		e.ownerc().post(path, nil, "Sec-Fetch-Site", "same-site", "Origin", "https://other.example.com").wantError(403, "forbidden")
		// A browser without Sec-Fetch-Site: Origin of another site.
		e.ownerc().post(path, nil, "Origin", "https://evil.example").wantError(403, "forbidden", "cross-site")
		e.ownerc().del("/api/v1/users/"+id, "Sec-Fetch-Site", "cross-site").wantError(403, "forbidden")
		e.ownerc().patch("/api/v1/users/"+id, `{"name":"x"}`, "Origin", "https://evil.example").wantError(403, "forbidden")
		u := e.ownerc().get("/api/v1/users/"+id, "Sec-Fetch-Site", "cross-site").want(200).obj()
		if u["state"] != "active" || u["name"] != "victim" {
			t.Fatalf("cross-site writes changed the user: %v", u)
		}
		// The portal's own requests pass.
		e.ownerc().post(path, nil, "Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL).want(200)
	})
}

// A Team Leader's session reads its My Team and its own user, nothing else.
func TestTeamLeaderSession(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		lead, cookie := e.teamLeader("lead")
		member := e.user("member", "Agent")
		other := e.user("other", "Reports")
		o := e.ownerc()
		team := o.post("/api/v1/teams", map[string]any{"name": "Support"}).want(201).obj()["id"].(string)
		o.put("/api/v1/teams/"+team+"/members/"+lead, map[string]any{"leader": true}).want(204)
		o.put("/api/v1/teams/"+team+"/members/"+member, nil).want(204)

		tl := e.as(cookie)
		if me := tl.get("/api/v1/me").want(200).obj(); me["access"] != "team" {
			t.Fatalf("me = %v, want access team", me)
		}
		teams := tl.get("/api/v1/myteam").want(200).items()
		if len(teams) != 1 || teams[0]["name"] != "Support" {
			t.Fatalf("myteam = %v", teams)
		}
		ms := teams[0]["members"].([]any)
		names := map[string]bool{}
		for _, m := range ms {
			names[m.(map[string]any)["name"].(string)] = true
		}
		if len(ms) != 2 || !names["lead"] || !names["member"] {
			t.Fatalf("myteam members = %v", ms)
		}
		tl.get("/api/v1/users/" + lead).want(200)
		tl.get("/api/v1/users/" + lead + "/access").want(200)
		for _, c := range []struct{ method, path string }{
			{"GET", "/api/v1/users"}, {"GET", "/api/v1/users/" + other}, {"GET", "/api/v1/users/" + member},
			{"GET", "/api/v1/users/" + other + "/access"}, {"PATCH", "/api/v1/users/" + lead},
			{"POST", "/api/v1/users/" + other + "/deactivate"}, {"DELETE", "/api/v1/users/" + other},
			{"GET", "/api/v1/stats"}, {"GET", "/api/v1/roles"}, {"POST", "/api/v1/roles"}, {"GET", "/api/v1/teams"},
			{"GET", "/api/v1/audit"}, {"POST", "/api/v1/invitations"}, {"POST", "/api/v1/owner"},
		} {
			tl.do(c.method, c.path, `{}`).wantError(403, "forbidden", "Team Leader")
		}
		if u, _ := e.st.Reader().GetUser(t.Context(), e.tenant, other, 0); u.State != store.StateActive {
			t.Fatal("a Team Leader deactivated a user")
		}
		tl.post("/api/v1/logout", nil).want(204)

		// An administrator without team.view has no My Team.
		_, acookie := e.admin("accadmin")
		e.setRoles(e.userID("accadmin"), "Account Admin")
		e.as(acookie).get("/api/v1/myteam").wantError(403, "forbidden", "team.view")
	})
}

func (e *env) userID(name string) string {
	e.t.Helper()
	u, err := e.st.Reader().FindUser(e.t.Context(), e.tenant, name+"@example.com")
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}
