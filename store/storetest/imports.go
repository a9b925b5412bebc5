package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/scimd/scimd/store"
)

var importTests = map[string]func(t *testing.T, s store.Store){
	"CreateAndCount":          testImportCreateAndCount,
	"OneActivePerTenant":      testImportOneActive,
	"FinishRowOnce":           testImportFinishRowOnce,
	"StateTransitions":        testImportStates,
	"TenantIsolation":         testImportIsolation,
	"ConcurrentStartsOneWins": testImportConcurrentStarts,
	"Savepoint":               testSavepoint,
}

// testSavepoint: a failing savepoint rolls back its own writes only (also
// after a failed statement, which on PostgreSQL aborts the transaction
// until the rollback); the transaction's other writes commit.
func testSavepoint(t *testing.T, s store.Store) {
	tn := newTenant(t, s)
	mkUser(t, s, tn, "taken")
	c := ctx(t)
	var errs []error
	err := s.InTx(c, func(tx store.Tx) error {
		errs = errs[:0]
		for _, name := range []string{"one", "taken", "two"} {
			fnErr, err := tx.Savepoint(c, func() error {
				u := &store.User{TenantID: tn, UserName: name}
				if err := tx.InsertUser(c, u); err != nil {
					return err
				}
				if name == "two" {
					return errors.New("refused after the insert")
				}
				return nil
			})
			if err != nil {
				return err
			}
			errs = append(errs, fnErr)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || !errors.Is(errs[1], store.ErrConflict) && !isConflict(errs[1]) || errs[2] == nil {
		t.Errorf("savepoint errors %v, want nil, a conflict, the refusal", errs)
	}
	r := s.Reader()
	if _, err := r.FindUser(c, tn, "one"); err != nil {
		t.Errorf("the first user did not commit: %v", err)
	}
	if _, err := r.FindUser(c, tn, "two"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused savepoint's user exists: %v", err)
	}
}

func isConflict(err error) bool {
	var ce *store.ConflictError
	return errors.As(err, &ce)
}

func mkImport(t *testing.T, s store.Store, tenant string, n int) store.ImportJob {
	t.Helper()
	j := store.ImportJob{TenantID: tenant, State: store.ImportQueued, FileName: "users.csv", Header: []string{"Display Name", "Email Address"}}
	var rows []store.ImportRow
	for i := range n {
		rows = append(rows, store.ImportRow{Row: i + 2, Values: []string{fmt.Sprint("User ", i), fmt.Sprintf("u%d@example.com", i)}})
	}
	if err := s.CreateImportJob(ctx(t), &j, rows); err != nil {
		t.Fatalf("CreateImportJob: %v", err)
	}
	return j
}

func finishRow(s store.Store, c context.Context, tenant, job string, row int, state, user, reason string) error {
	return s.InTx(c, func(tx store.Tx) error { return tx.FinishImportRow(c, tenant, job, row, state, user, reason) })
}

func testImportCreateAndCount(t *testing.T, s store.Store) {
	tn := newTenant(t, s)
	j := mkImport(t, s, tn, 450) // more than one insert batch
	c := ctx(t)
	if err := finishRow(s, c, tn, j.ID, 2, store.RowCreated, "u-1", ""); err != nil {
		t.Fatal(err)
	}
	if err := finishRow(s, c, tn, j.ID, 3, store.RowFailed, "", "userName exists"); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetImportJob(c, tn, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 450 || got.Created != 1 || got.Failed != 1 || got.FileName != "users.csv" || len(got.Header) != 2 {
		t.Errorf("job = %+v, want 450 rows, 1 created, 1 failed", got)
	}
	failed, err := s.ImportRows(c, tn, j.ID, store.RowFailed)
	if err != nil || len(failed) != 1 || failed[0].Row != 3 || failed[0].Reason != "userName exists" || failed[0].Values[1] != "u1@example.com" {
		t.Errorf("failed rows = %+v, %v", failed, err)
	}
	all, _ := s.ImportRows(c, tn, j.ID, "")
	if len(all) != 450 || all[0].Row != 2 || all[449].Row != 451 {
		t.Errorf("rows: %d, want 450 by row number", len(all))
	}
	if jobs, _ := s.ImportJobs(c, tn, 0); len(jobs) != 1 || jobs[0].ID != j.ID {
		t.Errorf("ImportJobs = %+v", jobs)
	}
}

func testImportOneActive(t *testing.T, s store.Store) {
	tn := newTenant(t, s)
	j := mkImport(t, s, tn, 1)
	second := store.ImportJob{TenantID: tn, State: store.ImportQueued}
	err := s.CreateImportJob(ctx(t), &second, nil)
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.Field != "import" || ce.Holder != j.ID {
		t.Fatalf("second job: %v, want a ConflictError on import naming %s", err, j.ID)
	}
	for _, st := range []string{store.ImportRunning, store.ImportStopping} {
		if _, err := s.SetImportState(ctx(t), tn, j.ID, st); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateImportJob(ctx(t), &second, nil); !errors.As(err, &ce) {
			t.Fatalf("second job while the first is %s: %v", st, err)
		}
	}
	if _, err := s.SetImportState(ctx(t), tn, j.ID, store.ImportDone); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateImportJob(ctx(t), &second, nil); err != nil {
		t.Fatalf("a job after the first is done: %v", err)
	}
	other := newTenant(t, s)
	mkImport(t, s, other, 1) // another tenant is not blocked
}

func testImportFinishRowOnce(t *testing.T, s store.Store) {
	tn := newTenant(t, s)
	j := mkImport(t, s, tn, 1)
	c := ctx(t)
	// The row's result and a user commit together, or neither does.
	var uid string
	err := s.InTx(c, func(tx store.Tx) error {
		u := &store.User{TenantID: tn, UserName: "u0@example.com"}
		if err := tx.InsertUser(c, u); err != nil {
			return err
		}
		uid = u.ID
		return tx.FinishImportRow(c, tn, j.ID, 2, store.RowCreated, u.ID, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.InTx(c, func(tx store.Tx) error {
		u := &store.User{TenantID: tn, UserName: "again@example.com"}
		if err := tx.InsertUser(c, u); err != nil {
			return err
		}
		return tx.FinishImportRow(c, tn, j.ID, 2, store.RowCreated, u.ID, "")
	})
	if !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("second finish of a row: %v, want ErrPrecondition", err)
	}
	if _, err := s.Reader().FindUser(c, tn, "again@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the user of the second finish exists (%v): it must have rolled back", err)
	}
	rows, _ := s.ImportRows(c, tn, j.ID, "")
	if rows[0].UserID != uid || rows[0].State != store.RowCreated {
		t.Errorf("row = %+v, want created by %s", rows[0], uid)
	}
	if err := finishRow(s, c, tn, j.ID, 99, store.RowFailed, "", "x"); !errors.Is(err, store.ErrPrecondition) {
		t.Errorf("finish of a row that does not exist: %v", err)
	}
}

func testImportStates(t *testing.T, s store.Store) {
	tn := newTenant(t, s)
	j := mkImport(t, s, tn, 1)
	c := ctx(t)
	if _, err := s.SetImportState(c, tn, j.ID, store.ImportStopping, store.ImportRunning); !errors.Is(err, store.ErrPrecondition) {
		t.Errorf("stopping a queued job from running only: %v, want ErrPrecondition", err)
	}
	got, err := s.SetImportState(c, tn, j.ID, store.ImportRunning, store.ImportQueued)
	if err != nil || got.State != store.ImportRunning || got.FinishedAt != nil {
		t.Fatalf("running: %+v %v", got, err)
	}
	got, err = s.SetImportState(c, tn, j.ID, store.ImportInterrupted, store.ImportActive...)
	if err != nil || got.State != store.ImportInterrupted || got.FinishedAt == nil {
		t.Fatalf("interrupted: %+v %v", got, err)
	}
	if un, _ := s.UnfinishedImports(c); len(un) != 0 {
		t.Errorf("UnfinishedImports = %+v after the job ended", un)
	}
	if _, err := s.SetImportState(c, tn, "nope", store.ImportDone); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown job: %v", err)
	}
}

func testImportIsolation(t *testing.T, s store.Store) {
	a, b := newTenant(t, s), newTenant(t, s)
	j := mkImport(t, s, a, 2)
	c := ctx(t)
	if _, err := s.GetImportJob(c, b, j.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another tenant's job: %v", err)
	}
	if rows, _ := s.ImportRows(c, b, j.ID, ""); len(rows) != 0 {
		t.Errorf("another tenant reads %d rows", len(rows))
	}
	if _, err := s.SetImportState(c, b, j.ID, store.ImportDone); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another tenant stops the job: %v", err)
	}
	if err := finishRow(s, c, b, j.ID, 2, store.RowFailed, "", "x"); !errors.Is(err, store.ErrPrecondition) {
		t.Errorf("another tenant finishes a row: %v", err)
	}
	if _, err := s.DeleteTenant(c, a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetImportJob(c, a, j.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted tenant's job: %v", err)
	}
	if rows, _ := s.ImportRows(c, a, j.ID, ""); len(rows) != 0 {
		t.Errorf("a deleted tenant's job keeps %d rows", len(rows))
	}
}

func testImportConcurrentStarts(t *testing.T, s store.Store) {
	tn := newTenant(t, s)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := store.ImportJob{TenantID: tn, State: store.ImportQueued}
			errs[i] = s.CreateImportJob(ctx(t), &j, []store.ImportRow{{Row: 2, Values: []string{"x"}}})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !isConflict(err) {
			t.Errorf("a losing start: %v, want a conflict", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of 4 concurrent starts succeeded, want 1", ok)
	}
}
