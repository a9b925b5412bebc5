package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

var tenantTests = map[string]func(t *testing.T, s store.Store){
	"CreateAndFind": func(t *testing.T, s store.Store) {
		c := ctx(t)
		if err := s.Ping(c); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		before := time.Now().Add(-time.Second)
		tn, err := s.CreateTenant(c, "acme")
		if err != nil {
			t.Fatalf("CreateTenant: %v", err)
		}
		if tn.ID == "" || tn.Name != "acme" || tn.CreatedAt.Before(before) {
			t.Fatalf("CreateTenant returned %+v", tn)
		}
		got, err := s.TenantByName(c, "acme")
		if err != nil {
			t.Fatalf("TenantByName: %v", err)
		}
		if got.ID != tn.ID || got.Name != "acme" || !got.CreatedAt.Equal(tn.CreatedAt) {
			t.Fatalf("TenantByName = %+v, want %+v", got, tn)
		}
		_, err = s.TenantByName(c, "ACME")
		wantErr(t, "TenantByName of another name", err, store.ErrNotFound)
		_, err = s.TenantByName(c, "nobody")
		wantErr(t, "TenantByName unknown", err, store.ErrNotFound)
	},
	"DuplicateName": func(t *testing.T, s store.Store) {
		c := ctx(t)
		first, err := s.CreateTenant(c, "acme")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateTenant(c, "acme")
		wantErr(t, "second CreateTenant", err, store.ErrConflict)
		got, err := s.TenantByName(c, "acme")
		if err != nil || got.ID != first.ID {
			t.Fatalf("after the conflict TenantByName = %+v, %v; want the first tenant", got, err)
		}
	},
	"List": func(t *testing.T, s store.Store) {
		c := ctx(t)
		if ts, err := s.ListTenants(c); err != nil || len(ts) != 0 {
			t.Fatalf("ListTenants on an empty store = %v, %v", ts, err)
		}
		ids := map[string]string{}
		for _, name := range []string{"charlie", "alpha", "bravo"} {
			tn, err := s.CreateTenant(c, name)
			if err != nil {
				t.Fatal(err)
			}
			ids[name] = tn.ID
		}
		ts, err := s.ListTenants(c)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tn := range ts {
			names = append(names, tn.Name)
			if ids[tn.Name] != tn.ID {
				t.Errorf("tenant %q has id %q, want %q", tn.Name, tn.ID, ids[tn.Name])
			}
		}
		if want := []string{"alpha", "bravo", "charlie"}; !slices.Equal(names, want) {
			t.Fatalf("ListTenants names = %v, want %v", names, want)
		}
	},
}

