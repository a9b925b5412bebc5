package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestRegistry(t *testing.T) {
	all := Checks()
	if len(all) < 200 {
		t.Fatalf("want at least 200 checks, have %d", len(all))
	}
	idRe := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`)
	perProfile := map[Profile]int{}
	for _, ch := range all {
		if !idRe.MatchString(ch.ID) {
			t.Errorf("check id %q is not kebab-case", ch.ID)
		}
		if !strings.Contains(ch.Section, "RFC") && !strings.HasPrefix(ch.Section, "Okta") && !strings.HasPrefix(ch.Section, "Entra") {
			t.Errorf("%s: section %q names no RFC or IdP", ch.ID, ch.Section)
		}
		if ch.Group == "" {
			t.Errorf("%s has no group", ch.ID)
		}
		for _, p := range ch.Profiles {
			perProfile[p]++
		}
	}
	for _, p := range []Profile{ProfileRFC, ProfileOkta, ProfileEntra} {
		if perProfile[p] == 0 {
			t.Errorf("profile %s has no checks", p)
		}
	}
	t.Logf("%d checks; per profile %v", len(all), perProfile)
}

func TestSourceFilesSmall(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(b, []byte("\n")); n > 520 && !strings.HasSuffix(f, "_test.go") {
			t.Errorf("%s has %d lines; keep check files under ~500", f, n)
		}
	}
}

func TestSelected(t *testing.T) {
	okta, err := Selected(Target{Profile: ProfileOkta})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range okta {
		if !ch.inProfile(ProfileOkta) {
			t.Errorf("%s selected for okta", ch.ID)
		}
	}
	one, _ := Selected(Target{Run: "^users-create-201$"})
	if len(one) != 1 || one[0].ID != "users-create-201" {
		t.Errorf("Run filter: got %v", one)
	}
	byTitle, _ := Selected(Target{Run: "Test Connection"})
	if len(byTitle) == 0 {
		t.Errorf("Run filter does not match titles")
	}
	if _, err := Selected(Target{Run: "("}); err == nil {
		t.Error("bad regexp accepted")
	}
	if _, err := Selected(Target{Profile: "azure"}); err == nil {
		t.Error("bad profile accepted")
	}
}

// fakeSPC serves a ServiceProviderConfig with the given features.
func fakeSPC(patch, bulk bool) map[string]any {
	return map[string]any{
		"schemas":               []any{schemaSPC},
		"patch":                 map[string]any{"supported": patch},
		"bulk":                  map[string]any{"supported": bulk, "maxOperations": 10, "maxPayloadSize": 1000},
		"filter":                map[string]any{"supported": true, "maxResults": 50},
		"changePassword":        map[string]any{"supported": false},
		"sort":                  map[string]any{"supported": false},
		"etag":                  map[string]any{"supported": false},
		"authenticationSchemes": []any{map[string]any{"type": "oauthbearertoken", "name": "Bearer", "description": "token"}},
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", mediaSCIM)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func scimErr(w http.ResponseWriter, status int, scimType string) {
	body := map[string]any{"schemas": []any{msgError}, "status": itoa(status), "detail": http.StatusText(status)}
	if scimType != "" {
		body["scimType"] = scimType
	}
	writeJSON(w, status, body)
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// fakeServer is a tiny handcrafted endpoint: it authenticates, serves an SPC
// and answers everything else with 200 {} — deliberately wrong for most
// checks.
func fakeServer(t *testing.T, token string, spc map[string]any, seen *[]*http.Request) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			*seen = append(*seen, r)
		}
		if r.URL.Path == "/scim/v2/ServiceProviderConfig" {
			writeJSON(w, 200, spc)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
			scimErr(w, 401, "")
			return
		}
		if strings.HasPrefix(r.URL.Path, "/scim/v2/Users/") && r.Method == "GET" {
			scimErr(w, 404, "")
			return
		}
		writeJSON(w, 200, map[string]any{})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func resultByID(rep *Report, id string) *Result {
	for i := range rep.Results {
		if rep.Results[i].ID == id {
			return &rep.Results[i]
		}
	}
	return nil
}

func TestExecutePassFailSkip(t *testing.T) {
	const token = "s3cret-token-value"
	srv := fakeServer(t, token, fakeSPC(false, false), nil)
	rep, err := Execute(context.Background(), Target{
		URL:   srv.URL + "/scim/v2",
		Token: token,
		Run:   `^(disc-spc-200|auth-no-token-401|auth-no-token-www-authenticate|users-get-404|users-list-200|patch-replace-path|bulk-post-user|users-create-201)$`,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Status{
		"disc-spc-200":                   Pass,
		"auth-no-token-401":              Pass,
		"auth-no-token-www-authenticate": Pass,
		"users-get-404":                  Pass,
		"users-list-200":                 Fail, // {} has no totalResults
		"users-create-201":               Fail, // 200 instead of 201
		"patch-replace-path":             Skip,
		"bulk-post-user":                 Skip,
	}
	for id, st := range want {
		r := resultByID(rep, id)
		if r == nil {
			t.Errorf("%s missing from report", id)
			continue
		}
		if r.Status != st {
			t.Errorf("%s: want %s, got %s (%v %s)", id, st, r.Status, r.Failures, r.SkipReason)
		}
	}
	if r := resultByID(rep, "patch-replace-path"); r != nil && r.SkipReason != "SPC says patch unsupported" {
		t.Errorf("skip reason: %q", r.SkipReason)
	}
	if rep.Passed != 4 || rep.Failed != 2 || rep.Skipped != 2 {
		t.Errorf("counts: %s", rep.Summary())
	}
	f := resultByID(rep, "users-create-201").Failures[0]
	if f.Exchange == nil || f.Exchange.Method != "POST" || f.Exchange.Status != 200 {
		t.Fatalf("failure lacks the exchange: %+v", f)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	if strings.Contains(out, token) {
		t.Error("token leaked into the text report")
	}
	for _, s := range []string{"FAIL  users-create-201", "PASS  disc-spc-200", "SKIP  bulk-post-user", "RFC 7644 §3.3", "POST " + srv.URL + "/scim/v2/Users", "Bearer <redacted>", "HTTP 200"} {
		if !strings.Contains(out, s) {
			t.Errorf("text report lacks %q:\n%s", s, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[len(lines)-1] != "4 passed, 2 failed, 2 skipped" {
		t.Errorf("last line %q", lines[len(lines)-1])
	}
}

func TestJUnitAndJSON(t *testing.T) {
	rep := &Report{URL: "http://x/scim/v2", Profile: ProfileAll, Started: time.Now(), Passed: 1, Failed: 1, Skipped: 1,
		Results: []Result{
			{ID: "a-pass", Title: "passes", Section: "RFC 7644 §1", Group: "g1", Status: Pass},
			{ID: "b-fail", Title: "fails <&>", Section: "RFC 7644 §2", Group: "g2", Status: Fail, Failures: []Failure{{Message: "bad \x01 \"thing\"", Exchange: &Exchange{Method: "GET", URL: "http://x/scim/v2/Users", Status: 500, ResponseBody: "<oops>&\x00"}}}},
			{ID: "c-skip", Title: "skips", Section: "Okta: x", Group: "g3", Status: Skip, SkipReason: "SPC says bulk unsupported"},
		}}
	var buf bytes.Buffer
	if err := rep.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var suite struct {
		XMLName  xml.Name `xml:"testsuite"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Cases    []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &suite); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, buf.String())
	}
	if suite.Tests != 3 || suite.Failures != 1 || suite.Skipped != 1 || len(suite.Cases) != 3 {
		t.Fatalf("bad suite: %+v", suite)
	}
	if suite.Cases[1].Classname != "g2" || suite.Cases[1].Name != "b-fail fails <&>" || suite.Cases[1].Failure == nil || !strings.Contains(suite.Cases[1].Failure.Text, "HTTP 500") {
		t.Errorf("bad failure case: %+v", suite.Cases[1])
	}
	if suite.Cases[2].Skipped == nil || suite.Cases[2].Skipped.Message != "SPC says bulk unsupported" {
		t.Errorf("bad skipped case: %+v", suite.Cases[2])
	}
	buf.Reset()
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || len(back.Results) != 3 || back.Results[1].Failures[0].Exchange.Status != 500 {
		t.Fatalf("bad JSON report: %v %s", err, buf.String())
	}
}

