package account

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/scimd/scimd/store"
)

// importWorkers is how many batches of one job are written at once, and
// importBatch how many rows one batch (one transaction) holds: each row is
// all or nothing in its savepoint, and a batch saves the commits (a WAL
// flush each) of one-row transactions. It stays under 64: see
// store/sqlstore.Savepoint.
const (
	importWorkers = 4
	importBatch   = 25
)

// importPoll is how often a running job looks for a Stop made through
// another server.
const importPoll = 250 * time.Millisecond

// launchImport runs a job in the background unless this process runs it
// already.
func (s *Service) launchImport(j store.ImportJob) {
	rj, ok := s.imports.add(j.ID)
	if !ok {
		return
	}
	go func() {
		defer s.imports.remove(j.ID)
		if err := s.runImport(context.Background(), j, rj); err != nil {
			// The job stays running in the database: the next start of a
			// server resumes it or marks it interrupted.
			s.log.Error("import stopped by an error", "tenant", j.TenantID, "job", j.ID, "err", err)
		}
	}()
}

// runImport creates the pending rows' users, importWorkers at a time, and
// ends the job done (also after a Stop).
func (s *Service) runImport(ctx context.Context, j store.ImportJob, rj *runningJob) error {
	var rec jobRecord
	if err := json.Unmarshal([]byte(j.Options), &rec); err != nil {
		return fmt.Errorf("job options: %w", err)
	}
	if _, err := s.st.SetImportState(ctx, j.TenantID, j.ID, store.ImportRunning, store.ImportQueued, store.ImportRunning); err != nil {
		if KindOf(err) == Precondition { // stopped before it began
			_, err = s.st.SetImportState(ctx, j.TenantID, j.ID, store.ImportDone, store.ImportStopping)
		}
		if KindOf(err) == Precondition {
			return nil
		}
		return err
	}
	rows, err := s.st.ImportRows(ctx, j.TenantID, j.ID, store.RowPending)
	if err != nil {
		return err
	}
	l, err := s.importLookups(ctx, j.TenantID)
	if err != nil {
		return err
	}
	f := fileOf(j)
	a := Actor{Kind: ActorJob, ID: j.ID, Name: "import of " + j.FileName + " by " + rec.Actor.Name, TenantID: j.TenantID,
		Authority: orDefault(rec.Actor.Authority, store.AuthorityOperator), RequestID: rec.Actor.RequestID}
	if rec.Actor.isMember() {
		a.UserID, a.Authority = rec.Actor.member(), rec.Actor.Authority
	}
	pollCtx, endPoll := context.WithCancel(ctx)
	defer endPoll()
	go s.pollStop(pollCtx, j, rj)

	next := make(chan []store.ImportRow)
	var wg sync.WaitGroup
	var fatal error
	var once sync.Once
	for range importWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range next {
				if err := s.importRows(ctx, a, j, f, l, rec.Options, batch, rj); err != nil {
					once.Do(func() { fatal = err })
				}
			}
		}()
	}
feed:
	for start := 0; start < len(rows); start += importBatch {
		select {
		case <-rj.stopped:
			break feed
		case next <- rows[start:min(start+importBatch, len(rows))]:
		}
	}
	close(next)
	wg.Wait()
	if fatal != nil {
		return fatal
	}
	_, err = s.st.SetImportState(ctx, j.TenantID, j.ID, store.ImportDone, store.ImportRunning, store.ImportStopping)
	if KindOf(err) == Precondition {
		return nil // marked interrupted meanwhile
	}
	return err
}

// importHeartbeat is how often a running job moves its updated_at, and
// importStale how long without that makes it abandoned (its process went
// away): StartImport takes the tenant's slot from an abandoned job, and
// ResumeStaleImports runs it on.
const (
	importHeartbeat = 2 * time.Second
	importStale     = 30 * time.Second
)

// pollStop notices a Stop made through another server, and beats the
// job's heartbeat.
func (s *Service) pollStop(ctx context.Context, j store.ImportJob, rj *runningJob) {
	t := time.NewTicker(importPoll)
	defer t.Stop()
	beat := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-rj.stopped:
			return
		case <-t.C:
			cur, err := s.st.GetImportJob(ctx, j.TenantID, j.ID)
			if err == nil && cur.State != store.ImportRunning && cur.State != store.ImportQueued {
				s.imports.stop(j.ID)
				return
			}
			if err == nil && time.Since(beat) >= importHeartbeat {
				beat = time.Now()
				// From the state just read only: a Stop in between wins.
				s.st.SetImportState(ctx, j.TenantID, j.ID, cur.State, cur.State)
			}
		}
	}
}

