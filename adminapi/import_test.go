package adminapi_test

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

const csvType = "text/csv"

// waitJob polls a job until it has ended (for up to 30 s: the machine
// may be busy).
func (c client) waitJob(id string) map[string]any {
	c.e.t.Helper()
	for range 1500 {
		j := c.get("/api/v1/import/jobs/" + id).want(200).obj()
		if j["state"] == store.ImportDone || j["state"] == store.ImportInterrupted {
			return j
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.e.t.Fatalf("job %s did not end", id)
	return nil
}

func TestImportAPI(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		c := e.ownerc()
		tpl := c.get("/api/v1/import/template.csv").want(200)
		if !strings.HasPrefix(tpl.header.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(tpl.body, []byte("Display Name,Email Address,First Name")) {
			t.Errorf("template: %s %s", tpl.header.Get("Content-Type"), tpl.body)
		}

		bad := "Display Name,Email Address\nA,not-an-email\n,b@example.com\n"
		v := c.do("POST", "/api/v1/import/validate", bad, "Content-Type", csvType).want(200).obj()
		ps, _ := v["problems"].([]any)
		if v["valid"] != false || len(ps) != 2 || ps[0].(map[string]any)["row"] != float64(2) || ps[0].(map[string]any)["column"] != "Email Address" {
			t.Errorf("validate: %v", v)
		}
		errDoc := c.do("POST", "/api/v1/import/jobs", bad, "Content-Type", csvType).wantError(400, "invalid", "2 problems")
		if list, _ := errDoc["problems"].([]any); len(list) != 2 {
			t.Errorf("start of a bad file: problems %v", errDoc["problems"])
		}
		c.do("POST", "/api/v1/import/jobs", "PK\x03\x04 a workbook", "Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").
			wantError(400, "invalid", "XLSX")
		c.do("POST", "/api/v1/import/jobs", strings.Repeat("x", 3<<20), "Content-Type", csvType).want(413)
		c.do("POST", "/api/v1/import/jobs", `{"a":1}`, "Content-Type", "application/json").want(415)

		good := "Display Name,Email Address\nAda,ada@example.com\nBob,bob@example.com\n"
		r := c.do("POST", "/api/v1/import/jobs?name=team.csv&passwords=none", good, "Content-Type", csvType).want(202)
		id, _ := r.obj()["id"].(string)
		if r.header.Get("Location") != "/api/v1/import/jobs/"+id {
			t.Errorf("Location %q", r.header.Get("Location"))
		}
		j := c.waitJob(id)
		if j["created"] != float64(2) || j["progress"] != float64(100) || j["fileName"] != "team.csv" {
			t.Errorf("job %v", j)
		}
		res := c.get("/api/v1/import/jobs/" + id + "/results").want(200).obj()
		rows, _ := res["rows"].([]any)
		if len(rows) != 2 || rows[0].(map[string]any)["status"] != "created" || rows[0].(map[string]any)["userId"] == "" {
			t.Errorf("results %v", res)
		}

		// Multipart, as the portal's form sends it; the same users again
		// are not created, and come back as failed rows.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "again.csv")
		fw.Write([]byte(good))
		mw.WriteField("passwords", "address")
		mw.WriteField("address", "it@example.com")
		mw.WriteField("state", "invited")
		mw.Close()
		r = c.do("POST", "/api/v1/import/jobs", body.Bytes(), "Content-Type", mw.FormDataContentType()).want(202)
		id2, _ := r.obj()["id"].(string)
		if j := c.waitJob(id2); j["failed"] != float64(2) || j["fileName"] != "again.csv" {
			t.Errorf("re-import: %v", j)
		}
		failed := c.get("/api/v1/import/jobs/" + id2 + "/failed.csv").want(200)
		if !bytes.Contains(failed.body, []byte("Ada,ada@example.com")) {
			t.Errorf("failed rows: %s", failed.body)
		}
		c.post("/api/v1/import/jobs/"+id2+"/stop", nil).wantError(409, "conflict", "nothing to stop")
		if items := c.get("/api/v1/import/jobs").want(200).items(); len(items) != 2 || items[0]["id"] != id2 {
			t.Errorf("jobs list: %v", items)
		}

		// One import at a time.
		held := store.ImportJob{TenantID: e.tenant, State: store.ImportRunning, Header: []string{"Display Name"}}
		if err := e.st.CreateImportJob(t.Context(), &held, nil); err != nil {
			t.Fatal(err)
		}
		c.do("POST", "/api/v1/import/jobs", good, "Content-Type", csvType).wantError(409, "conflict", "already running")
		c.post("/api/v1/import/jobs/"+held.ID+"/stop", nil).want(200)

		// Another tenant's admin sees none of it; a Team Leader may not import.
		_, _, other := e.newTenant()
		for _, p := range []string{"", "/results", "/failed.csv"} {
			e.as(other).get("/api/v1/import/jobs/"+id+p).wantError(404, "not_found")
		}
		e.as(other).post("/api/v1/import/jobs/"+held.ID+"/stop", nil).wantError(404, "not_found")
		if items := e.as(other).get("/api/v1/import/jobs").want(200).items(); len(items) != 0 {
			t.Errorf("another tenant lists %d jobs", len(items))
		}
		_, lead := e.teamLeader("lead")
		e.as(lead).do("POST", "/api/v1/import/jobs", good, "Content-Type", csvType).want(403)
	})
}
