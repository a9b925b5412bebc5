package sqlstore

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scimd/scimd/store"
)

func TestRenumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		by   int
		want string
	}{
		{`UPDATE t SET a = $1 WHERE b = $2 AND c IN ($10, $11)`, 5, `UPDATE t SET a = $6 WHERE b = $7 AND c IN ($15, $16)`},
		{`SELECT '$1', "$2", $3`, 2, `SELECT '$1', "$2", $5`},
		{`SELECT $1`, 0, `SELECT $1`},
		{`SELECT 'it''s $1', $1`, 1, `SELECT 'it''s $1', $2`},
		{`SELECT $`, 3, `SELECT $`},
	} {
		if got := renumber(c.in, c.by); got != c.want {
			t.Errorf("renumber(%q, %d) = %q; want %q", c.in, c.by, got, c.want)
		}
	}
}

// TestDirectReads: only a read that locks nothing, before anything is
// held back or begun, goes to the pool.
func TestDirectReads(t *testing.T) {
	for q, want := range map[string]bool{
		`SELECT id FROM users WHERE id = $1`: true,
		"  select 1":                         true,
		`WITH RECURSIVE up(g) AS (SELECT 1) SELECT EXISTS (SELECT 1 FROM up)`:   true,
		`WITH k AS (SELECT 1), ins AS (INSERT INTO t SELECT 1 FROM k) SELECT 1`: false,
		`SELECT id FROM tenants WHERE id = $1 FOR UPDATE`:                       false,
		`SELECT pg_advisory_xact_lock($1, hashtext($2))`:                        false,
		`UPDATE groups SET version = version + 1`:                               false,
		`INSERT INTO audit VALUES ($1)`:                                         false,
	} {
		if got := (&lazyTx{}).direct(q); got != want {
			t.Errorf("direct(%q) = %v; want %v", q, got, want)
		}
	}
	held := &lazyTx{pending: []deferred{{sql: `INSERT INTO audit VALUES ($1)`}}}
	if held.direct(`SELECT 1`) {
		t.Error("a read after a held-back write went to the pool: it would not see the write")
	}
}

// TestRefusalNamesTheFailingWrite: a combined statement's error is
// translated by the fix of the write whose constraint failed, whichever
// order the writes are in.
func TestRefusalNamesTheFailingWrite(t *testing.T) {
	member := deferred{sql: "INSERT INTO group_members ...", fix: memberFKError}
	audit := deferred{sql: "INSERT INTO audit ...", fix: tenantGone}
	for _, c := range []struct {
		constraint string
		want       error
	}{
		{"audit_tenant_id_fkey", store.ErrTenantGone},
		{"group_members_group_id_fkey", store.ErrNotFound},
	} {
		err := refusal([]deferred{member, audit}, &pgconn.PgError{Code: "23503", ConstraintName: c.constraint})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v; want %v", c.constraint, err, c.want)
		}
	}
	err := refusal([]deferred{audit, member}, &pgconn.PgError{Code: "23503", ConstraintName: "group_members_member_user_id_fkey"})
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a member deleted meanwhile: %v; want ErrInvalid", err)
	}
}