func TestReadOnlySkipsMutations(t *testing.T) {
	var requests []*http.Request
	srv2 := fakeServer(t, "tok", fakeSPC(true, true), &requests)
	rep, err := Execute(context.Background(), Target{URL: srv2.URL + "/scim/v2", Token: "tok", ReadOnly: true, Run: "^(users-create-201|users-get-404|okta-create-user)$"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Mutates && (r.Status != Skip || !strings.Contains(r.SkipReason, "read-only")) {
			t.Errorf("%s mutates but was not skipped in read-only mode", r.ID)
		}
	}
	for _, r := range requests {
		if r.Method != "GET" {
			t.Errorf("read-only run sent %s %s", r.Method, r.URL)
		}
	}
}

func TestCleanupRunsAfterFailure(t *testing.T) {
	var deletes []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/ServiceProviderConfig":
			writeJSON(w, 200, fakeSPC(true, false))
		case r.Method == "POST" && r.URL.Path == "/v2/Users":
			writeJSON(w, 201, map[string]any{"id": "u-1", "userName": "x"})
		case r.Method == "DELETE":
			deletes = append(deletes, r.URL.Path)
			w.WriteHeader(204)
		default:
			writeJSON(w, 500, map[string]any{})
		}
	}))
	defer srv.Close()
	rep, err := Execute(context.Background(), Target{URL: srv.URL + "/v2", Token: "t", Run: "^users-get-200$"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 1 {
		t.Fatalf("want a failure, got %s", rep.Summary())
	}
	if len(deletes) != 1 || deletes[0] != "/v2/Users/u-1" {
		t.Errorf("cleanup DELETEs: %v", deletes)
	}
}

func TestMainUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"--token", "x"}, &out, &errb); code != 2 {
		t.Errorf("missing --url: exit %d", code)
	}
	if code := Main(context.Background(), []string{"--url", "http://127.0.0.1:1/scim/v2", "--profile", "nope"}, &out, &errb); code != 2 {
		t.Errorf("bad profile: exit %d", code)
	}
	if code := Main(context.Background(), []string{"--bogus"}, &out, &errb); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
	errb.Reset()
	ln := httptest.NewServer(http.NotFoundHandler())
	dead := ln.URL
	ln.Close()
	if code := Main(context.Background(), []string{"--url", dead + "/scim/v2", "--token", "x"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "unreachable") {
		t.Errorf("unreachable: exit %d, stderr %q", code, errb.String())
	}
	out.Reset()
	if code := Main(context.Background(), []string{"-list", "--profile", "entra"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "entra-test-connection") || strings.Contains(out.String(), "okta-create-user") {
		t.Errorf("-list: exit %d\n%s", code, out.String())
	}
}

func TestMainRunWritesReports(t *testing.T) {
	srv := fakeServer(t, "tok", fakeSPC(false, false), nil)
	dir := t.TempDir()
	t.Setenv("SCIMD_TOKEN", "tok")
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"--url", srv.URL + "/scim/v2", "--run", "^(disc-spc-200|users-list-200)$", "--junit", filepath.Join(dir, "j.xml"), "--json", filepath.Join(dir, "r.json")}, &out, &errb)
	if code != 1 {
		t.Errorf("exit %d (want 1 for a failure)\n%s%s", code, out.String(), errb.String())
	}
	if !strings.HasSuffix(out.String(), "1 passed, 1 failed, 0 skipped\n") {
		t.Errorf("stdout:\n%s", out.String())
	}
	for _, f := range []string{"j.xml", "r.json"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	out.Reset()
	code = Main(context.Background(), []string{"--url", srv.URL + "/scim/v2", "--run", "^disc-spc-200$"}, &out, io.Discard)
	if code != 0 {
		t.Errorf("all-pass run: exit %d\n%s", code, out.String())
	}
}

func TestRunSubtests(t *testing.T) {
	srv := fakeServer(t, "tok", fakeSPC(false, false), nil)
	// Only checks that pass or skip against the fake server, so that this
	// test itself passes while exercising Run's subtests.
	Run(t, Target{URL: srv.URL + "/scim/v2", Token: "tok", Run: "^(disc-spc-200|auth-no-token-401|users-get-404|patch-add-path)$"})
}

func TestNoAssertionIsAFailure(t *testing.T) {
	e, err := newEnv(Target{URL: "http://127.0.0.1:1/x"})
	if err != nil {
		t.Fatal(err)
	}
	res := e.runCheck(context.Background(), &Check{ID: "x-y", Title: "t", Section: "RFC 1", Profiles: rfc, run: func(*tc) {}})
	if res.Status != Fail {
		t.Errorf("a check asserting nothing must fail, got %s", res.Status)
	}
}

func TestQuote(t *testing.T) {
	if got := quote(`a "b" \ & <`); got != `"a \"b\" \\ & <"` {
		t.Errorf("quote: %s", got)
	}
}
