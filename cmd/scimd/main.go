// Command scimd is a SCIM 2.0 provisioning server. It wires the store, the
// SCIM protocol layer and the conformance suite into one binary:
//
//	scimd serve      run the server (embedded SQLite by default)
//	scimd migrate    apply, roll back or list schema migrations
//	scimd tenant     create, list and delete tenants (tenant delete NAME --yes
//	                 removes one with all of its users, groups and tokens)
//	scimd token      create, list and revoke bearer tokens
//	scimd conformance  run the SCIM conformance suite against any server
//	scimd import     import users from a CSV file (the template of seed 003)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args and returns the exit status; an error
// is written to stderr as one line "scimd: ...".
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := rootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		if code, ok := err.(exitCode); ok {
			return int(code)
		}
		fmt.Fprintln(stderr, "scimd:", err)
		return 1
	}
	return 0
}

// exitCode ends the process with a status and no further message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "scimd",
		Short:         "SCIM 2.0 provisioning server for Okta, Microsoft Entra ID and any SCIM client",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), migrateCmd(), tenantCmd(), tokenCmd(), adminCmd(), conformanceCmd())
	root.AddCommand(importCmd())
	root.AddCommand(apikeyCmd(), webhookCmd())
	root.AddCommand(benchCmd())
	return root
}

// envOr returns the environment variable's value, or def.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// dbFlag adds the --db flag every database command shares.
func dbFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "db", envOr("SCIMD_DB", "sqlite://scimd.db"),
		"database URL: sqlite://FILE, sqlite:///ABS/PATH or postgres://USER@HOST:PORT/DB?sslmode=disable (env SCIMD_DB)")
}
