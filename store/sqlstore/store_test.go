package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
	"github.com/scimd/scimd/store/storetest"
)

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return sqltest.Open(t, "sqlite") })
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return sqltest.Open(t, "postgres") })
}

func TestMigrationsUpDownUp(t *testing.T) {
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s, err := sqlstore.Open(ctx, sqltest.URL(t, backend))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			if s.Dialect() != backend {
				t.Fatalf("Dialect() = %q, want %q", s.Dialect(), backend)
			}
			m, err := s.Migrator(ctx)
			if err != nil {
				t.Fatalf("Migrator: %v", err)
			}
			status := func(wantApplied bool) {
				t.Helper()
				st, err := m.Status(ctx)
				if err != nil {
					t.Fatalf("Status: %v", err)
				}
				if len(st) == 0 {
					t.Fatalf("Status lists no migrations")
				}
				for _, ms := range st {
					if ms.Applied != wantApplied || ms.Name == "" {
						t.Fatalf("Status = %+v, want every migration applied=%v", st, wantApplied)
					}
				}
			}
			usable := func() error {
				_, err := s.CreateTenant(ctx, "t-"+t.Name())
				if err == nil {
					_, err = s.TenantByName(ctx, "t-"+t.Name())
				}
				return err
			}

			status(false)
			if err := usable(); err == nil {
				t.Fatalf("the store works before migrating")
			}
			names, err := m.Up(ctx)
			if err != nil || len(names) == 0 {
				t.Fatalf("Up = %v, %v", names, err)
			}
			status(true)
			if err := usable(); err != nil {
				t.Fatalf("store after Up: %v", err)
			}
			if again, err := m.Up(ctx); err != nil || len(again) != 0 {
				t.Fatalf("second Up = %v, %v; want nothing to do", again, err)
			}

			down, err := m.Down(ctx)
			if err != nil || len(down) != len(names) {
				t.Fatalf("Down = %v, %v; want %v rolled back", down, err, names)
			}
			status(false)
			if _, err := s.ListTenants(ctx); err == nil {
				t.Fatalf("tenants table still exists after Down")
			}
			if err := s.CreateUser(ctx, &store.User{TenantID: "x", UserName: "u"}); err == nil {
				t.Fatalf("users table still exists after Down")
			}

			if names2, err := m.Up(ctx); err != nil || len(names2) != len(names) {
				t.Fatalf("Up after Down = %v, %v", names2, err)
			}
			status(true)
			if ts, err := s.ListTenants(ctx); err != nil || len(ts) != 0 {
				t.Fatalf("after Up again tenants = %v, %v; want an empty table", ts, err)
			}
			if err := usable(); err != nil {
				t.Fatalf("store after Up again: %v", err)
			}
			tn, _ := s.TenantByName(ctx, "t-"+t.Name())
			u := &store.User{TenantID: tn.ID, UserName: "alice"}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatalf("CreateUser after Up again: %v", err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("Migrate with nothing pending: %v", err)
			}
		})
	}
}

func TestOpenRejectsBadURLs(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ url, want string }{
		{"mysql://root@localhost/db", `unknown scheme "mysql"`},
		{"sqlite://", "no path"},
		{"sqlite://?cache=shared", "no path"},
		{"sqlite://:memory:", "in-memory"},
		{"scimd.db", "want sqlite"},
		{"", "want sqlite"},
	} {
		s, err := sqlstore.Open(ctx, tc.url)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%q) = %v, want an error mentioning %q", tc.url, err, tc.want)
		}
	}
}

func TestOpenUnreachablePostgres(t *testing.T) {
	// Port 1 refuses connections: the database is unavailable, not the URL wrong.
	s, err := sqlstore.Open(context.Background(), "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	if err == nil {
		s.Close()
		t.Fatal("Open of an unreachable PostgreSQL succeeded")
	}
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Open of an unreachable PostgreSQL = %v, want ErrUnavailable", err)
	}
}
