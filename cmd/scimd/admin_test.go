package main

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// openDB opens the database the commands under test use, to look at it
// behind their back.
func openDB(t *testing.T, db string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// createToken runs token create and returns the token it printed.
func createToken(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, errOut, code := scimd(t, append([]string{"token", "create", "--db", db}, args...)...)
	if code != 0 {
		t.Fatalf("token create %v: status %d; stderr: %s", args, code, errOut)
	}
	return lastLine(out)
}

func TestTenantDelete(t *testing.T) {
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := sqltest.URL(t, backend)
			acmeTokens := []string{createToken(t, db, "--tenant", "acme"), createToken(t, db, "--tenant", "acme")}
			otherToken := createToken(t, db, "--tenant", "other")
			s := openDB(t, db)
			ctx := t.Context()
			acme, err := s.TenantByName(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			other, err := s.TenantByName(ctx, "other")
			if err != nil {
				t.Fatal(err)
			}
			user := func(tenant, name string) string {
				u := &store.User{TenantID: tenant, UserName: name,
					Values: map[string][]store.Value{"emails": {{Value: name + "@example.com"}}}}
				if err := s.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				return u.ID
			}
			group := func(tenant, name string, members ...string) string {
				g := &store.Group{TenantID: tenant, DisplayName: name}
				for _, m := range members {
					g.Members = append(g.Members, store.Member{ID: m})
				}
				if err := s.CreateGroup(ctx, g); err != nil {
					t.Fatal(err)
				}
				return g.ID
			}
			alice, bob := user(acme.ID, "alice"), user(acme.ID, "bob")
			group(acme.ID, "all", group(acme.ID, "eng", alice, bob), alice)
			carol := user(other.ID, "carol")
			ops := group(other.ID, "ops", carol)
			acmeHolds := store.TenantCounts{Users: 2, Groups: 2, Tokens: 2}

			// Without --yes: says what would go, deletes nothing, exits 1.
			out, errOut, code := scimd(t, "tenant", "delete", "acme", "--db", db)
			if code != 1 {
				t.Fatalf("tenant delete without --yes: status %d, want 1; stderr: %s", code, errOut)
			}
			if want := "would delete tenant acme (" + acme.ID + ") with 2 users, 2 groups and 2 tokens\n"; !strings.HasPrefix(out, want) {
				t.Fatalf("tenant delete without --yes printed %q, want it to start with %q", out, want)
			}
			if !strings.Contains(out, "--yes") {
				t.Errorf("the dry run does not say how to delete: %q", out)
			}
			if c, err := s.CountTenant(ctx, acme.ID); err != nil || c != acmeHolds {
				t.Fatalf("after the dry run the tenant holds %+v, %v; want %+v", c, err, acmeHolds)
			}
			for _, tok := range acmeTokens {
				if _, err := s.TokenByHash(ctx, scim.HashToken(tok), time.Now()); err != nil {
					t.Fatalf("after the dry run a token of the tenant fails: %v", err)
				}
			}

			out, errOut, code = scimd(t, "tenant", "delete", "acme", "--yes", "--db", db)
			if code != 0 {
				t.Fatalf("tenant delete --yes: status %d; stderr: %s", code, errOut)
			}
			if want := "deleted tenant acme (" + acme.ID + ") with 2 users, 2 groups and 2 tokens\n"; out != want {
				t.Fatalf("tenant delete --yes printed %q, want %q", out, want)
			}
			if _, err := s.TenantByName(ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("TenantByName after delete = %v, want ErrNotFound", err)
			}
			if _, err := s.CountTenant(ctx, acme.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("CountTenant after delete = %v, want ErrNotFound", err)
			}
			for _, tok := range acmeTokens {
				if _, err := s.TokenByHash(ctx, scim.HashToken(tok), time.Now()); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("TokenByHash of a deleted tenant's token = %v, want ErrNotFound", err)
				}
			}
			if _, err := s.GetUser(ctx, acme.ID, alice, store.LoadAll); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("GetUser of a deleted tenant's user = %v, want ErrNotFound", err)
			}
			// The other tenant keeps all it had.
			if c, err := s.CountTenant(ctx, other.ID); err != nil || c != (store.TenantCounts{Users: 1, Groups: 1, Tokens: 1}) {
				t.Fatalf("the other tenant holds %+v, %v", c, err)
			}
			if _, err := s.TokenByHash(ctx, scim.HashToken(otherToken), time.Now()); err != nil {
				t.Fatalf("the other tenant's token fails: %v", err)
			}
			if g, err := s.GetGroup(ctx, other.ID, ops, store.LoadMembers); err != nil || len(g.Members) != 1 || g.Members[0].ID != carol {
				t.Fatalf("the other tenant's group = %+v, %v; want carol as its one member", g, err)
			}
			if out, _, _ := scimd(t, "tenant", "list", "--db", db); strings.Contains(out, "acme") || !strings.Contains(out, "other") {
				t.Fatalf("tenant list after delete:\n%s", out)
			}

			// An unknown tenant, with or without --yes.
			for _, args := range [][]string{{"--yes"}, {}} {
				out, errOut, code := scimd(t, append([]string{"tenant", "delete", "acme", "--db", db}, args...)...)
				if want := "scimd: tenant \"acme\" does not exist (see scimd tenant list)\n"; code != 1 || errOut != want || out != "" {
					t.Fatalf("tenant delete %v of an unknown tenant: status %d, stdout %q, stderr %q; want 1, nothing, %q",
						args, code, out, errOut, want)
				}
			}
		})
	}
}

