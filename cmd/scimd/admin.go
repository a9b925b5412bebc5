package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
)

// openStore opens and migrates the database for an admin command.
func openStore(ctx context.Context, url string) (*sqlstore.Store, error) {
	s, err := sqlstore.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func migrateCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:       "migrate up|down|status",
		Short:     "Apply (up), roll back the last batch of (down) or list (status) schema migrations",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"up", "down", "status"},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := sqlstore.Open(ctx, db)
			if err != nil {
				return err
			}
			defer s.Close()
			m, err := s.Migrator(ctx)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch args[0] {
			case "up", "down":
				run := m.Up
				verb := "applied"
				if args[0] == "down" {
					run, verb = m.Down, "rolled back"
				}
				names, err := run(ctx)
				if err != nil {
					return err
				}
				if len(names) == 0 {
					fmt.Fprintf(out, "nothing to do\n")
				}
				for _, n := range names {
					fmt.Fprintf(out, "%s %s\n", verb, n)
				}
			case "status":
				st, err := m.Status(ctx)
				if err != nil {
					return err
				}
				for _, x := range st {
					state := "pending"
					if x.Applied {
						state = "applied"
					}
					fmt.Fprintf(out, "%-8s %s_%s\n", state, x.Name, x.Comment)
				}
			default:
				return fmt.Errorf("unknown migrate action %q: want up, down or status", args[0])
			}
			return nil
		},
	}
	dbFlag(cmd, &db)
	return cmd
}

func tenantCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Create, list and delete tenants (customer accounts)"}
	var db string
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a tenant",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openStore(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer s.Close()
			t, err := s.CreateTenant(cmd.Context(), args[0])
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("tenant %q already exists", args[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created tenant %s (%s)\n", t.Name, t.ID)
			return nil
		},
	}
	dbFlag(create, &db)
	list := &cobra.Command{
		Use:   "list",
		Short: "List tenants",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openStore(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer s.Close()
			ts, err := s.ListTenants(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tID\tCREATED")
			for _, t := range ts {
				fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, t.ID, t.CreatedAt.Format(time.RFC3339))
			}
			return w.Flush()
		},
	}
	dbFlag(list, &db)
	cmd.AddCommand(create, list, tenantDeleteCmd(), tenantOIDCCmd())
	return cmd
}

func tenantDeleteCmd() *cobra.Command {
	var db string
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME --yes",
		Short: "Delete a tenant with all of its users, groups and tokens (without --yes, say what would go and exit 1)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, name := cmd.Context(), args[0]
			s, err := openStore(ctx, db)
			if err != nil {
				return err
			}
			defer s.Close()
			t, err := s.TenantByName(ctx, name)
			if err != nil {
				return tenantError(name, err)
			}
			out := cmd.OutOrStdout()
			if !yes {
				c, err := s.CountTenant(ctx, t.ID)
				if err != nil {
					return tenantError(name, err)
				}
				fmt.Fprintf(out, "would delete tenant %s (%s) with %s\n", t.Name, t.ID, describeCounts(c))
				fmt.Fprintln(out, "nothing deleted: run again with --yes to delete it")
				return exitCode(1)
			}
			// The counts come from DeleteTenant's own transaction: what was
			// deleted, even if something was added since a dry run.
			c, err := s.DeleteTenant(ctx, t.ID)
			if err != nil {
				return tenantError(name, err)
			}
			fmt.Fprintf(out, "deleted tenant %s (%s) with %s\n", t.Name, t.ID, describeCounts(c))
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "really delete (default: only say what would be deleted, and exit 1)")
	dbFlag(cmd, &db)
	return cmd
}

// tenantError names the tenant a lookup failed for.
func tenantError(name string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("tenant %q does not exist (see scimd tenant list)", name)
	}
	return fmt.Errorf("tenant %q: %w", name, err)
}

