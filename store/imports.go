package store

import (
	"context"
	"time"
)

// Import job states (seed 003's CSV import). A job is queued, then
// running; Stop makes a running job stopping (no further users are
// created) and then done; a job left running by a server that went away
// is resumed by the next one, or marked interrupted.
const (
	ImportQueued      = "queued"
	ImportRunning     = "running"
	ImportStopping    = "stopping"
	ImportDone        = "done"
	ImportInterrupted = "interrupted"
)

// ImportActive lists the states of a job that still runs: a tenant has at
// most one job in them.
var ImportActive = []string{ImportQueued, ImportRunning, ImportStopping}

// Import row states.
const (
	RowPending = "pending"
	RowCreated = "created"
	RowFailed  = "failed"
)

// ImportJob is one run of the CSV import of a tenant.
type ImportJob struct {
	ID       string
	TenantID string
	State    string
	FileName string
	// Options are the job's settings as JSON (the account layer's to read).
	Options string
	// Header is the file's header row, in its order (for the failed rows'
	// CSV).
	Header []string
	// Counts of the job's rows, computed from them.
	Total, Created, Failed int
	// StartedBy names who started it, for people.
	StartedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt *time.Time
}

// ImportRow is one data row of a job's file and its result.
type ImportRow struct {
	JobID string
	// Row is the row's number in the file (the header is row 1).
	Row int
	// Values are the row's fields, in the order of the job's Header.
	Values []string
	State  string
	UserID string
	Reason string
}

// Imports keeps the import jobs (store.Store has it).
type Imports interface {
	// CreateImportJob inserts a job (j.ID, CreatedAt and UpdatedAt are
	// set; Total counts rows) with its rows, all pending. A tenant with a
	// job in one of ImportActive already gets a ConflictError on "import"
	// naming that job: of two concurrent starts, one wins.
	CreateImportJob(ctx context.Context, j *ImportJob, rows []ImportRow) error
	// GetImportJob loads a job with its counts; ErrNotFound if the tenant
	// has no such job.
	GetImportJob(ctx context.Context, tenantID, id string) (ImportJob, error)
	// ImportJobs lists a tenant's jobs, newest first, at most limit.
	ImportJobs(ctx context.Context, tenantID string, limit int) ([]ImportJob, error)
	// ImportRows lists a job's rows by row number, those of one state when
	// state is not "".
	ImportRows(ctx context.Context, tenantID, jobID, state string) ([]ImportRow, error)
	// SetImportState moves a job to state if it is in one of from (any
	// state when from is empty), and returns it; ErrPrecondition if it is
	// not, ErrNotFound if there is no such job. Done and interrupted set
	// FinishedAt.
	SetImportState(ctx context.Context, tenantID, id, state string, from ...string) (ImportJob, error)
	// UnfinishedImports lists the jobs of every tenant in ImportActive,
	// oldest first (for a starting server to resume or interrupt).
	UnfinishedImports(ctx context.Context) ([]ImportJob, error)
}

// ImportWriter records import results inside a transaction (store.Tx has
// it).
type ImportWriter interface {
	// FinishImportRow records a pending row's result. A row that is not
	// pending any more is ErrPrecondition: the transaction that created its
	// user must roll back, so that a resumed job never creates a user twice.
	FinishImportRow(ctx context.Context, tenantID, jobID string, row int, state, userID, reason string) error
	// Savepoint runs fn in a savepoint of the transaction: when fn fails,
	// what it wrote is rolled back (and only that) and its error is
	// fnErr; the transaction goes on. A non-nil err means the transaction
	// itself failed (a deadlock, a lost connection): the caller returns it
	// from InTx's function, which may then run again. Batches of creates
	// (the import) use it to write many rows, each all or nothing, in one
	// transaction.
	Savepoint(ctx context.Context, fn func() error) (fnErr, err error)
}
