package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/scimd/scimd/store"
)

// The import job (seed 003): one per tenant at a time, in the database,
// creating each row's user through createUser (every rule, the audit
// record) with the row's result and its password mail in the same
// transaction. A server that restarts resumes the job or marks it
// interrupted; a row is never created twice.
//
// Every way in uses the same calls: ImportTemplate, ValidateImport (the
// report of every problem, ProblemsOf), StartImport, ImportJob and
// ImportJobs (state, counts, for a progress bar), StopImport,
// ImportResults (per row) and FailedRowsCSV; the server calls
// ResumeImports at start and ResumeStaleImports periodically.

// Password delivery of an import.
const (
	PasswordsToUsers   = "users"   // to each user's email address
	PasswordsToAddress = "address" // to one address, one mail per user
	PasswordsNone      = "none"    // not sent: the administrator resets them later
)

// ImportOptions are an import's settings.
type ImportOptions struct {
	// State of the imported users: store.StateActive (default) or
	// store.StateInvited.
	State string `json:"state"`
	// Passwords says where the temporary passwords go (PasswordsToUsers
	// by default); Address is the one address of PasswordsToAddress.
	Passwords string `json:"passwords"`
	Address   string `json:"address,omitempty"`
}

func (o *ImportOptions) check() error {
	switch o.State {
	case "":
		o.State = store.StateActive
	case store.StateActive, store.StateInvited:
	default:
		return invalid("state", "imported users start %q or %q, not %q", store.StateActive, store.StateInvited, o.State)
	}
	switch o.Passwords {
	case "":
		o.Passwords = PasswordsToUsers
	case PasswordsToUsers, PasswordsNone:
	case PasswordsToAddress:
		addr, err := CheckEmail(o.Address)
		if err != nil {
			return invalid("address", "the address to send the passwords to is not an email address")
		}
		o.Address = addr
	default:
		return invalid("passwords", "passwords are sent to %q, %q or %q, not %q", PasswordsToUsers, PasswordsToAddress, PasswordsNone, o.Passwords)
	}
	return nil
}

// jobRecord is what a job keeps in its Options column: the options and
// the actor it acts as, so that a resumed job has the same authority.
type jobRecord struct {
	Options ImportOptions `json:"options"`
	Actor   Actor         `json:"actor"`
}

// ImportProblems is the cause of an Invalid error of an import file:
// every problem found.
type ImportProblems struct{ Problems []Problem }

// Error counts the problems (the edges list them with ProblemsOf).
func (p *ImportProblems) Error() string { return fmt.Sprintf("%d problems", len(p.Problems)) }

// ProblemsOf returns the problems of an import file refused by
// ValidateImport or StartImport, nil for any other error.
func ProblemsOf(err error) []Problem {
	var p *ImportProblems
	if errors.As(err, &p) {
		return p.Problems
	}
	return nil
}

func problemsError(ps []Problem) error {
	msg := fmt.Sprintf("the file has %d problems; fix them and upload it again. First: %s", len(ps), ps[0])
	if len(ps) == 1 {
		msg = "the file has a problem; fix it and upload it again: " + ps[0].String()
	}
	return &Error{Kind: Invalid, Field: "file", Message: msg, Err: &ImportProblems{Problems: ps}}
}

// importAuth refuses an actor that may not manage users.
func (s *Service) importAuth(ctx context.Context, a Actor, tenantID string) error {
	if err := checkTenant(a, tenantID); err != nil {
		return err
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return err
	}
	au, err := s.authorityOf(ctx, s.st.Reader(), a, tenantID, cat)
	if err != nil {
		return err
	}
	if au.actor.isMember() {
		return au.require(PermUsersManage, "", "importing users")
	}
	if au.level < levelAdmin {
		return forbidden("importing users needs an administrator's authority")
	}
	return nil
}

// ValidateImport reads and checks a file without importing anything: a
// file with problems is an Invalid error whose ProblemsOf lists them all.
func (s *Service) ValidateImport(ctx context.Context, a Actor, tenantID, name string, data []byte) (*ImportFile, error) {
	if err := s.importAuth(ctx, a, tenantID); err != nil {
		return nil, err
	}
	f, problems := ParseImport(name, data)
	if f != nil {
		more, err := s.CheckImport(ctx, a, tenantID, f)
		if err != nil {
			return nil, err
		}
		problems = append(problems, more...)
	}
	if len(problems) > 0 {
		return nil, problemsError(problems)
	}
	return f, nil
}

