package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimd/scimd/account"
)

// apikeyCmd makes the API keys services read the change feed with.
func apikeyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "apikey", Short: "Create, list and revoke the API keys services read the change feed with"}
	var db, tenant, label string
	var scopes []string
	create := &cobra.Command{
		Use:   "create --tenant NAME --scope events:read [--label L]",
		Short: "Create an API key; the key is printed alone on the last line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, svc, tid, err := openTenant(ctx, db, tenant, "")
			if err != nil {
				return err
			}
			defer s.Close()
			key, k, err := svc.CreateAPIKey(ctx, account.Operator(), tid, label, scopes)
			if err != nil {
				return accountError(err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "tenant: %s (%s)\napi key id: %s\nscopes: %s\n", tenant, tid, k.ID, strings.Join(k.Scopes, ","))
			fmt.Fprintln(out, "API key (shown once; only its hash is stored; send it as Authorization: Bearer KEY):")
			fmt.Fprintln(out, key)
			return nil
		},
	}
	create.Flags().StringVar(&tenant, "tenant", "", "tenant name")
	create.Flags().StringSliceVar(&scopes, "scope", nil, "scopes, comma-separated: "+strings.Join(account.Scopes, ", "))
	create.Flags().StringVar(&label, "label", "", "a note, e.g. the service")
	create.MarkFlagRequired("tenant")
	create.MarkFlagRequired("scope")
	dbFlag(create, &db)

	list := &cobra.Command{
		Use:   "list --tenant NAME",
		Short: "List a tenant's API keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, svc, tid, err := openTenant(ctx, db, tenant, "")
			if err != nil {
				return err
			}
			defer s.Close()
			ks, err := svc.APIKeys(ctx, account.Operator(), tid)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tLABEL\tSCOPES\tCREATED\tREVOKED")
			for _, k := range ks {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Label, strings.Join(k.Scopes, ","), k.CreatedAt.Format(time.RFC3339), fmtTime(k.RevokedAt))
			}
			return w.Flush()
		},
	}
	tenantFlags(list, &tenant, &db)

	revoke := &cobra.Command{
		Use:   "revoke --tenant NAME KEY_ID",
		Short: "Revoke an API key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, svc, tid, err := openTenant(ctx, db, tenant, "")
			if err != nil {
				return err
			}
			defer s.Close()
			if err := svc.RevokeAPIKey(ctx, account.Operator(), tid, args[0]); err != nil {
				return fmt.Errorf("revoke %s: %w", args[0], accountError(err))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s\n", args[0])
			return nil
		},
	}
	tenantFlags(revoke, &tenant, &db)

	cmd.AddCommand(create, list, revoke)
	return cmd
}

// webhookCmd manages a tenant's webhook endpoints.
func webhookCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "webhook", Short: "Add, list and remove the endpoints that receive a tenant's change feed"}
	var db, tenant, url string
	var events []string
	add := &cobra.Command{
		Use:   "add --tenant NAME --url URL [--events TYPE,...]",
		Short: "Add an endpoint; its signing secret (whsec_...) is printed alone on the last line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, svc, tid, err := openTenant(ctx, db, tenant, "")
			if err != nil {
				return err
			}
			defer s.Close()
			in := account.WebhookInput{URL: &url}
			if cmd.Flags().Changed("events") {
				in.EventTypes = &events
			}
			w, err := svc.CreateWebhook(ctx, account.Operator(), tid, in)
			if err != nil {
				return accountError(err)
			}
			out := cmd.OutOrStdout()
			types := "all"
			if len(w.EventTypes) > 0 {
				types = strings.Join(w.EventTypes, ",")
			}
			fmt.Fprintf(out, "tenant: %s (%s)\nwebhook id: %s\nurl: %s\nevents: %s\n", tenant, tid, w.ID, w.URL, types)
			fmt.Fprintln(out, "signing secret (shown once; verify the webhook-signature header with it):")
			fmt.Fprintln(out, w.Secret)
			return nil
		},
	}
	add.Flags().StringVar(&tenant, "tenant", "", "tenant name")
	add.Flags().StringVar(&url, "url", "", "the endpoint's http or https URL")
	add.Flags().StringSliceVar(&events, "events", nil, "event types, comma-separated (default: all): "+strings.Join(account.EventTypes, ", "))
	add.MarkFlagRequired("tenant")
	add.MarkFlagRequired("url")
	dbFlag(add, &db)

	list := &cobra.Command{
		Use:   "list --tenant NAME",
		Short: "List a tenant's endpoints",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, svc, tid, err := openTenant(ctx, db, tenant, "")
			if err != nil {
				return err
			}
			defer s.Close()
			ws, err := svc.Webhooks(ctx, account.Operator(), tid)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tURL\tEVENTS\tENABLED\tFAILING SINCE")
			for _, h := range ws {
				types := "all"
				if len(h.EventTypes) > 0 {
					types = strings.Join(h.EventTypes, ",")
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%s\n", h.ID, h.URL, types, h.Enabled, fmtTime(h.FailingSince))
			}
			return w.Flush()
		},
	}
	tenantFlags(list, &tenant, &db)

	remove := &cobra.Command{
		Use:   "remove --tenant NAME WEBHOOK_ID",
		Short: "Remove an endpoint and its deliveries",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, svc, tid, err := openTenant(ctx, db, tenant, "")
			if err != nil {
				return err
			}
			defer s.Close()
			if err := svc.DeleteWebhook(ctx, account.Operator(), tid, args[0]); err != nil {
				return fmt.Errorf("remove %s: %w", args[0], accountError(err))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", args[0])
			return nil
		},
	}
	tenantFlags(remove, &tenant, &db)

	cmd.AddCommand(add, list, remove)
	return cmd
}
