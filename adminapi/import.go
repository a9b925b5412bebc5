package adminapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// The CSV user import (seed 003) over the admin API: the template, a
// validation without importing, the job's start, status, Stop, results and
// failed rows. A file is sent either as the raw body (Content-Type
// text/csv, options in the query) or as multipart/form-data with a part
// "file" and the options as fields (what the portal's upload form sends).

// MaxImportBodyBytes bounds the body of an import upload: the file's limit
// and room for the multipart framing.
const MaxImportBodyBytes = account.MaxImportBytes + 64<<10

// importPath is where the import endpoints live (their bodies may be
// larger than MaxBodyBytes).
const importPath = Prefix + "/import/"

// importQuery are the options of an upload given in the query.
var importQuery = []string{"name", "state", "passwords", "address"}

// bodyLimit is the most a request to path may send.
func bodyLimit(path string) int64 {
	if strings.HasPrefix(path, importPath) {
		return MaxImportBodyBytes
	}
	return MaxBodyBytes
}

// jobDoc is an import job with its progress.
type jobDoc struct {
	ID         string     `json:"id"`
	State      string     `json:"state"`
	FileName   string     `json:"fileName"`
	Total      int        `json:"total"`
	Created    int        `json:"created"`
	Failed     int        `json:"failed"`
	Pending    int        `json:"pending"`
	Progress   int        `json:"progress"` // percent of rows done
	StartedBy  string     `json:"startedBy"`
	CreatedAt  time.Time  `json:"createdAt"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
}

func toJobDoc(j store.ImportJob) jobDoc {
	d := jobDoc{ID: j.ID, State: j.State, FileName: j.FileName, Total: j.Total, Created: j.Created, Failed: j.Failed,
		Pending: j.Total - j.Created - j.Failed, StartedBy: j.StartedBy, CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt}
	if j.Total > 0 {
		d.Progress = 100 * (j.Created + j.Failed) / j.Total
	}
	return d
}

func (a *API) importTemplate(w http.ResponseWriter, r *http.Request, s *session) error {
	writeCSV(w, "users-template.csv", account.ImportTemplate())
	return nil
}

func writeCSV(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// upload is a file sent to an import endpoint and its options.
type upload struct {
	name string
	data []byte
	opts account.ImportOptions
}

// readUpload reads the file and options of a raw or multipart body.
func readUpload(r *http.Request) (upload, error) {
	up := upload{name: "users.csv"}
	q := r.URL.Query()
	field := func(k string) string { return q.Get(k) }
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch {
	case ct == "multipart/form-data":
		var form *multipart.Form
		mr := multipart.NewReader(r.Body, params["boundary"])
		if form, err = mr.ReadForm(MaxImportBodyBytes); err != nil {
			return up, readErr(err, "the multipart body cannot be read")
		}
		defer form.RemoveAll()
		files := form.File["file"]
		if len(files) != 1 {
			return up, invalid("file", "send the CSV file as one form part named \"file\"")
		}
		if files[0].Filename != "" {
			up.name = files[0].Filename
		}
		f, err := files[0].Open()
		if err != nil {
			return up, invalid("file", "the uploaded file cannot be read")
		}
		defer f.Close()
		if up.data, err = io.ReadAll(io.LimitReader(f, account.MaxImportBytes+1)); err != nil {
			return up, invalid("file", "the uploaded file cannot be read")
		}
		field = func(k string) string {
			if v := form.Value[k]; len(v) > 0 {
				return v[0]
			}
			return q.Get(k)
		}
	case ct == "" || ct == "text/csv" || ct == "application/csv" || ct == "text/plain" || ct == "application/octet-stream" ||
		ct == "application/vnd.ms-excel" || strings.HasPrefix(ct, "application/vnd.openxmlformats"):
		// Spreadsheet media types are read too, so that the answer says
		// the file is not CSV rather than that its type is wrong.
		if up.data, err = io.ReadAll(r.Body); err != nil {
			return up, readErr(err, "the body cannot be read")
		}
	default:
		return up, &httpError{status: http.StatusUnsupportedMediaType, code: account.Invalid.String(),
			msg: "send the CSV file as the body (Content-Type text/csv) or as multipart/form-data with a part \"file\""}
	}
	if n := field("name"); n != "" {
		up.name = n
	}
	if !validText(up.name) || len(up.name) > 255 {
		return up, invalid("name", "the file name must be UTF-8 text of at most 255 bytes")
	}
	up.opts = account.ImportOptions{State: field("state"), Passwords: field("passwords"), Address: field("address")}
	return up, nil
}

func readErr(err error, msg string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, multipart.ErrMessageTooLarge) {
		return &httpError{status: http.StatusRequestEntityTooLarge, code: account.Invalid.String(),
			msg: "the upload is larger than an import file may be (2 MB): split the file"}
	}
	return invalid("file", "%s", msg)
}

// validateImport checks a file and reports every problem, importing
// nothing: 200 with valid true, or valid false and the problems.
func (a *API) validateImport(w http.ResponseWriter, r *http.Request, s *session) error {
	up, err := readUpload(r)
	if err != nil {
		return err
	}
	f, err := a.acct.ValidateImport(r.Context(), s.actor, s.tenant(), up.name, up.data)
	if ps := account.ProblemsOf(err); ps != nil {
		writeJSON(w, http.StatusOK, map[string]any{"valid": false, "problems": ps})
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"valid": true, "rows": len(f.Rows), "problems": []account.Problem{}})
	return nil
}

// startImport validates a file and starts its job: 202 with the job and
// its Location; 400 with every problem; 409 while another import runs.
func (a *API) startImport(w http.ResponseWriter, r *http.Request, s *session) error {
	up, err := readUpload(r)
	if err != nil {
		return err
	}
	j, err := a.acct.StartImport(r.Context(), s.actor, s.tenant(), up.name, up.data, up.opts)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/import/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, toJobDoc(j))
	return nil
}

func (a *API) listImports(w http.ResponseWriter, r *http.Request, s *session) error {
	jobs, err := a.acct.ImportJobs(r.Context(), s.actor, s.tenant(), 100)
	if err != nil {
		return err
	}
	all := make([]jobDoc, len(jobs))
	for i, j := range jobs {
		all[i] = toJobDoc(j)
	}
	l, err := page(r, all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) getImport(w http.ResponseWriter, r *http.Request, s *session) error {
	j, err := a.acct.ImportJob(r.Context(), s.actor, s.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toJobDoc(j))
	return nil
}

func (a *API) stopImport(w http.ResponseWriter, r *http.Request, s *session) error {
	j, err := a.acct.StopImport(r.Context(), s.actor, s.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toJobDoc(j))
	return nil
}

func (a *API) importResults(w http.ResponseWriter, r *http.Request, s *session) error {
	j, res, err := a.acct.ImportResults(r.Context(), s.actor, s.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"job": toJobDoc(j), "rows": res})
	return nil
}

func (a *API) failedRows(w http.ResponseWriter, r *http.Request, s *session) error {
	b, err := a.acct.FailedRowsCSV(r.Context(), s.actor, s.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeCSV(w, "failed-rows.csv", bytes.Clone(b))
	return nil
}
