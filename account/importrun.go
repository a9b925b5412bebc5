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

// importWorkers is how many rows of one job are created at once: each row
// is its own transaction, and overlapping their round trips to the
// database is what makes 1000 rows take about a second.
const importWorkers = 8

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

	next := make(chan store.ImportRow)
	var wg sync.WaitGroup
	var fatal error
	var once sync.Once
	for range importWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				if err := s.importRow(ctx, a, j, f, l, rec.Options, r); err != nil {
					once.Do(func() { fatal = err })
				}
			}
		}()
	}
feed:
	for _, r := range rows {
		select {
		case <-rj.stopped:
			break feed
		case next <- r:
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

// pollStop notices a Stop made through another server.
func (s *Service) pollStop(ctx context.Context, j store.ImportJob, rj *runningJob) {
	t := time.NewTicker(importPoll)
	defer t.Stop()
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
		}
	}
}

// importRow creates one row's user and records the result with it. It
// returns an error only when the job cannot go on (the database is gone).
func (s *Service) importRow(ctx context.Context, a Actor, j store.ImportJob, f *ImportFile, l *importLookups,
	opts ImportOptions, r store.ImportRow) error {
	rec := ImportRecord{Row: r.Row, Values: r.Values}
	in, err := importInput(f, rec, l, j.TenantID, opts.State)
	var pw string
	if err == nil && opts.Passwords != PasswordsNone {
		pw = temporaryPassword()
		in.User.PasswordHash = tempHash(pw)
	}
	for attempt := 0; err == nil; attempt++ {
		_, err = s.createUser(ctx, a, j.TenantID, in, func(tx store.Tx, u *store.User) error {
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
		})
		if KindOf(err) != Unavailable || attempt == 2 {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 500 * time.Millisecond)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrPrecondition):
		return nil // the row was done already (by a server that resumed the job too)
	case errors.Is(err, context.Canceled):
		return err
	}
	reason := s.rowReason(ctx, j.TenantID, in, err)
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		return tx.FinishImportRow(ctx, j.TenantID, j.ID, r.Row, store.RowFailed, "", reason)
	})
	if err != nil && !errors.Is(err, store.ErrPrecondition) {
		return err
	}
	return nil
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
