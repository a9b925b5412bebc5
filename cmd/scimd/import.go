package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// importCmd is `scimd import`: the CSV user import of seed 003 from the
// command line, through the same engine as the admin API and the portal.
// The exit status is 0 only when every row was created (with
// --validate-only: when the file is valid).
func importCmd() *cobra.Command {
	var db, tenant, file, state, passwords, address, publicURL string
	var validateOnly bool
	cmd := &cobra.Command{
		Use:   "import --tenant NAME --file users.csv",
		Short: "Import users from a CSV file of the import template (at most 1000 rows, 2 MB)",
		Long: `Import users from a CSV file in the import template's format (the admin API serves it at
GET /api/v1/import/template.csv). The whole file is validated first; any problem is printed
with its row and column and nothing is imported. Then every row's user is created through the
same rules as the portal and SCIM, each with its audit record, and the rows not created are
printed with the reason. Exit status 0 only when every row was created.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if tenant == "" || file == "" {
				return fmt.Errorf("--tenant and --file are required")
			}
			data, err := readImportFile(file)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			s, svc, tid, err := openTenant(ctx, db, tenant, publicURL)
			if err != nil {
				return err
			}
			defer s.Close()
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			name := filepath.Base(file)
			if validateOnly {
				f, err := svc.ValidateImport(ctx, account.Operator(), tid, name, data)
				if printProblems(errOut, name, err) {
					return exitCode(1)
				}
				if err != nil {
					return accountError(err)
				}
				fmt.Fprintf(out, "%s is valid: %d users to import\n", name, len(f.Rows))
				return nil
			}
			opts := account.ImportOptions{State: state, Passwords: passwords, Address: address}
			j, err := svc.StartImport(ctx, account.Operator(), tid, name, data, opts)
			if printProblems(errOut, name, err) {
				return exitCode(1)
			}
			if err != nil {
				return accountError(err)
			}
			j, err = waitWithProgress(ctx, svc, tid, j.ID, errOut)
			if err != nil {
				return fmt.Errorf("%w: the job %s goes on in a scimd serve on this database (within a minute, or when it starts)", err, j.ID)
			}
			_, res, err := svc.ImportResults(ctx, account.Operator(), tid, j.ID)
			if err != nil {
				return accountError(err)
			}
			for _, r := range res {
				if r.Status != "created" {
					fmt.Fprintf(errOut, "row %d (%s): not created: %s\n", r.Row, r.Email, r.Reason)
				}
			}
			notCreated := j.Total - j.Created
			fmt.Fprintf(out, "import %s %s: %d of %d users created, %d not created\n", j.ID, j.State, j.Created, j.Total, notCreated)
			if notCreated > 0 {
				fmt.Fprintf(errOut, "the rows not created: GET /api/v1/import/jobs/%s/failed.csv, fix them and import that file again\n", j.ID)
				return exitCode(1)
			}
			return nil
		},
	}
	dbFlag(cmd, &db)
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "", "the tenant's name")
	f.StringVar(&file, "file", "", "the CSV file (- for standard input)")
	f.BoolVar(&validateOnly, "validate-only", false, "check the file and import nothing")
	f.StringVar(&state, "state", store.StateActive, "imported users start active or invited")
	f.StringVar(&passwords, "passwords", account.PasswordsToUsers, "temporary passwords go to each user's email (users), to --password-address (address), or nowhere (none)")
	f.StringVar(&address, "password-address", "", "the one address that receives every user's temporary password (with --passwords address)")
	f.StringVar(&publicURL, "public-url", "", "base URL of the sign-in link in the mails (default: the one scimd serve recorded)")
	return cmd
}

// readImportFile reads the file, refusing more than an import may hold
// before reading it all.
func readImportFile(name string) ([]byte, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		fh, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r = fh
	}
	// One byte over the limit is enough for the import to refuse it with
	// its own message.
	return io.ReadAll(io.LimitReader(r, account.MaxImportBytes+1))
}

// printProblems prints a refused file's problems, one a line, and reports
// whether there were any.
func printProblems(w io.Writer, name string, err error) bool {
	ps := account.ProblemsOf(err)
	if len(ps) == 0 {
		return false
	}
	for _, p := range ps {
		fmt.Fprintf(w, "%s: %s\n", name, p)
	}
	plural := "s"
	if len(ps) == 1 {
		plural = ""
	}
	fmt.Fprintf(w, "%s: %d problem%s; nothing was imported\n", name, len(ps), plural)
	return true
}

// waitWithProgress waits for the job, redrawing a progress line while
// stderr is a terminal.
func waitWithProgress(ctx context.Context, svc *account.Service, tenantID, id string, w io.Writer) (store.ImportJob, error) {
	if !isTerminal(w) {
		return svc.WaitImport(ctx, tenantID, id)
	}
	done := make(chan struct{})
	var j store.ImportJob
	var err error
	go func() {
		defer close(done)
		j, err = svc.WaitImport(ctx, tenantID, id)
	}()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			fmt.Fprint(w, "\r\033[K")
			return j, err
		case <-t.C:
			if cur, err := svc.Store().GetImportJob(ctx, tenantID, id); err == nil && cur.Total > 0 {
				fmt.Fprintf(w, "\r\033[Kimporting: %d/%d (%d%%), %d not created", cur.Created+cur.Failed, cur.Total,
					100*(cur.Created+cur.Failed)/cur.Total, cur.Failed)
			}
		}
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
