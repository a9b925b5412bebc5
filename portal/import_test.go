package portal_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// upload posts the import form with a file (following redirects).
func upload(t testing.TB, c *http.Client, u, name, data string, fields map[string]string) (int, string, *http.Response) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	io.WriteString(fw, data)
	mw.Close()
	resp, err := c.Post(u, mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp
}

func TestImportPage(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c := e.signedIn()
		_, body, _ := get(t, c, e.srv.URL+"/portal/users")
		if !strings.Contains(body, `href="/portal/import"`) {
			t.Fatal("the Users page does not link the import")
		}
		status, body, resp := get(t, c, e.srv.URL+"/portal/import/template.csv")
		if status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || body != string(account.ImportTemplate()) {
			t.Fatalf("template: %d %q\n%s", status, resp.Header.Get("Content-Type"), body)
		}

		// A bad file: every problem with its row and column, nothing imported.
		bad := "Display Name,Email Address\nAda,not-an-email\n,bob@example.com\n"
		status, body, _ = upload(t, c, e.srv.URL+"/portal/import", "bad.csv", bad, map[string]string{"op": "validate"})
		if status != http.StatusBadRequest || !strings.Contains(body, `id="problems"`) ||
			!strings.Contains(body, "<td>2</td><td>Email Address</td>") || !strings.Contains(body, "<td>3</td><td>Display Name</td>") {
			t.Fatalf("bad file: %d\n%s", status, body)
		}
		status, body, _ = upload(t, c, e.srv.URL+"/portal/import", "bad.csv", bad, map[string]string{"op": "start", "passwords": "none"})
		if status != http.StatusBadRequest || !strings.Contains(body, "<td>2</td><td>Email Address</td>") {
			t.Fatalf("bad file started: %d\n%s", status, body)
		}
		if jobs, _ := e.svc.ImportJobs(t.Context(), account.Operator(), e.tenant.ID, 10); len(jobs) != 0 {
			t.Fatalf("a bad file made a job: %+v", jobs)
		}
		status, body, _ = upload(t, c, e.srv.URL+"/portal/import", "users.xlsx", "PK\x03\x04\x14\x00\x06\x00binary", map[string]string{"op": "validate"})
		if status != http.StatusBadRequest || !strings.Contains(body, `class="error"`) {
			t.Fatalf("binary file: %d\n%s", status, body)
		}

		// A good file: valid, then started; its page reaches done. One row
		// exists already and fails.
		e.user("cy@example.com", "User")
		good := "Display Name,Email Address\nAda,ada@example.com\nBob,bob@example.com\nCy,cy@example.com\n"
		status, body, _ = upload(t, c, e.srv.URL+"/portal/import", "users.csv", good, map[string]string{"op": "validate"})
		if status != http.StatusOK || !strings.Contains(body, "users.csv is valid: 3 rows") {
			t.Fatalf("good file validation: %d\n%s", status, body)
		}
		status, body, resp = upload(t, c, e.srv.URL+"/portal/import", "users.csv", good, map[string]string{"op": "start", "passwords": "none", "state": "invited"})
		if status != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/portal/import/") || !strings.Contains(body, "The import of users.csv is started") {
			t.Fatalf("start: %d at %s\n%s", status, resp.Request.URL, body)
		}
		jobURL := resp.Request.URL.String()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(body, `<dd id="state">done</dd>`) {
			if time.Now().After(deadline) {
				t.Fatalf("the job is not done:\n%s", body)
			}
			if !strings.Contains(body, `<meta http-equiv="refresh" content="2">`) {
				t.Fatalf("a live job's page does not refresh itself:\n%s", body)
			}
			time.Sleep(50 * time.Millisecond)
			_, body, _ = get(t, c, jobURL)
		}
		if strings.Contains(body, `http-equiv="refresh"`) || !strings.Contains(body, `<dd id="created">2</dd>`) || !strings.Contains(body, `<dd id="failed">1</dd>`) ||
			!strings.Contains(body, `<progress id="progress" max="3" value="3">`) || !strings.Contains(body, "exists already") {
			t.Fatalf("done job page:\n%s", body)
		}
		ada, err := e.st.Reader().FindUser(t.Context(), e.tenant.ID, "ada@example.com")
		if err != nil || ada.State != store.StateInvited || !strings.Contains(body, `href="/portal/users/`+ada.ID+`"`) {
			t.Fatalf("ada: %+v %v", ada, err)
		}
		status, csvBody, resp := get(t, c, jobURL+"/failed.csv")
		f, ps := account.ParseImport("failed.csv", []byte(csvBody))
		if status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || len(ps) > 0 || len(f.Rows) != 1 ||
			f.Get(f.Rows[0], account.ColEmail) != "cy@example.com" {
			t.Fatalf("failed rows: %d\n%s %v", status, csvBody, ps)
		}
		_, body, _ = get(t, c, e.srv.URL+"/portal/import")
		if !strings.Contains(body, `href="`+resp.Request.URL.Path[:len(resp.Request.URL.Path)-len("/failed.csv")]+`"`) {
			t.Fatalf("the import page does not list the job:\n%s", body)
		}
	})
}

