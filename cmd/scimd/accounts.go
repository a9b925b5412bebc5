package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
)

// publicURLSetting is where serve records its public URL, so that the
// links the command line prints point at the running server.
const publicURLSetting = "public-url"

// defaultPublicURL is the base of links when nothing says otherwise.
const defaultPublicURL = "http://localhost:8080"

// accountsFor opens the account layer over a store for a command: the
// public URL from the flag, else the one serve recorded, else the default.
func accountsFor(ctx context.Context, s *sqlstore.Store, publicURL string) (*account.Service, error) {
	if publicURL == "" {
		var err error
		if publicURL, err = s.Setting(ctx, publicURLSetting); err != nil {
			return nil, err
		}
	}
	if publicURL == "" {
		publicURL = defaultPublicURL
	}
	return account.New(account.Config{Store: s, PublicURL: strings.TrimRight(publicURL, "/")}), nil
}

// openTenant opens the store, the tenant named and the account layer over
// them for a command; the caller closes the store.
func openTenant(ctx context.Context, db, tenant, publicURL string) (*sqlstore.Store, *account.Service, string, error) {
	s, err := openStore(ctx, db)
	if err != nil {
		return nil, nil, "", err
	}
	tid, err := tenantID(ctx, s, tenant)
	if err == nil {
		var svc *account.Service
		if svc, err = accountsFor(ctx, s, publicURL); err == nil {
			return s, svc, tid, nil
		}
	}
	s.Close()
	return nil, nil, "", err
}

// tenantFlags gives a command the required --tenant flag and --db.
func tenantFlags(c *cobra.Command, tenant, db *string) {
	c.Flags().StringVar(tenant, "tenant", "", "tenant name")
	c.MarkFlagRequired("tenant")
	dbFlag(c, db)
}

// tenantID finds a tenant by name for a command.
func tenantID(ctx context.Context, s *sqlstore.Store, name string) (string, error) {
	t, err := s.TenantByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("tenant %q does not exist (scimd tenant list)", name)
	}
	return t.ID, err
}

// accountError is an account refusal as one line for the command line.
func accountError(err error) error {
	if msg, _, _ := account.Describe(err); msg != "" && account.KindOf(err) != account.Internal {
		return errors.New(msg)
	}
	return err
}

func adminCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Bootstrap a tenant's administration: sign-in links and ownership"}
	var db, tenant, email, publicURL, to, keep string
	var deleteFormer bool

	link := &cobra.Command{
		Use:   "login-link --tenant T --email E",
		Short: "Print a single-use portal sign-in link (valid 15 minutes); the first one makes E the tenant's Owner",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, svc, tid, err := openTenant(ctx, db, tenant, publicURL)
			if err != nil {
				return err
			}
			defer s.Close()
			url, err := svc.LoginLink(ctx, account.Operator(), tid, email)
			if err != nil {
				return accountError(err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "sign-in link for %s in tenant %s (single use, valid %s):\n", email, tenant, account.DefaultLoginLinkTTL)
			fmt.Fprintln(out, url)
			return nil
		},
	}
	link.Flags().StringVar(&tenant, "tenant", "", "tenant name")
	link.Flags().StringVar(&email, "email", "", "the administrator's email (the tenant's Owner if it has none yet)")
	link.Flags().StringVar(&publicURL, "public-url", envOr("SCIMD_PUBLIC_URL", ""), "base of the link (default: what scimd serve --public-url recorded, else "+defaultPublicURL+")")
	link.MarkFlagRequired("tenant")
	link.MarkFlagRequired("email")
	dbFlag(link, &db)

	transfer := &cobra.Command{
		Use:   "transfer-owner --tenant T --to EMAIL",
		Short: "Make another active user the tenant's Owner, while the Owner is inactive (or there is none)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, svc, tid, err := openTenant(ctx, db, tenant, "")
			if err != nil {
				return err
			}
			defer s.Close()
			former := account.FormerOwner{Delete: deleteFormer}
			for _, r := range strings.Split(keep, ",") {
				if r = strings.TrimSpace(r); r != "" {
					former.Roles = append(former.Roles, r)
				}
			}
			if err := svc.TransferOwnerByEmail(ctx, account.Operator(), tid, to, former); err != nil {
				return accountError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is now the Owner of tenant %s\n", to, tenant)
			return nil
		},
	}
	transfer.Flags().StringVar(&tenant, "tenant", "", "tenant name")
	transfer.Flags().StringVar(&to, "to", "", "login (email) of the new Owner")
	transfer.Flags().StringVar(&keep, "former-roles", "", "comma-separated roles the former Owner keeps (default: none)")
	transfer.Flags().BoolVar(&deleteFormer, "delete-former", false, "delete the former Owner")
	transfer.MarkFlagRequired("tenant")
	transfer.MarkFlagRequired("to")
	dbFlag(transfer, &db)

	cmd.AddCommand(link, transfer)
	return cmd
}