var tokenTests = map[string]func(t *testing.T, s store.Store){
	"CreateAndFind": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		exp := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
		tok, err := s.CreateToken(c, store.Token{TenantID: tenant, Label: "okta", Hash: []byte("hash-1"), ExpiresAt: &exp})
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if tok.ID == "" || tok.CreatedAt.IsZero() {
			t.Fatalf("CreateToken returned %+v", tok)
		}
		got, err := s.TokenByHash(c, []byte("hash-1"), time.Now())
		if err != nil {
			t.Fatalf("TokenByHash: %v", err)
		}
		if got.ID != tok.ID || got.TenantID != tenant || got.Label != "okta" || !bytes.Equal(got.Hash, []byte("hash-1")) ||
			!got.CreatedAt.Equal(tok.CreatedAt) || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) || got.RevokedAt != nil {
			t.Fatalf("TokenByHash = %+v, want %+v", got, tok)
		}
		// Expiry is exclusive: at the instant it expires, it is gone.
		if _, err := s.TokenByHash(c, []byte("hash-1"), exp.Add(-time.Microsecond)); err != nil {
			t.Fatalf("TokenByHash just before expiry: %v", err)
		}
		_, err = s.TokenByHash(c, []byte("hash-1"), exp)
		wantErr(t, "TokenByHash at expiry", err, store.ErrNotFound)
		_, err = s.TokenByHash(c, []byte("hash-2"), time.Now())
		wantErr(t, "TokenByHash of an unknown hash", err, store.ErrNotFound)
		_, err = s.TokenByHash(c, []byte("hash-"), time.Now())
		wantErr(t, "TokenByHash of a prefix", err, store.ErrNotFound)

		// No expiry: lives forever.
		if _, err := s.CreateToken(c, store.Token{TenantID: tenant, Hash: []byte("forever")}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.TokenByHash(c, []byte("forever"), time.Now().AddDate(100, 0, 0)); err != nil || got.ExpiresAt != nil {
			t.Fatalf("TokenByHash of a token without expiry = %+v, %v", got, err)
		}
	},
	"Expired": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		past := time.Now().Add(-time.Minute)
		if _, err := s.CreateToken(c, store.Token{TenantID: tenant, Hash: []byte("old"), ExpiresAt: &past}); err != nil {
			t.Fatal(err)
		}
		_, err := s.TokenByHash(c, []byte("old"), time.Now())
		wantErr(t, "TokenByHash of an expired token", err, store.ErrNotFound)
		// It is still listed.
		toks, err := s.ListTokens(c, tenant)
		if err != nil || len(toks) != 1 || toks[0].ExpiresAt == nil {
			t.Fatalf("ListTokens = %+v, %v", toks, err)
		}
	},
	"Revoke": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		other := newTenant(t, s)
		tok, err := s.CreateToken(c, store.Token{TenantID: tenant, Label: "a", Hash: []byte("h-a")})
		if err != nil {
			t.Fatal(err)
		}
		err = s.RevokeToken(c, other, tok.ID, time.Now())
		wantErr(t, "RevokeToken through another tenant", err, store.ErrNotFound)
		if _, err := s.TokenByHash(c, []byte("h-a"), time.Now()); err != nil {
			t.Fatalf("token revoked through another tenant: %v", err)
		}
		err = s.RevokeToken(c, tenant, "00000000-0000-0000-0000-000000000000", time.Now())
		wantErr(t, "RevokeToken of an unknown id", err, store.ErrNotFound)

		at := time.Now().UTC().Truncate(time.Microsecond)
		if err := s.RevokeToken(c, tenant, tok.ID, at); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		_, err = s.TokenByHash(c, []byte("h-a"), time.Now())
		wantErr(t, "TokenByHash of a revoked token", err, store.ErrNotFound)
		toks, err := s.ListTokens(c, tenant)
		if err != nil || len(toks) != 1 {
			t.Fatalf("ListTokens = %+v, %v", toks, err)
		}
		if toks[0].RevokedAt == nil || !toks[0].RevokedAt.Equal(at) {
			t.Fatalf("listed token RevokedAt = %v, want %v", toks[0].RevokedAt, at)
		}
	},
	"List": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		other := newTenant(t, s)
		if _, err := s.CreateToken(c, store.Token{TenantID: other, Label: "other", Hash: []byte("o")}); err != nil {
			t.Fatal(err)
		}
		if toks, err := s.ListTokens(c, tenant); err != nil || len(toks) != 0 {
			t.Fatalf("ListTokens of a tenant without tokens = %+v, %v", toks, err)
		}
		var want []string
		for _, label := range []string{"first", "second", "third"} {
			tok, err := s.CreateToken(c, store.Token{TenantID: tenant, Label: label, Hash: []byte("h-" + label)})
			if err != nil {
				t.Fatal(err)
			}
			want = append([]string{tok.ID}, want...)
			time.Sleep(2 * time.Millisecond) // distinct creation times
		}
		toks, err := s.ListTokens(c, tenant)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tok := range toks {
			got = append(got, tok.ID)
			if tok.TenantID != tenant {
				t.Errorf("ListTokens returned a token of tenant %s", tok.TenantID)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("ListTokens ids = %v, want newest first %v", got, want)
		}
		if toks[0].Label != "third" || !bytes.Equal(toks[0].Hash, []byte("h-third")) {
			t.Fatalf("newest token = %+v", toks[0])
		}
	},
	"Secret": func(t *testing.T, s store.Store) {
		c := ctx(t)
		a, err := s.Secret(c, "cursor")
		if err != nil {
			t.Fatalf("Secret: %v", err)
		}
		if len(a) != 32 {
			t.Fatalf("Secret has %d bytes, want 32", len(a))
		}
		if bytes.Equal(a, make([]byte, 32)) {
			t.Fatalf("Secret is all zeros")
		}
		b, err := s.Secret(c, "cursor")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("Secret changed between calls: %x then %x", a, b)
		}
		o, err := s.Secret(c, "other")
		if err != nil {
			t.Fatal(err)
		}
		if len(o) != 32 || bytes.Equal(o, a) {
			t.Fatalf("Secret(other) = %x, want 32 bytes different from Secret(cursor) %x", o, a)
		}
	},
}
