package main

import (
	"github.com/spf13/cobra"

	"github.com/scimd/scimd/conformance"
)

// conformanceCmd hands its arguments to the conformance suite's own CLI,
// which parses them (see conformance/README.md).
func conformanceCmd() *cobra.Command {
	return &cobra.Command{
		Use:                "conformance --url URL --token TOKEN [--profile rfc|okta|entra|all] [--read-only] [--junit FILE] [--json FILE] [--run REGEXP]",
		Short:              "Run the SCIM conformance suite against any SCIM server",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := conformance.Main(cmd.Context(), args, cmd.OutOrStdout(), cmd.ErrOrStderr()); code != 0 {
				return exitCode(code)
			}
			return nil
		},
	}
}
