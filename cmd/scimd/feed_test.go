package main

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

func TestAPIKeyAndWebhookCommands(t *testing.T) {
	t.Parallel()
	db := sqltest.URL(t, "sqlite")
	if _, errOut, code := scimd(t, "tenant", "create", "acme", "--db", db); code != 0 {
		t.Fatalf("tenant create: %s", errOut)
	}
	out, errOut, code := scimd(t, "apikey", "create", "--tenant", "acme", "--scope", "events:read", "--label", "analytics", "--db", db)
	if code != 0 {
		t.Fatalf("apikey create: %d %s", code, errOut)
	}
	key := lastLine(out)
	if !strings.HasPrefix(key, account.APIKeyPrefix) {
		t.Fatalf("apikey create printed:\n%s", out)
	}
	s, err := sqlstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	actor, err := account.New(account.Config{Store: s}).APIKeyActor(context.Background(), key, account.ScopeEventsRead, "")
	if err != nil || actor.Kind != account.ActorAPIKey {
		t.Fatalf("the printed key does not authenticate: %+v, %v", actor, err)
	}
	if _, errOut, code := scimd(t, "apikey", "create", "--tenant", "acme", "--scope", "users:write", "--db", db); code == 0 ||
		!strings.Contains(errOut, "unknown scope") {
		t.Fatalf("a bad scope: %d %q", code, errOut)
	}
	if out, _, _ := scimd(t, "apikey", "list", "--tenant", "acme", "--db", db); !strings.Contains(out, "analytics") || strings.Contains(out, key) {
		t.Fatalf("apikey list:\n%s", out)
	}

	out, errOut, code = scimd(t, "webhook", "add", "--tenant", "acme", "--url", "https://hooks.example.com/x", "--events", "user.created,user.deleted", "--db", db)
	if code != 0 {
		t.Fatalf("webhook add: %d %s", code, errOut)
	}
	secret := lastLine(out)
	if raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_")); !strings.HasPrefix(secret, "whsec_") || err != nil || len(raw) < 16 {
		t.Fatalf("webhook add printed:\n%s", out)
	}
	if _, errOut, code := scimd(t, "webhook", "add", "--tenant", "acme", "--url", "https://x.example", "--events", "user.nope", "--db", db); code == 0 ||
		!strings.Contains(errOut, "user.nope") {
		t.Fatalf("a bad event type: %d %q", code, errOut)
	}
	out, _, _ = scimd(t, "webhook", "list", "--tenant", "acme", "--db", db)
	if !strings.Contains(out, "https://hooks.example.com/x") || !strings.Contains(out, "user.created,user.deleted") || strings.Contains(out, secret) {
		t.Fatalf("webhook list:\n%s", out)
	}
	id := strings.Fields(strings.Split(strings.TrimSpace(out), "\n")[1])[0]
	if out, errOut, code := scimd(t, "webhook", "remove", "--tenant", "acme", id, "--db", db); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("webhook remove: %d %s %s", code, out, errOut)
	}
	if _, _, code := scimd(t, "webhook", "remove", "--tenant", "acme", id, "--db", db); code == 0 {
		t.Fatal("removing twice succeeded")
	}
}