// TestImportRunningJob: while a job runs its page refreshes and has Stop;
// a second start answers the domain's 409.
func TestImportRunningJob(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c := e.signedIn()
		j := store.ImportJob{TenantID: e.tenant.ID, State: store.ImportRunning, FileName: "held.csv", Header: []string{account.ColDisplayName, account.ColEmail},
			Options: `{"options":{"state":"active","passwords":"none"},"actor":{"Kind":"operator","Name":"operator","Authority":"operator"}}`}
		if err := e.st.CreateImportJob(t.Context(), &j, []store.ImportRow{{Row: 2, Values: []string{"Held", "held@example.com"}}}); err != nil {
			t.Fatal(err)
		}
		status, body, _ := upload(t, c, e.srv.URL+"/portal/import", "users.csv", "Display Name,Email Address\nA,a@example.com\n", map[string]string{"op": "start"})
		if status != http.StatusConflict || !strings.Contains(body, "already running") || !strings.Contains(body, j.ID) {
			t.Fatalf("second start: %d\n%s", status, body)
		}
		_, body, _ = get(t, c, e.srv.URL+"/portal/import/"+j.ID)
		if !strings.Contains(body, `<meta http-equiv="refresh" content="2">`) || !strings.Contains(body, "Stop the import") || !strings.Contains(body, "pending") {
			t.Fatalf("running job page:\n%s", body)
		}
		_, body = post(t, c, e.srv.URL+"/portal/import/"+j.ID+"/stop", nil)
		if !strings.Contains(body, "The import is stopping") || !strings.Contains(body, `<dd id="state">stopping</dd>`) {
			t.Fatalf("stop:\n%s", body)
		}
		if status, _, _ := get(t, c, e.srv.URL+"/portal/import/nope"); status != http.StatusNotFound {
			t.Fatalf("unknown job: %d", status)
		}
	})
}

// TestImportAndWebhooksRefused: a Team Leader gets neither page; a
// cross-site POST is refused and changes nothing.
func TestImportAndWebhooksRefused(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.user("lead@example.com", "Team Leader")
	lc := e.browser()
	e.oidcSignIn(lc, &mockoidc.MockUser{Subject: "lead", Email: "lead@example.com", EmailVerified: true}, "")
	for _, p := range []string{"/portal/import", "/portal/import/template.csv", "/portal/webhooks"} {
		if status, body, _ := get(t, lc, e.srv.URL+p); status != http.StatusForbidden {
			t.Errorf("team leader GET %s: %d\n%s", p, status, body)
		}
	}
	status, _, _ := upload(t, lc, e.srv.URL+"/portal/import", "u.csv", "Display Name,Email Address\nA,a@example.com\n", map[string]string{"op": "start"})
	if status != http.StatusForbidden {
		t.Errorf("team leader start: %d", status)
	}
	if jobs, _ := e.svc.ImportJobs(t.Context(), account.Operator(), e.tenant.ID, 10); len(jobs) != 0 {
		t.Fatalf("a refused start made a job")
	}

	c := e.signedIn()
	big := "Display Name,Email Address\n" + strings.Repeat("A,a@example.com\n", account.MaxImportBytes/16+1)
	if status, body, _ := upload(t, c, e.srv.URL+"/portal/import", "big.csv", big, map[string]string{"op": "validate"}); status != http.StatusBadRequest ||
		!strings.Contains(body, "larger than 2 MB") {
		t.Errorf("a file over 2 MB: %d\n%s", status, body)
	}
	for _, tc := range []struct{ path, ctype, body string }{
		{"/portal/webhooks", "application/x-www-form-urlencoded", url.Values{"op": {"add"}, "url": {"https://evil.example/h"}}.Encode()},
		{"/portal/import", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"op\"\r\n\r\nstart\r\n--x--\r\n"},
	} {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ctype)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d", tc.path, resp.StatusCode)
		}
	}
	if ws, _ := e.svc.Webhooks(t.Context(), account.Operator(), e.tenant.ID); len(ws) != 0 {
		t.Fatalf("a cross-site POST added a webhook: %+v", ws)
	}
}
