package main

import (
	"strings"
	"testing"

	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

func TestTenantOIDC(t *testing.T) {
	db := sqltest.URL(t, "sqlite")
	if _, errOut, code := scimd(t, "tenant", "create", "acme", "--db", db); code != 0 {
		t.Fatalf("tenant create: %s", errOut)
	}
	out, errOut, code := scimd(t, "tenant", "oidc", "set", "--db", db, "--tenant", "acme", "--issuer", "https://idp.example/",
		"--client-id", "cid", "--client-secret", "s3cret", "--public-url", "https://scimd.example")
	if code != 0 || !strings.Contains(out, "https://scimd.example/portal/oidc/callback") {
		t.Fatalf("oidc set: %d %s %s", code, out, errOut)
	}
	s := openDB(t, db)
	tn, err := s.TenantByName(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if o := tn.Settings.OIDC; o == nil || o.Issuer != "https://idp.example" || o.ClientID != "cid" || o.ClientSecret != "s3cret" {
		t.Fatalf("stored %+v", tn.Settings.OIDC)
	}
	out, _, _ = scimd(t, "tenant", "oidc", "show", "--db", db, "--tenant", "acme")
	if strings.Contains(out, "s3cret") || !strings.Contains(out, "client-secret set: true") {
		t.Fatalf("show: %s", out)
	}
	if _, errOut, code := scimd(t, "tenant", "oidc", "set", "--db", db, "--tenant", "acme", "--issuer", "idp.example", "--client-id", "c"); code == 0 || !strings.Contains(errOut, "https://") {
		t.Fatalf("bad issuer accepted: %d %s", code, errOut)
	}
	if _, errOut, code := scimd(t, "tenant", "oidc", "set", "--db", db, "--tenant", "nope", "--issuer", "https://i.example", "--client-id", "c"); code == 0 || !strings.Contains(errOut, "does not exist") {
		t.Fatalf("unknown tenant: %d %s", code, errOut)
	}
	if _, errOut, code := scimd(t, "tenant", "oidc", "clear", "--db", db, "--tenant", "acme"); code != 0 {
		t.Fatal(errOut)
	}
	tn, _ = s.TenantByName(t.Context(), "acme")
	if tn.Settings.OIDC != nil {
		t.Fatal("clear left the provider")
	}
}
