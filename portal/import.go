package portal

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// The import pages (seed 003, issue 14): the template, an upload that is
// validated (every problem with its row and column) or started as a job,
// and the job's page with its progress, Stop, per-row results and the
// failed rows as a CSV to fix and import again. Every call is the account
// layer's import engine, the same the admin API and `scimd import` use.

type importData struct {
	// Problems are the file's problems after a validation or a refused
	// start; Valid says a validation found none (Rows data rows).
	Problems []account.Problem
	Valid    bool
	Rows     int
	FileName string
	Opts     account.ImportOptions
	Jobs     []store.ImportJob
}

// importPage is GET /portal/import: the form and the latest jobs.
func (p *Portal) importPage(w http.ResponseWriter, r *http.Request, m *me) {
	p.renderImport(w, r, m, http.StatusOK, importData{Opts: account.ImportOptions{State: store.StateActive, Passwords: account.PasswordsToUsers}}, "")
}

func (p *Portal) renderImport(w http.ResponseWriter, r *http.Request, m *me, status int, d importData, errMsg string) {
	jobs, err := p.acct.ImportJobs(r.Context(), m.Actor, m.tenant(), 10)
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	d.Jobs = jobs
	v := view{Title: "Import users", Me: m, Nav: "import", Error: errMsg, Data: d}
	p.flash(w, r, &v)
	p.page(w, r, status, "import", v)
}

// importTemplate is GET /portal/import/template.csv.
func (p *Portal) importTemplate(w http.ResponseWriter, r *http.Request, m *me) {
	// Only those who may import get it, like the rest of the pages.
	if _, err := p.acct.ImportJobs(r.Context(), m.Actor, m.tenant(), 1); err != nil {
		p.fail(w, r, m, err)
		return
	}
	csvFile(w, "users-import-template.csv", account.ImportTemplate())
}

func csvFile(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(b)
}

// importPost is POST /portal/import (multipart): op=validate checks the
// file, op=start validates and starts the job, then shows its page.
func (p *Portal) importPost(w http.ResponseWriter, r *http.Request, m *me) {
	name, data, err := uploaded(w, r)
	// The options are read after the upload, whose parse is bounded.
	d := importData{Opts: account.ImportOptions{State: r.FormValue("state"), Passwords: r.FormValue("passwords"),
		Address: strings.TrimSpace(r.FormValue("address"))}}
	if err != nil {
		p.renderImport(w, r, m, http.StatusBadRequest, d, err.Error())
		return
	}
	d.FileName = name
	if d.Opts.Passwords != account.PasswordsToAddress {
		d.Opts.Address = ""
	}
	if r.FormValue("op") == "start" {
		job, err := p.acct.StartImport(r.Context(), m.Actor, m.tenant(), name, data, d.Opts)
		if err == nil {
			p.back(w, r, Prefix+"/import/"+job.ID, fmt.Sprintf("The import of %s is started: %d rows.", name, job.Total), "")
			return
		}
		status, msg := p.describe(r, err)
		d.Problems = account.ProblemsOf(err)
		p.renderImport(w, r, m, status, d, msg)
		return
	}
	f, err := p.acct.ValidateImport(r.Context(), m.Actor, m.tenant(), name, data)
	if err != nil {
		status, msg := p.describe(r, err)
		d.Problems = account.ProblemsOf(err)
		p.renderImport(w, r, m, status, d, msg)
		return
	}
	d.Valid, d.Rows = true, len(f.Rows)
	p.renderImport(w, r, m, http.StatusOK, d, "")
}

// uploaded reads the form's file, at most the import limit.
func uploaded(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	tooBig := fmt.Errorf("The file is larger than %d MB, the limit of an import: split it and import the parts.", account.MaxImportBytes>>20)
	r.Body = http.MaxBytesReader(w, r.Body, account.MaxImportBytes+1<<16)
	if r.ContentLength > account.MaxImportBytes+1<<16 {
		r.Form = url.Values{}
		return "", nil, tooBig
	}
	if err := r.ParseMultipartForm(account.MaxImportBytes + 1<<16); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return "", nil, tooBig
		}
		return "", nil, errors.New("Choose a CSV file to upload.")
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return "", nil, errors.New("Choose a CSV file to upload.")
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, account.MaxImportBytes+1))
	if err != nil {
		return "", nil, errors.New("The upload was cut off: try again.")
	}
	if len(data) > account.MaxImportBytes {
		return "", nil, tooBig
	}
	return limit(hdr.Filename, 200), data, nil
}

type importJobData struct {
	Job     store.ImportJob
	Results []account.ImportResult
	// Live is true while the job may still change (the page refreshes).
	Live bool
	Done int
}

// importJob is GET /portal/import/{id}: state, counts, progress, results.
func (p *Portal) importJob(w http.ResponseWriter, r *http.Request, m *me) {
	job, results, err := p.acct.ImportResults(r.Context(), m.Actor, m.tenant(), r.PathValue("id"))
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	live := job.State == store.ImportQueued || job.State == store.ImportRunning || job.State == store.ImportStopping
	d := importJobData{Job: job, Results: results, Live: live, Done: job.Created + job.Failed}
	v := view{Title: "Import " + job.FileName, Me: m, Nav: "import", Data: d}
	p.flash(w, r, &v)
	p.page(w, r, http.StatusOK, "importjob", v)
}

// importStop is POST /portal/import/{id}/stop.
func (p *Portal) importStop(w http.ResponseWriter, r *http.Request, m *me) {
	id := r.PathValue("id")
	_, err := p.acct.StopImport(r.Context(), m.Actor, m.tenant(), id)
	if account.KindOf(err) == account.NotFound {
		p.fail(w, r, m, err)
		return
	}
	p.done(w, r, Prefix+"/import/"+id, "The import is stopping: no further users are created.", err)
}

// importFailed is GET /portal/import/{id}/failed.csv: the rows not
// created, in the template's format.
func (p *Portal) importFailed(w http.ResponseWriter, r *http.Request, m *me) {
	b, err := p.acct.FailedRowsCSV(r.Context(), m.Actor, m.tenant(), r.PathValue("id"))
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	csvFile(w, "failed-rows.csv", b)
}