// describeCounts says what a tenant holds, e.g. "3 users, 1 group and 0 tokens".
func describeCounts(c store.TenantCounts) string {
	return fmt.Sprintf("%s, %s and %s", plural(c.Users, "user"), plural(c.Groups, "group"), plural(c.Tokens, "token"))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke the bearer tokens IdP connections use"}
	var db, tenant, label, expires, idp string
	create := &cobra.Command{
		Use:   "create --tenant NAME [--label L] [--idp okta|entra|generic|auto] [--expires 90d]",
		Short: "Create a token (and the tenant, if new); the token is printed alone on the last line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !slices.Contains(store.IdPs, idp) {
				return fmt.Errorf("--idp %q: want one of %s", idp, strings.Join(store.IdPs, ", "))
			}
			var exp *time.Time
			if expires != "" {
				d, err := parseDuration(expires)
				if err != nil {
					return err
				}
				t := time.Now().Add(d).UTC()
				exp = &t
			}
			s, err := openStore(ctx, db)
			if err != nil {
				return err
			}
			defer s.Close()
			t, err := s.TenantByName(ctx, tenant)
			if errors.Is(err, store.ErrNotFound) {
				t, err = s.CreateTenant(ctx, tenant)
				if errors.Is(err, store.ErrConflict) { // created meanwhile
					t, err = s.TenantByName(ctx, tenant)
				} else if err == nil {
					// The README's first steps rely on the tenant being
					// created, but a mistyped name must not go unnoticed.
					fmt.Fprintf(cmd.ErrOrStderr(), "scimd: tenant %q did not exist; created it (see scimd tenant list)\n", tenant)
				}
			}
			if err != nil {
				return err
			}
			plain, hash := scim.NewToken()
			tok, err := s.CreateToken(ctx, store.Token{TenantID: t.ID, Label: label, IdP: idp, Hash: hash, ExpiresAt: exp})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "tenant: %s (%s)\ntoken id: %s\nidp: %s\n", t.Name, t.ID, tok.ID, tok.IdP)
			if exp != nil {
				fmt.Fprintf(out, "expires: %s\n", exp.Format(time.RFC3339))
			}
			fmt.Fprintln(out, "bearer token (shown once; only its hash is stored):")
			fmt.Fprintln(out, plain)
			return nil
		},
	}
	create.Flags().StringVar(&tenant, "tenant", "", "tenant name (created if it does not exist)")
	create.Flags().StringVar(&label, "label", "", "a note, e.g. the IdP connection")
	create.Flags().StringVar(&idp, "idp", store.IdPAuto,
		"client profile, whose dialect of SCIM the connection speaks: "+strings.Join(store.IdPs, ", "))
	create.Flags().StringVar(&expires, "expires", "", "lifetime, e.g. 90d, 12h (default: never)")
	create.MarkFlagRequired("tenant")
	dbFlag(create, &db)

	list := &cobra.Command{
		Use:   "list --tenant NAME",
		Short: "List a tenant's tokens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := openStore(ctx, db)
			if err != nil {
				return err
			}
			defer s.Close()
			t, err := s.TenantByName(ctx, tenant)
			if err != nil {
				return fmt.Errorf("tenant %q: %w", tenant, err)
			}
			toks, err := s.ListTokens(ctx, t.ID)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tLABEL\tIDP\tCREATED\tEXPIRES\tREVOKED")
			for _, k := range toks {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Label, k.IdP, k.CreatedAt.Format(time.RFC3339), fmtTime(k.ExpiresAt), fmtTime(k.RevokedAt))
			}
			return w.Flush()
		},
	}
	tenantFlags(list, &tenant, &db)

	revoke := &cobra.Command{
		Use:   "revoke --tenant NAME TOKEN_ID",
		Short: "Revoke a token (running servers stop accepting it within 10 seconds)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := openStore(ctx, db)
			if err != nil {
				return err
			}
			defer s.Close()
			t, err := s.TenantByName(ctx, tenant)
			if err != nil {
				return fmt.Errorf("tenant %q: %w", tenant, err)
			}
			if err := s.RevokeToken(ctx, t.ID, args[0], time.Now()); err != nil {
				return fmt.Errorf("revoke %s: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s\n", args[0])
			return nil
		},
	}
	tenantFlags(revoke, &tenant, &db)

	cmd.AddCommand(create, list, revoke)
	return cmd
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

// parseDuration reads a lifetime: Go durations (12h, 90m) and days (90d).
func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("--expires %q: want a number of days such as 90d", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--expires %q: want a lifetime such as 90d or 12h", s)
	}
	return d, nil
}
