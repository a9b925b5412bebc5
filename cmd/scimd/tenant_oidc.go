package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// tenantOIDCCmd is `scimd tenant oidc set|show|clear`: the tenant's OpenID
// Connect provider for portal sign-in (the Owner can also set it in the
// portal's Settings).
func tenantOIDCCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "oidc", Short: "Set, show or clear a tenant's OpenID Connect provider for portal sign-in"}
	var db, tenant, issuer, clientID, secret, publicURL string
	set := &cobra.Command{
		Use:   "set --tenant T --issuer URL --client-id ID --client-secret S",
		Short: "Sign the tenant's administrators in to the portal with this OpenID Connect provider",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := url.Parse(issuer)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("--issuer %q: must be the provider's https:// URL", issuer)
			}
			if strings.TrimSpace(clientID) == "" {
				return fmt.Errorf("--client-id must not be empty")
			}
			ctx := cmd.Context()
			s, acct, tid, err := openTenant(ctx, db, tenant, publicURL)
			if err != nil {
				return err
			}
			defer s.Close()
			err = acct.UpdateSettings(ctx, account.Operator(), tid, func(st *store.TenantSettings) error {
				st.OIDC = &store.OIDCSettings{Issuer: strings.TrimRight(issuer, "/"), ClientID: strings.TrimSpace(clientID), ClientSecret: secret}
				return nil
			})
			if err != nil {
				return accountError(err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "tenant %s signs in with %s (client %s)\n", tenant, strings.TrimRight(issuer, "/"), clientID)
			fmt.Fprintf(out, "register this redirect URI at the provider: %s/portal/oidc/callback\n", acct.PublicURL())
			fmt.Fprintf(out, "sign in at: %s/portal/login?tenant=%s\n", acct.PublicURL(), url.QueryEscape(tenant))
			return nil
		},
	}
	dbFlag(set, &db)
	set.Flags().StringVar(&tenant, "tenant", "", "tenant name")
	set.Flags().StringVar(&issuer, "issuer", "", "the provider's issuer URL (its /.well-known/openid-configuration is read at sign-in)")
	set.Flags().StringVar(&clientID, "client-id", "", "the client id scimd has at the provider")
	set.Flags().StringVar(&secret, "client-secret", envOr("SCIMD_OIDC_CLIENT_SECRET", ""), "the client secret (env SCIMD_OIDC_CLIENT_SECRET)")
	set.Flags().StringVar(&publicURL, "public-url", "", "scimd's public URL, for the redirect URI printed (default: the one serve recorded)")
	for _, f := range []string{"tenant", "issuer", "client-id"} {
		set.MarkFlagRequired(f)
	}
	show := &cobra.Command{
		Use:   "show --tenant T",
		Short: "Print the tenant's OpenID Connect provider (never the secret)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := openStore(ctx, db)
			if err != nil {
				return err
			}
			defer s.Close()
			tid, err := tenantID(ctx, s, tenant)
			if err != nil {
				return err
			}
			t, err := s.Reader().GetTenant(ctx, tid)
			if err != nil {
				return err
			}
			if o := t.Settings.OIDC; o != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "issuer %s\nclient-id %s\nclient-secret set: %t\n", o.Issuer, o.ClientID, o.ClientSecret != "")
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "tenant %s has no OpenID Connect provider\n", tenant)
			}
			return nil
		},
	}
	dbFlag(show, &db)
	show.Flags().StringVar(&tenant, "tenant", "", "tenant name")
	show.MarkFlagRequired("tenant")
	clearCmd := &cobra.Command{
		Use:   "clear --tenant T",
		Short: "Remove the tenant's OpenID Connect provider (sign-in links and passwords keep working)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, acct, tid, err := openTenant(ctx, db, tenant, "")
			if err != nil {
				return err
			}
			defer s.Close()
			if err := acct.UpdateSettings(ctx, account.Operator(), tid, func(st *store.TenantSettings) error {
				st.OIDC = nil
				return nil
			}); err != nil {
				return accountError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "tenant %s has no OpenID Connect provider now\n", tenant)
			return nil
		},
	}
	dbFlag(clearCmd, &db)
	clearCmd.Flags().StringVar(&tenant, "tenant", "", "tenant name")
	clearCmd.MarkFlagRequired("tenant")
	cmd.AddCommand(set, show, clearCmd)
	return cmd
}
