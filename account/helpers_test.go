package account_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// env is one account service over a fresh store of one backend, with a
// tenant, its Owner and a clock the test moves.
type env struct {
	t      *testing.T
	st     store.Store
	svc    *account.Service
	tenant string
	owner  string // the Owner's user id
	clock  *clock
}

type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }
func newClock(t time.Time) *clock    { c := &clock{}; c.ns.Store(t.UnixNano()); return c }
func (e *env) ctx() context.Context  { return e.t.Context() }
func (e *env) op() account.Actor     { return account.Operator() }
func (e *env) member(id string) account.Actor {
	return account.Member(e.tenant, id, "member "+id[:8], "req-"+id[:4])
}

var tenantSeq atomic.Int64

// eachBackend runs fn against SQLite and PostgreSQL in parallel subtests.
func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, b := range sqltest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, b))
		})
	}
}

func newEnv(t *testing.T, backend string) *env {
	st := sqltest.Open(t, backend)
	clk := newClock(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	e := &env{t: t, st: st, clock: clk,
		svc: account.New(account.Config{Store: st, PasswordCost: 4, Now: clk.now, PublicURL: "https://scimd.example"})}
	tn, err := st.CreateTenant(t.Context(), fmt.Sprintf("tenant-%d", tenantSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	e.tenant = tn.ID
	if _, err := e.svc.LoginLink(t.Context(), e.op(), e.tenant, "owner@example.com"); err != nil {
		t.Fatalf("bootstrap the Owner: %v", err)
	}
	u, err := st.Reader().FindUser(t.Context(), e.tenant, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	e.owner = u.ID
	return e
}

// user creates a user as the operator, with roles granted at the master
// account, and returns its id.
func (e *env) user(name string, roles ...string) string {
	e.t.Helper()
	u, err := e.svc.CreateUser(e.ctx(), e.op(), e.tenant, e.input(name, roles...))
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	return u.ID
}

// input is a user named name with direct grants of roles at the master.
func (e *env) input(name string, roles ...string) account.UserInput {
	grants := make([]account.GrantInput, len(roles))
	for i, r := range roles {
		grants[i] = account.GrantInput{Role: r}
	}
	return account.UserInput{
		User:   &store.User{UserName: name + "@example.com", DisplayName: name},
		Domain: &account.DomainInput{Grants: &grants},
	}
}

// token is the actor of an IdP connection whose token has this authority.
func (e *env) token(authority string) account.Actor {
	return account.IdP(store.Token{ID: "tok-" + authority, Label: authority + " token", TenantID: e.tenant, Authority: authority}, "req-idp")
}

func (e *env) get(id string) *store.User {
	e.t.Helper()
	u, err := e.st.Reader().GetUser(e.ctx(), e.tenant, id, store.LoadAll)
	if err != nil {
		e.t.Fatalf("get %s: %v", id, err)
	}
	return u
}

// setRoles replaces a user's direct grants at the master account.
func (e *env) setRoles(a account.Actor, id string, roles ...string) error {
	_, err := e.svc.UpdateUser(e.ctx(), a, e.tenant, id, account.AnyVersion, func(u *store.User) (account.UserInput, error) {
		grants := make([]account.GrantInput, len(roles))
		for i, r := range roles {
			grants[i] = account.GrantInput{Role: r}
		}
		return account.UserInput{User: u, Domain: &account.DomainInput{Grants: &grants}}, nil
	})
	return err
}

// rename changes a user's display name.
func (e *env) rename(a account.Actor, id, name string) error {
	_, err := e.svc.UpdateUser(e.ctx(), a, e.tenant, id, account.AnyVersion, func(u *store.User) (account.UserInput, error) {
		u.DisplayName = name
		return account.UserInput{User: u}, nil
	})
	return err
}

// wantKind fails unless err is of the kind, with a message containing the
// fragments.
func wantKind(t *testing.T, what string, err error, kind account.Kind, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", what, kind)
	}
	if got := account.KindOf(err); got != kind {
		t.Fatalf("%s: %v (kind %v), want kind %v", what, err, got, kind)
	}
	msg, _, _ := account.Describe(err)
	for _, f := range fragments {
		if !strings.Contains(strings.ToLower(msg), strings.ToLower(f)) {
			t.Errorf("%s: message %q does not say %q", what, msg, f)
		}
	}
}

func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// roleKeys are the keys of a user's effective roles.
func (e *env) roleKeys(id string) []string {
	e.t.Helper()
	acc, err := e.svc.Access(e.ctx(), e.op(), e.tenant, id)
	ok(e.t, "access", err)
	var keys []string
	for _, r := range acc.Roles {
		keys = append(keys, r.Key)
	}
	return keys
}

// audit lists the tenant's audit entries of an action.
func (e *env) audit(action string) []store.AuditEntry {
	e.t.Helper()
	all, err := e.svc.Audit(e.ctx(), e.op(), e.tenant, account.AuditQuery{Limit: 1000})
	ok(e.t, "audit", err)
	var out []store.AuditEntry
	for _, a := range all {
		if a.Action == action {
			out = append(out, a)
		}
	}
	return out
}

var errStop = errors.New("stop")
