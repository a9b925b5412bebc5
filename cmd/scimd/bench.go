package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/scimd/scimd/benchharness"
)

// benchCmd is `scimd bench`: seed a tenant, serve it, load it, and print
// each scenario beside the database's ceilings (see benchharness).
func benchCmd() *cobra.Command {
	var cfg benchharness.Config
	var jsonFile string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure scimd at scale: seed a tenant, drive the real server over HTTP, compare with the database's ceilings",
		Long: `bench seeds a new tenant of --users users into --db (COPY on PostgreSQL), serves the real SCIM and
admin API handlers on a loopback port, drives them with --clients keep-alive clients for --duration per
scenario, and prints throughput and p50/p95/p99 per scenario beside the ceilings measured in the same run:
the database's point select and single-row INSERT through the same driver, and a minimal reference
handler (net/http + the driver's pool + encoding/json) doing the same lookup. The tenant is deleted at
the end unless --keep. Client, server and database share the machine: compare ratios, not numbers.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Log = cmd.ErrOrStderr()
			rep, err := benchharness.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			rep.WriteTable(cmd.OutOrStdout())
			if jsonFile != "" {
				return rep.WriteJSON(jsonFile)
			}
			return nil
		},
	}
	dbFlag(cmd, &cfg.DB)
	f := cmd.Flags()
	f.IntVar(&cfg.Users, "users", 100_000, "users to seed")
	f.IntVar(&cfg.GroupMembers, "group-members", 100_000, "members of the big group (at most --users)")
	f.IntVar(&cfg.Clients, "clients", 8, "concurrent HTTP clients")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long each scenario runs")
	f.IntVar(&cfg.Rounds, "rounds", 1, "rounds of the ceiling / reference / GET trio, interleaved (best kept)")
	f.StringSliceVar(&cfg.Only, "only", nil, "run only the scenarios whose names contain one of these words")
	f.StringVar(&cfg.ProfileDir, "profile", "", "write a CPU profile of each scenario into this directory")
	f.BoolVar(&cfg.Keep, "keep", false, "keep the seeded tenant")
	f.StringVar(&jsonFile, "json", "", "also write the results as JSON to this file")
	return cmd
}