func TestTokenCreate(t *testing.T) {
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := sqltest.URL(t, backend)

			// A tenant that does not exist is created, and stderr says so.
			out, errOut, code := scimd(t, "token", "create", "--tenant", "acmee", "--label", "first", "--db", db)
			if code != 0 {
				t.Fatalf("token create: status %d; stderr: %s", code, errOut)
			}
			if want := "scimd: tenant \"acmee\" did not exist; created it (see scimd tenant list)\n"; errOut != want {
				t.Fatalf("token create for a new tenant: stderr %q, want %q", errOut, want)
			}
			if !strings.HasPrefix(lastLine(out), "scimd_") || !strings.Contains(out, "\nidp: auto\n") {
				t.Fatalf("token create printed:\n%s\nwant idp: auto and the token on the last line", out)
			}
			// Not for a tenant that exists, created either way.
			if _, _, code := scimd(t, "tenant", "create", "beta", "--db", db); code != 0 {
				t.Fatal("tenant create failed")
			}
			for _, tenant := range []string{"acmee", "beta"} {
				if _, errOut, code := scimd(t, "token", "create", "--tenant", tenant, "--label", "again", "--db", db); code != 0 || errOut != "" {
					t.Fatalf("token create for existing tenant %s: status %d, stderr %q; want 0 and nothing", tenant, code, errOut)
				}
			}

			// --idp is stored, and shown by token list.
			out, errOut, code = scimd(t, "token", "create", "--tenant", "acmee", "--label", "okta-prod", "--idp", "okta", "--db", db)
			if code != 0 || !strings.Contains(out, "\nidp: okta\n") {
				t.Fatalf("token create --idp okta: status %d, stdout:\n%s\nstderr: %s", code, out, errOut)
			}
			s := openDB(t, db)
			tok, err := s.TokenByHash(t.Context(), scim.HashToken(lastLine(out)), time.Now())
			if err != nil || tok.IdP != store.IdPOkta || tok.Label != "okta-prod" {
				t.Fatalf("the stored token = %+v, %v; want IdP okta", tok, err)
			}
			out, errOut, code = scimd(t, "token", "list", "--tenant", "acmee", "--db", db)
			if code != 0 {
				t.Fatalf("token list: status %d; stderr: %s", code, errOut)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if header := strings.Fields(lines[0]); !slices.Equal(header, []string{"ID", "LABEL", "IDP", "CREATED", "EXPIRES", "REVOKED"}) {
				t.Fatalf("token list header = %q", lines[0])
			}
			idps := map[string]string{}
			for _, l := range lines[1:] {
				f := strings.Fields(l)
				idps[f[1]] = f[2]
			}
			if want := map[string]string{"first": "auto", "again": "auto", "okta-prod": "okta"}; !maps.Equal(idps, want) {
				t.Fatalf("token list shows label -> idp %v, want %v:\n%s", idps, want, out)
			}

			// An invalid --idp is refused before anything is created.
			out, errOut, code = scimd(t, "token", "create", "--tenant", "newco", "--idp", "onelogin", "--db", db)
			if want := "scimd: --idp \"onelogin\": want one of auto, okta, entra, generic\n"; code != 1 || errOut != want || out != "" {
				t.Fatalf("token create --idp onelogin: status %d, stdout %q, stderr %q; want 1, nothing, %q", code, out, errOut, want)
			}
			if _, err := s.TenantByName(t.Context(), "newco"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a refused token create created its tenant: %v", err)
			}
		})
	}
}