// StartImport validates a file and, if it has no problems, starts its job:
// queued, then running in the background. A tenant runs one import at a
// time: another start is a Conflict naming the running job.
func (s *Service) StartImport(ctx context.Context, a Actor, tenantID, name string, data []byte, opts ImportOptions) (store.ImportJob, error) {
	if err := opts.check(); err != nil {
		return store.ImportJob{}, err
	}
	f, err := s.ValidateImport(ctx, a, tenantID, name, data)
	if err != nil {
		return store.ImportJob{}, err
	}
	rec := jobRecord{Options: opts, Actor: a}
	raw, _ := json.Marshal(rec)
	job := store.ImportJob{TenantID: tenantID, State: store.ImportQueued, FileName: name, Options: string(raw),
		Header: f.Header, StartedBy: a.Name}
	rows := make([]store.ImportRow, len(f.Rows))
	for i, r := range f.Rows {
		rows[i] = store.ImportRow{Row: r.Row, Values: r.Values}
	}
	err = s.st.CreateImportJob(ctx, &job, rows)
	var ce *store.ConflictError
	if errors.As(err, &ce) && ce.Holder != "" {
		// A job whose process went away (a scimd import interrupted, a
		// server gone) gives up the slot: it is marked interrupted.
		if held, gerr := s.st.GetImportJob(ctx, tenantID, ce.Holder); gerr == nil && s.abandoned(held, importStale) {
			if _, serr := s.st.SetImportState(ctx, tenantID, held.ID, store.ImportInterrupted, store.ImportActive...); serr == nil {
				s.log.Info("import abandoned by its process marked interrupted", "tenant", tenantID, "job", held.ID)
			}
			err = s.st.CreateImportJob(ctx, &job, rows)
		}
	}
	if err != nil {
		if errors.As(err, &ce) {
			return job, conflict("import", ce.Holder, "an import is already running for this tenant (job %s): wait for it to finish or stop it", ce.Holder)
		}
		return job, err
	}
	s.launchImport(job)
	return job, nil
}

// ImportJob returns a tenant's import job with its counts; id "" is the
// newest.
func (s *Service) ImportJob(ctx context.Context, a Actor, tenantID, id string) (store.ImportJob, error) {
	if err := s.importAuth(ctx, a, tenantID); err != nil {
		return store.ImportJob{}, err
	}
	if id == "" {
		jobs, err := s.st.ImportJobs(ctx, tenantID, 1)
		if err != nil {
			return store.ImportJob{}, err
		}
		if len(jobs) == 0 {
			return store.ImportJob{}, notFound("this tenant has no import yet")
		}
		return jobs[0], nil
	}
	j, err := s.st.GetImportJob(ctx, tenantID, id)
	if KindOf(err) == NotFound {
		return j, notFound("no import job %q in this tenant", id)
	}
	return j, err
}

// ImportJobs lists a tenant's imports, newest first.
func (s *Service) ImportJobs(ctx context.Context, a Actor, tenantID string, limit int) ([]store.ImportJob, error) {
	if err := s.importAuth(ctx, a, tenantID); err != nil {
		return nil, err
	}
	return s.st.ImportJobs(ctx, tenantID, limit)
}

