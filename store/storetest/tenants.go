package storetest

import (
	"bytes"
	"errors"
	"fmt"
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
	"CountAndDelete": func(t *testing.T, s store.Store) {
		c := ctx(t)
		gone, err := s.CreateTenant(c, "gone")
		if err != nil {
			t.Fatal(err)
		}
		kept, err := s.CreateTenant(c, "kept")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountTenant(c, gone.ID); err != nil || n != (store.TenantCounts{}) {
			t.Fatalf("CountTenant of an empty tenant = %+v, %v", n, err)
		}
		// Each tenant: users with child rows (values, addresses, a manager),
		// a group of users inside a group of groups, tokens.
		fill := func(tenant, prefix string, tokens int) (users, groups []string) {
			boss := mkUser(t, s, tenant, prefix+"boss")
			u := mkUser(t, s, tenant, prefix+"user", func(u *store.User) {
				u.Values = map[string][]store.Value{"emails": {{Type: "work", Value: prefix + "@example.com"}}}
				u.Addresses = []store.Address{{Locality: "Paris", Type: "work"}}
				u.Enterprise.ManagerID = boss.ID
			})
			inner := mkGroup(t, s, tenant, prefix+"inner", boss.ID, u.ID)
			outer := mkGroup(t, s, tenant, prefix+"outer", inner.ID, u.ID)
			for i := range tokens {
				if _, err := s.CreateToken(c, store.Token{TenantID: tenant, Hash: []byte(fmt.Sprintf("%s-%d", prefix, i))}); err != nil {
					t.Fatal(err)
				}
			}
			return []string{boss.ID, u.ID}, []string{inner.ID, outer.ID}
		}
		goneUsers, goneGroups := fill(gone.ID, "g", 3)
		keptUsers, keptGroups := fill(kept.ID, "k", 1)
		want := store.TenantCounts{Users: 2, Groups: 2, Tokens: 3}
		if n, err := s.CountTenant(c, gone.ID); err != nil || n != want {
			t.Fatalf("CountTenant = %+v, %v; want %+v", n, err, want)
		}

		deleted, err := s.DeleteTenant(c, gone.ID)
		if err != nil {
			t.Fatalf("DeleteTenant: %v", err)
		}
		if deleted != want {
			t.Fatalf("DeleteTenant returned %+v, want what the tenant held: %+v", deleted, want)
		}
		_, err = s.TenantByName(c, "gone")
		wantErr(t, "TenantByName after DeleteTenant", err, store.ErrNotFound)
		_, err = s.CountTenant(c, gone.ID)
		wantErr(t, "CountTenant after DeleteTenant", err, store.ErrNotFound)
		for i := range 3 {
			_, err = s.TokenByHash(c, []byte(fmt.Sprintf("g-%d", i)), time.Now())
			wantErr(t, "TokenByHash of a deleted tenant's token", err, store.ErrNotFound)
		}
		for _, id := range goneUsers {
			_, err = s.GetUser(c, gone.ID, id, store.LoadAll)
			wantErr(t, "GetUser of a deleted tenant", err, store.ErrNotFound)
		}
		for _, id := range goneGroups {
			_, err = s.GetGroup(c, gone.ID, id, store.LoadMembers)
			wantErr(t, "GetGroup of a deleted tenant", err, store.ErrNotFound)
		}
		if ts, err := s.ListTenants(c); err != nil || len(ts) != 1 || ts[0].ID != kept.ID {
			t.Fatalf("ListTenants after DeleteTenant = %+v, %v; want only %q", ts, err, kept.Name)
		}

		// The other tenant keeps everything, memberships included.
		if n, err := s.CountTenant(c, kept.ID); err != nil || n != (store.TenantCounts{Users: 2, Groups: 2, Tokens: 1}) {
			t.Fatalf("CountTenant of the other tenant = %+v, %v", n, err)
		}
		if tok, err := s.TokenByHash(c, []byte("k-0"), time.Now()); err != nil || tok.TenantID != kept.ID {
			t.Fatalf("TokenByHash of the other tenant's token = %+v, %v", tok, err)
		}
		u := getUser(t, s, kept.ID, keptUsers[1], store.LoadAll)
		if len(u.Values["emails"]) != 1 || len(u.Addresses) != 1 || u.Enterprise.ManagerID != keptUsers[0] || len(u.Groups) != 2 {
			t.Fatalf("the other tenant's user lost data: %d emails, %d addresses, manager %q, %d groups",
				len(u.Values["emails"]), len(u.Addresses), u.Enterprise.ManagerID, len(u.Groups))
		}
		if got, want := memberIDs(t, s, kept.ID, keptGroups[0]), sorted(keptUsers...); !slices.Equal(got, want) {
			t.Fatalf("the other tenant's group has members %v, want %v", got, want)
		}
		if got, want := memberIDs(t, s, kept.ID, keptGroups[1]), sorted(keptGroups[0], keptUsers[1]); !slices.Equal(got, want) {
			t.Fatalf("the other tenant's nested group has members %v, want %v", got, want)
		}

		// The name is free again, and the new tenant starts empty.
		again, err := s.CreateTenant(c, "gone")
		if err != nil {
			t.Fatalf("CreateTenant of a deleted tenant's name: %v", err)
		}
		if n, err := s.CountTenant(c, again.ID); err != nil || n != (store.TenantCounts{}) {
			t.Fatalf("CountTenant of the re-created tenant = %+v, %v", n, err)
		}
	},
	"DeleteMissing": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tn, err := s.CreateTenant(c, "once")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.DeleteTenant(c, "00000000-0000-0000-0000-000000000000")
		wantErr(t, "DeleteTenant of an unknown id", err, store.ErrNotFound)
		_, err = s.CountTenant(c, "00000000-0000-0000-0000-000000000000")
		wantErr(t, "CountTenant of an unknown id", err, store.ErrNotFound)
		if _, err := s.DeleteTenant(c, tn.ID); err != nil {
			t.Fatalf("DeleteTenant: %v", err)
		}
		_, err = s.DeleteTenant(c, tn.ID)
		wantErr(t, "second DeleteTenant", err, store.ErrNotFound)
	},
	"AuthGeneration": func(t *testing.T, s store.Store) {
		c := ctx(t)
		gen := func() int64 {
			t.Helper()
			g, err := s.AuthGeneration(c)
			if err != nil {
				t.Fatalf("AuthGeneration: %v", err)
			}
			return g
		}
		tenant := newTenant(t, s)
		tok, err := s.CreateToken(c, store.Token{TenantID: tenant, Hash: []byte("gen")})
		if err != nil {
			t.Fatal(err)
		}
		g0 := gen()
		if err := s.RevokeToken(c, tenant, tok.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		g1 := gen()
		if g1 <= g0 {
			t.Fatalf("RevokeToken left the auth generation at %d (before: %d)", g1, g0)
		}
		// Failures change nothing, so they must not make servers drop
		// their caches either.
		if err := s.RevokeToken(c, tenant, tok.ID, time.Now()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second RevokeToken = %v, want ErrNotFound", err)
		}
		if _, err := s.DeleteTenant(c, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("DeleteTenant of an unknown id = %v, want ErrNotFound", err)
		}
		if g := gen(); g != g1 {
			t.Fatalf("failed RevokeToken and DeleteTenant moved the auth generation from %d to %d", g1, g)
		}
		if _, err := s.DeleteTenant(c, tenant); err != nil {
			t.Fatal(err)
		}
		if g2 := gen(); g2 <= g1 {
			t.Fatalf("DeleteTenant left the auth generation at %d (before: %d)", g2, g1)
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
		if tok.ID == "" || tok.CreatedAt.IsZero() || tok.IdP != store.IdPAuto {
			t.Fatalf("CreateToken returned %+v", tok)
		}
		got, err := s.TokenByHash(c, []byte("hash-1"), time.Now())
		if err != nil {
			t.Fatalf("TokenByHash: %v", err)
		}
		if got.ID != tok.ID || got.TenantID != tenant || got.Label != "okta" || got.IdP != store.IdPAuto || !bytes.Equal(got.Hash, []byte("hash-1")) ||
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

		// The client profile is kept for each token.
		for _, idp := range store.IdPs {
			hash := []byte("idp-" + idp)
			if _, err := s.CreateToken(c, store.Token{TenantID: tenant, IdP: idp, Hash: hash}); err != nil {
				t.Fatalf("CreateToken with IdP %q: %v", idp, err)
			}
			if got, err := s.TokenByHash(c, hash, time.Now()); err != nil || got.IdP != idp {
				t.Fatalf("TokenByHash of a token with IdP %q = %+v, %v", idp, got, err)
			}
		}

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