// abandoned reports whether a job of another process has stopped beating.
func (s *Service) abandoned(j store.ImportJob, staleAfter time.Duration) bool {
	return !s.imports.has(j.ID) && time.Since(j.UpdatedAt) > staleAfter
}

// importRows creates a batch of rows' users, each with its row's result
// and password mail in its savepoint, then records the rows refused. It
// returns an error only when the job cannot go on (the database is gone).
func (s *Service) importRows(ctx context.Context, a Actor, j store.ImportJob, f *ImportFile, l *importLookups,
	opts ImportOptions, rows []store.ImportRow, rj *runningJob) error {
	batch := make([]*batchUser, len(rows))
	stopped := func() bool {
		select {
		case <-rj.stopped:
			return true
		default:
			return false
		}
	}
	var inputErr []error
	for i, r := range rows {
		in, err := importInput(f, ImportRecord{Row: r.Row, Values: r.Values}, l, j.TenantID, opts.State)
		inputErr = append(inputErr, err)
		b := &batchUser{in: in, skip: stopped}
		batch[i] = b
		if err != nil {
			continue
		}
		pw := ""
		if opts.Passwords != PasswordsNone {
			pw = temporaryPassword()
			in.User.PasswordHash = tempHash(pw)
		}
		b.within = func(tx store.Tx, u *store.User) error {
			if err := tx.FinishImportRow(ctx, j.TenantID, j.ID, r.Row, store.RowCreated, u.ID, ""); err != nil {
				return err
			}
			if pw == "" {
				return nil
			}
			to := u.UserName
			if opts.Passwords == PasswordsToAddress {
				to = opts.Address
			}
			return tx.QueueMail(ctx, passwordMail(j.TenantID, to, u, pw, s.cfg.PublicURL+"/portal/"))
		}
	}
	var err error
	for attempt := 0; ; attempt++ {
		var todo []*batchUser
		for i, b := range batch {
			if inputErr[i] == nil {
				todo = append(todo, b)
			}
		}
		err = s.createUsers(ctx, a, j.TenantID, todo)
		if err == nil || KindOf(err) != Unavailable || attempt == 2 {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 500 * time.Millisecond)
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	type failure struct {
		row    int
		reason string
	}
	var failed []failure
	for i, b := range batch {
		e := inputErr[i]
		if e == nil {
			e = b.err
		}
		switch {
		case e == nil, errors.Is(e, errSkipped):
		case errors.Is(e, store.ErrPrecondition):
			// The row was done already (by a server that resumed the job too).
		default:
			failed = append(failed, failure{rows[i].Row, s.rowReason(ctx, j.TenantID, b.in, e)})
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return s.st.InTx(ctx, func(tx store.Tx) error {
		for _, fl := range failed {
			err := tx.FinishImportRow(ctx, j.TenantID, j.ID, fl.row, store.RowFailed, "", fl.reason)
			if err != nil && !errors.Is(err, store.ErrPrecondition) {
				return err
			}
		}
		return nil
	})
}

// rowReason says why a row's user was not created; a userName taken says
// by whom (importing a file again says which rows exist).
func (s *Service) rowReason(ctx context.Context, tenantID string, in UserInput, err error) string {
	var ce *store.ConflictError
	if errors.As(err, &ce) && ce.Field == "userName" && in.User != nil {
		if u, ferr := s.st.Reader().FindUser(ctx, tenantID, in.User.UserName); ferr == nil {
			return fmt.Sprintf("the user exists already: %s is the userName of user %s", in.User.UserName, u.ID)
		}
		return fmt.Sprintf("the user exists already: %s is taken", in.User.UserName)
	}
	msg, _, _ := Describe(err)
	if msg == "" {
		s.log.Error("import row failed", "tenant", tenantID, "err", err)
		return "internal error: import this row again later"
	}
	return msg
}

// passwordAlphabet leaves out characters easily misread (0 O 1 l I).
const passwordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

// temporaryPassword is 16 random characters meeting the password policy.
func temporaryPassword() string {
	// Bytes at or above the largest multiple of the alphabet's size are
	// drawn again, so that every character is equally likely.
	limit := byte(256 - 256%len(passwordAlphabet))
	for {
		out := make([]byte, 0, 16)
		buf := make([]byte, 32)
		for len(out) < 16 {
			rand.Read(buf)
			for _, c := range buf {
				if c < limit && len(out) < 16 {
					out = append(out, passwordAlphabet[int(c)%len(passwordAlphabet)])
				}
			}
		}
		if CheckPassword(string(out)) == nil {
			return string(out)
		}
	}
}

func csvWriter(w io.Writer) *csv.Writer { return csv.NewWriter(w) }