// ImportResult is one row's outcome.
type ImportResult struct {
	Row         int    `json:"row"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email"`
	// Status is "created", "not created" or "pending" (still to come).
	Status string `json:"status"`
	UserID string `json:"userId,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// ImportResults lists each row's result: created with the user's id, or
// not created with the reason.
func (s *Service) ImportResults(ctx context.Context, a Actor, tenantID, id string) (store.ImportJob, []ImportResult, error) {
	j, err := s.ImportJob(ctx, a, tenantID, id)
	if err != nil {
		return j, nil, err
	}
	rows, err := s.st.ImportRows(ctx, tenantID, j.ID, "")
	if err != nil {
		return j, nil, err
	}
	f := fileOf(j)
	out := make([]ImportResult, len(rows))
	for i, r := range rows {
		rec := ImportRecord{Row: r.Row, Values: r.Values}
		res := ImportResult{Row: r.Row, DisplayName: f.Get(rec, ColDisplayName), Email: f.Get(rec, ColEmail), UserID: r.UserID, Reason: r.Reason}
		switch {
		case r.State == store.RowCreated:
			res.Status = "created"
		case r.State == store.RowFailed:
			res.Status = "not created"
		case j.State == store.ImportDone: // a pending row of a done job: it was stopped
			res.Status, res.Reason = "not created", "the import was stopped before this row"
		case j.State == store.ImportInterrupted:
			res.Status, res.Reason = "not created", "the import was interrupted before this row"
		default:
			res.Status = "pending"
		}
		out[i] = res
	}
	return j, out, nil
}

// FailedRowsCSV returns the rows not created, in the template's format
// (all its columns, in its order), to fix and import again.
func (s *Service) FailedRowsCSV(ctx context.Context, a Actor, tenantID, id string) ([]byte, error) {
	j, err := s.ImportJob(ctx, a, tenantID, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.st.ImportRows(ctx, tenantID, j.ID, "")
	if err != nil {
		return nil, err
	}
	f := fileOf(j)
	var recs [][]string
	for _, r := range rows {
		if r.State == store.RowCreated || (r.State == store.RowPending && (j.State != store.ImportDone && j.State != store.ImportInterrupted)) {
			continue
		}
		rec := ImportRecord{Row: r.Row, Values: r.Values}
		line := make([]string, len(ImportColumns))
		for i, c := range ImportColumns {
			line[i] = f.Get(rec, c)
		}
		recs = append(recs, line)
	}
	return writeCSV(ImportColumns, recs), nil
}

// StopImport stops a job: no further users are created (those being
// created finish), and the job ends done. It cannot be resumed.
func (s *Service) StopImport(ctx context.Context, a Actor, tenantID, id string) (store.ImportJob, error) {
	if err := s.importAuth(ctx, a, tenantID); err != nil {
		return store.ImportJob{}, err
	}
	j, err := s.st.SetImportState(ctx, tenantID, id, store.ImportStopping, store.ImportQueued, store.ImportRunning)
	switch KindOf(err) {
	case NotFound:
		return j, notFound("no import job %q in this tenant", id)
	case Precondition:
		if j.State == store.ImportStopping {
			return j, nil
		}
		return j, errorf(Conflict, "state", "the import is %s already: there is nothing to stop", j.State)
	}
	if err != nil {
		return j, err
	}
	s.imports.stop(id)
	return j, nil
}

// ResumeImports deals with the jobs a previous server left unfinished:
// with resume it runs them on (their pending rows only), else it marks
// them interrupted (their rows not yet created are reported so). A job
// being stopped ends done. It returns how many jobs it handled.
func (s *Service) ResumeImports(ctx context.Context, resume bool) (int, error) {
	jobs, err := s.st.UnfinishedImports(ctx)
	if err != nil {
		return 0, err
	}
	for _, j := range jobs {
		switch {
		case s.imports.has(j.ID):
			continue // this process runs it
		case j.State == store.ImportStopping:
			_, err = s.st.SetImportState(ctx, j.TenantID, j.ID, store.ImportDone, store.ImportStopping)
		case resume:
			s.launchImport(j)
		default:
			_, err = s.st.SetImportState(ctx, j.TenantID, j.ID, store.ImportInterrupted, store.ImportActive...)
			s.log.Info("import interrupted by a restart", "tenant", j.TenantID, "job", j.ID)
		}
		if err != nil && KindOf(err) != Precondition {
			return 0, err
		}
	}
	return len(jobs), nil
}

// ResumeStaleImports runs on the unfinished jobs whose process has gone
// away (no heartbeat for staleAfter; importStale when zero), as a
// server's periodic sweep: a job another live process runs is left
// alone. It returns how many it resumed.
func (s *Service) ResumeStaleImports(ctx context.Context, staleAfter time.Duration) (int, error) {
	if staleAfter == 0 {
		staleAfter = importStale
	}
	jobs, err := s.st.UnfinishedImports(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, j := range jobs {
		if !s.abandoned(j, staleAfter) {
			continue
		}
		if j.State == store.ImportStopping {
			s.st.SetImportState(ctx, j.TenantID, j.ID, store.ImportDone, store.ImportStopping)
			continue
		}
		s.log.Info("resuming an import its process abandoned", "tenant", j.TenantID, "job", j.ID)
		s.launchImport(j)
		n++
	}
	return n, nil
}

// WaitImport waits until a job this process runs has ended (at once for
// one it does not run) and returns it.
func (s *Service) WaitImport(ctx context.Context, tenantID, id string) (store.ImportJob, error) {
	if done := s.imports.doneChan(id); done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return store.ImportJob{}, ctx.Err()
		}
	}
	return s.st.GetImportJob(ctx, tenantID, id)
}

// fileOf rebuilds the header index of a job's file.
func fileOf(j store.ImportJob) *ImportFile {
	f := &ImportFile{Name: j.FileName, Header: j.Header, index: map[string]int{}}
	for i, c := range j.Header {
		if c != "" {
			if _, dup := f.index[c]; !dup {
				f.index[c] = i
			}
		}
	}
	return f
}

// importRunner tracks the jobs this process runs.
type importRunner struct {
	mu   sync.Mutex
	jobs map[string]*runningJob
}

type runningJob struct {
	stopOnce sync.Once
	stopped  chan struct{}
	done     chan struct{}
}

func (r *importRunner) add(id string) (*runningJob, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.jobs == nil {
		r.jobs = map[string]*runningJob{}
	}
	if _, ok := r.jobs[id]; ok {
		return nil, false
	}
	rj := &runningJob{stopped: make(chan struct{}), done: make(chan struct{})}
	r.jobs[id] = rj
	return rj, true
}

func (r *importRunner) remove(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rj, ok := r.jobs[id]; ok {
		close(rj.done)
		delete(r.jobs, id)
	}
}

func (r *importRunner) get(id string) *runningJob {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.jobs[id]
}

func (r *importRunner) has(id string) bool { return r.get(id) != nil }

func (r *importRunner) stop(id string) {
	if rj := r.get(id); rj != nil {
		rj.stopOnce.Do(func() { close(rj.stopped) })
	}
}

func (r *importRunner) doneChan(id string) chan struct{} {
	if rj := r.get(id); rj != nil {
		return rj.done
	}
	return nil
}

func writeCSV(header []string, recs [][]string) []byte {
	var b strings.Builder
	w := csvWriter(&b)
	w.Write(header)
	w.WriteAll(recs)
	return []byte(b.String())
}
