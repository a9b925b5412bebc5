package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// chromium finds Debian's chromium (the browser .ci/run installs).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("browser tests skipped: no chromium on this machine (apt-get install -y chromium)")
	return ""
}

// shotDir is where screenshots go unless SCIMD_SCREENSHOTS is set.
var shotDir string

// browserT drives one headless Chromium for a test; each person gets a
// browser context of their own (their own cookies).
type browserT struct {
	t       *testing.T
	browser context.Context
}

func newBrowser(t *testing.T) *browserT {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("disable-dev-shm-usage", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return &browserT{t: t, browser: ctx}
}

// person is one browser context: a person at their own browser.
type person struct {
	t   *testing.T
	ctx context.Context
}

func (b *browserT) person() *person {
	ctx, cancel := chromedp.NewContext(b.browser, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	// The first run makes the tab; it lives as long as the context of
	// that run, so it takes no timeout.
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("new browser context: %v", err)
	}
	return &person{t: b.t, ctx: ctx}
}

// do runs steps with a bound on time.
func (p *person) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("browser: %v (page: %s)", err, p.text())
	}
}

// text is the page's visible text.
func (p *person) text() string {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
	return s
}

// see waits until the page's text contains every one of want.
func (p *person) see(want ...string) {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		txt := p.text()
		missing := ""
		for _, w := range want {
			if !strings.Contains(txt, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the page (%s) does not say %q; it says:\n%s", p.location(), missing, txt)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *person) open(url string) { p.t.Helper(); p.do(chromedp.Navigate(url)) }

func (p *person) location() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Location())
	return s
}

// screenshotsEnv names the variable that makes the browser test replace
// the README's screenshots in docs/screenshots/; without it they go to a
// temporary directory, so that a test run leaves the work tree as it was.
const screenshotsEnv = "SCIMD_SCREENSHOTS"

// shot saves a PNG of the whole page.
func (p *person) shot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join(shotDir, "screenshots")
	if os.Getenv(screenshotsEnv) != "" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// TestPortalInBrowser drives the portal of a real `scimd serve` in headless
// Chromium, with an OpenID provider (mockoidc) running in the test: an IdP
// provisions a user over SCIM; the Owner signs in by link and sees it;
// invites a user, who accepts by OIDC with the invited email; changes a
// role; deactivates a user and watches the stats change; a guardrail's
// refusal shows its message; a stranger and an unverified email are
// refused; a cross-site POST is refused; the Owner signs out.
func TestPortalInBrowser(t *testing.T) {
	br := newBrowser(t)
	shotDir = t.TempDir()
	oidc, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { oidc.Shutdown() })
	db := sqltest.URL(t, "sqlite")
	token := createToken(t, db, "--tenant", "acme")
	cfg := oidc.Config()
	if _, errOut, code := scimd(t, "tenant", "oidc", "set", "--db", db, "--tenant", "acme", "--issuer", cfg.Issuer,
		"--client-id", cfg.ClientID, "--client-secret", cfg.ClientSecret); code != 0 {
		t.Fatalf("tenant oidc set: %s", errOut)
	}
	srv := startServe(t, db, "--log-level", "debug")
	base := "http://" + srv.addr
	t.Cleanup(func() {
		if t.Failed() {
			srv.mu.Lock()
			t.Logf("server log:\n%s", strings.Join(srv.log, "\n"))
			srv.mu.Unlock()
		}
	})

	// The IdP provisions a user.
	scimUser := func(userName, name string) {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"displayName":%q,"active":true,
			"emails":[{"value":%q,"type":"work","primary":true}]}`, userName, name, userName)
		req, _ := http.NewRequest(http.MethodPost, base+"/scim/v2/Users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("SCIM create %s: %d", userName, resp.StatusCode)
		}
	}
	scimUser("dana@acme.test", "Dana Scully")
	scimUser("fox@acme.test", "Fox Mulder")

	// The Owner signs in by link.
	out, errOut, code := scimd(t, "admin", "login-link", "--tenant", "acme", "--email", "owner@acme.test", "--db", db)
	if code != 0 {
		t.Fatalf("login-link: %s", errOut)
	}
	owner := br.person()
	owner.open(lastLine(out))
	// The IdP's requests show as the connection's health and activity.
	owner.see("Dashboard", "Sign out", "Active", "Invited", "receiving requests", "Fox Mulder")
	activeBefore := owner.stat("active")
	owner.shot("dashboard")

	owner.open(base + "/portal/users")
	owner.see("Dana Scully", "dana@acme.test", "IdP")
	owner.shot("users")
	owner.open(base + "/portal/users?q=fox")
	owner.see("Fox Mulder")
	if strings.Contains(owner.text(), "Dana Scully") {
		t.Fatal("search for fox shows Dana")
	}

	// Invite two people at once.
	owner.open(base + "/portal/invite")
	owner.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=name0]`), "Walter Skinner"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email0]`), "walter@acme.test"),
		chromedp.SetValue(chromedp.CSS(`select[name=role0]`), "Admin"),
		chromedp.SendKeys(chromedp.CSS(`input[name=name1]`), "Monica Reyes"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email1]`), "monica@acme.test"),
	)
	owner.shot("invite")
	owner.do(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	owner.see("Invited 2 people", "walter@acme.test", "monica@acme.test")
	owner.open(base + "/portal/")
	owner.see("Dashboard")
	if got := owner.stat("invited"); got != "2" {
		t.Fatalf("Invited stat %q after two invitations, want 2", got)
	}

	// Walter accepts by signing in with the IdP as the invited email.
	link := invitationLink(t, db, "walter@acme.test")
	walter := br.person()
	walter.open(link)
	walter.see("Join acme", "walter@acme.test", "Accept by signing in")
	walter.shot("invitation")
	oidc.QueueUser(&mockoidc.MockUser{Subject: "walter-sub", Email: "walter@acme.test", EmailVerified: true})
	walter.do(chromedp.Click(chromedp.CSS(`form[action="/portal/invitations/oidc"] button`)))
	walter.see("Dashboard", "Signed in as", "Walter Skinner")

	// Later, Walter signs in by OIDC in another browser.
	walter2 := br.person()
	oidc.QueueUser(&mockoidc.MockUser{Subject: "walter-sub", Email: "walter@acme.test", EmailVerified: true})
	walter2.open(base + "/portal/login?tenant=acme")
	walter2.see("Dashboard", "Walter Skinner")

	// Monica accepts by creating a password.
	monica := br.person()
	monica.open(invitationLink(t, db, "monica@acme.test"))
	monica.do(chromedp.SendKeys(chromedp.ID("password"), "short"), chromedp.SendKeys(chromedp.ID("confirm"), "short"),
		chromedp.Click(chromedp.CSS(`form[action="/portal/invitations/accept"] button`)))
	monica.see("at least 8 characters")
	monica.do(chromedp.SendKeys(chromedp.ID("password"), "Truth1sOutThere"), chromedp.SendKeys(chromedp.ID("confirm"), "Truth1sOutThere"),
		chromedp.Click(chromedp.CSS(`form[action="/portal/invitations/accept"] button`)))
	monica.see("Your invitation is accepted")

	// Change a role: Dana becomes a Team Leader.
	owner.open(base + "/portal/users?q=dana")
	owner.do(chromedp.Click(chromedp.Search(`//a[text()="Dana Scully"]`)))
	owner.see("Roles", "Actions")
	owner.do(chromedp.SetValue(chromedp.ID("role"), "Team Leader"), chromedp.Click(chromedp.Search(`//button[text()="Save roles"]`)))
	owner.see("Roles saved.", "Team Leader")
	owner.shot("user")

	// Deactivate Fox; the Active stat goes down by one.
	owner.open(base + "/portal/users?q=fox")
	owner.do(chromedp.Click(chromedp.Search(`//a[text()="Fox Mulder"]`)))
	owner.do(chromedp.Click(chromedp.Search(`//button[text()="Deactivate"]`)))
	owner.see("The user is inactive")
	if s := owner.textOf("#user-state"); s != "inactive" {
		t.Fatalf("state %q after deactivation", s)
	}
	owner.open(base + "/portal/")
	owner.see("Dashboard")
	// Before: the Owner, Dana and Fox. After: Walter and Monica accepted,
	// Fox left.
	if want := fmt.Sprint(atoi(activeBefore) + 2 - 1); owner.stat("active") != want {
		t.Fatalf("Active stat %q, want %s (was %s)", owner.stat("active"), want, activeBefore)
	}
	owner.open(base + "/portal/users?state=inactive")
	owner.see("Fox Mulder")

	// A guardrail: an Admin may not deactivate the Owner; the page shows
	// the domain's message.
	walter.open(base + "/portal/users?q=owner")
	walter.do(chromedp.Click(chromedp.Search(`//a[contains(text(),"owner@acme.test")]`)))
	walter.do(chromedp.Click(chromedp.Search(`//button[text()="Deactivate"]`)))
	walter.see("Owner")
	if msg := walter.textOf(".error"); msg == "" {
		t.Fatal("no refusal message shown")
	} else {
		t.Logf("guardrail refusal shown: %s", msg)
	}
	walter.shot("refusal-guardrail")

	// Strangers and unverified emails are refused, with no session.
	stranger := br.person()
	oidc.QueueUser(&mockoidc.MockUser{Subject: "x-files", Email: "cancer.man@syndicate.test", EmailVerified: true})
	stranger.open(base + "/portal/login?tenant=acme")
	stranger.see("Sign-in refused", "is not a user of this account")
	stranger.shot("refused")
	stranger.open(base + "/portal/users")
	stranger.see("account name or work email")
	unverified := br.person()
	oidc.QueueUser(&mockoidc.MockUser{Subject: "dana-sub", Email: "dana@acme.test", EmailVerified: false})
	unverified.open(base + "/portal/login?tenant=acme")
	unverified.see("Sign-in refused", "has not verified your email")

	// The sign-in page asks for the tenant first.
	anon := br.person()
	anon.open(base + "/portal/login")
	anon.see("account name or work email")
	anon.shot("login")

	// A cross-site form POST is refused even with the Owner's session.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/portal/users/%s/reactivate"><button id="go">Win a prize</button></form>`,
			base, userID(t, db, "fox@acme.test"))
	}))
	t.Cleanup(evil.Close)
	owner.open(strings.Replace(evil.URL, "127.0.0.1", "localhost", 1))
	owner.do(chromedp.Click(chromedp.ID("go")))
	owner.see("came from another site")
	owner.open(base + "/portal/users?state=inactive")
	owner.see("Fox Mulder")

	// The other pages render for the Owner.
	for _, pg := range []struct{ path, want, shot string }{
		{"/portal/connections", "Set up Okta", "connections"},
		{"/portal/settings", "/portal/oidc/callback", "settings"},
		{"/portal/audit", "invitation", "audit"},
		{"/portal/roles", "Team Leader", "roles"},
		{"/portal/accounts", "Account tree", ""},
		{"/portal/teams", "New team", ""},
		{"/portal/numbers", "Locations", ""},
	} {
		owner.open(base + pg.path)
		owner.see(pg.want)
		if pg.shot != "" {
			owner.shot(pg.shot)
		}
	}
	// A token created in the portal is shown once.
	owner.open(base + "/portal/connections")
	owner.do(chromedp.SendKeys(chromedp.ID("label"), "Okta production"), chromedp.Click(chromedp.Search(`//button[text()="Create token"]`)))
	owner.see("shown only once")
	if tok := owner.textOf("#new-token"); !strings.HasPrefix(tok, "scimd_") {
		t.Fatalf("new token %q", tok)
	}
	owner.open(base + "/portal/connections")
	if strings.Contains(owner.text(), "scimd_") {
		t.Fatal("the token is shown again")
	}

	// Sign out.
	owner.open(base + "/portal/")
	owner.do(chromedp.Click(chromedp.Search(`//button[text()="Sign out"]`)))
	owner.see("You are signed out")
	owner.open(base + "/portal/users")
	owner.see("account name or work email")
	if !strings.Contains(owner.location(), "/portal/login") {
		t.Fatalf("after sign-out at %s", owner.location())
	}
}

func (p *person) textOf(css string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// stat reads a number of the dashboard.
func (p *person) stat(name string) string { p.t.Helper(); return p.textOf("#stat-" + name) }

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

var linkRE = regexp.MustCompile(`https?://\S+/portal/invitations/accept\?token=[A-Za-z0-9_-]+`)

// invitationLink reads the invitation link from the mail in the outbox.
func invitationLink(t *testing.T, db, to string) string {
	t.Helper()
	s := openDB(t, db)
	tn, err := s.TenantByName(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.Reader().Mails(t.Context(), tn.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.To == to {
			if l := linkRE.FindString(m.Body); l != "" {
				return l
			}
		}
	}
	t.Fatalf("no invitation mail to %s", to)
	return ""
}

func userID(t *testing.T, db, login string) string {
	t.Helper()
	s := openDB(t, db)
	tn, _ := s.TenantByName(t.Context(), "acme")
	u, err := s.Reader().FindUser(t.Context(), tn.ID, login)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
