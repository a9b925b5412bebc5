package scim_test

// Benchmarks of the hot paths on PostgreSQL with 100,000 users, through the
// real router over loopback HTTP (keep-alive, parallel clients):
//
//	go test -run '^$' -bench . -benchtime 5s ./scim/
//
// Client, server and PostgreSQL share the machine: compare with
// `pgbench -S -c8 -j2` run on the same machine (see README "Performance").

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

const benchUsers = 100_000

type benchEnv struct {
	srv     *httptest.Server
	token   string
	groupID string
	// outsiders are users not yet in the group, for member adds.
	outsiders []string
	next      atomic.Int64
}

var (
	benchOnce sync.Once
	bench     *benchEnv
)

// benchSetup seeds, once per process, a tenant with benchUsers users (each
// with a work email), a group holding all of them, and benchUsers more
// users outside the group.
func benchSetup(b *testing.B) *benchEnv {
	benchOnce.Do(func() {
		ctx := context.Background()
		st := benchStore(b)
		tn, err := st.CreateTenant(ctx, "bench")
		if err != nil {
			b.Fatal(err)
		}
		token, hash := scim.NewToken()
		if _, err := st.CreateToken(ctx, store.Token{TenantID: tn.ID, Hash: hash}); err != nil {
			b.Fatal(err)
		}
		seed(b, st, tn.ID)
		env := &benchEnv{token: token}
		db := st.DB().DB
		if err := db.QueryRowContext(ctx, `SELECT id FROM groups WHERE tenant_id = $1`, tn.ID).Scan(&env.groupID); err != nil {
			b.Fatal(err)
		}
		rows, err := db.QueryContext(ctx, `SELECT id FROM users WHERE tenant_id = $1 AND user_name LIKE 'outsider%'`, tn.ID)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var id string
			rows.Scan(&id)
			env.outsiders = append(env.outsiders, id)
		}
		rows.Close()
		env.srv = httptest.NewServer(scim.NewServer(scim.Config{Store: st}).Handler())
		bench = env
	})
	if bench == nil {
		b.Fatal("benchmark setup failed")
	}
	return bench
}

// benchStore opens a store in the schema scimd_bench, recreated empty on
// every run. It outlives each benchmark (sqltest.Open would close it when
// the first one ends) and is left for inspection until the next run.
func benchStore(b *testing.B) *sqlstore.Store {
	ctx := context.Background()
	admin, err := sql.Open("pgx", sqltest.PostgresURL())
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`DROP SCHEMA IF EXISTS scimd_bench CASCADE; CREATE SCHEMA scimd_bench`); err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(sqltest.PostgresURL())
	q := u.Query()
	q.Set("search_path", "scimd_bench")
	u.RawQuery = q.Encode()
	st, err := sqlstore.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return st
}

func seed(b *testing.B, st *sqlstore.Store, tenantID string) {
	ctx := context.Background()
	db := st.DB().DB
	for _, q := range []string{
		`INSERT INTO users (id, tenant_id, user_name, user_name_ci, name_given_name, name_family_name, display_name,
			active, created_at, last_modified, version)
		 SELECT gen_random_uuid()::text, $1, 'user' || g || '@example.com', 'user' || g || '@example.com',
			'Given' || g, 'Family' || g, 'User ' || g, true, now(), now(), 1
		 FROM generate_series(1, ` + fmt.Sprint(benchUsers) + `) g`,
		`INSERT INTO users (id, tenant_id, user_name, user_name_ci, active, created_at, last_modified, version)
		 SELECT gen_random_uuid()::text, $1, 'outsider' || g, 'outsider' || g, true, now(), now(), 1
		 FROM generate_series(1, ` + fmt.Sprint(benchUsers) + `) g`,
		`INSERT INTO user_values (user_id, attr, ord, value, type, is_primary)
		 SELECT id, 'emails', 0, user_name, 'work', true FROM users WHERE tenant_id = $1 AND user_name LIKE 'user%'`,
		`INSERT INTO groups (id, tenant_id, display_name, display_name_ci, created_at, last_modified, version)
		 VALUES (gen_random_uuid()::text, $1, 'Everyone', 'everyone', now(), now(), 1)`,
		`INSERT INTO group_members (group_id, member_user_id)
		 SELECT g.id, u.id FROM groups g JOIN users u ON u.tenant_id = g.tenant_id
		 WHERE g.tenant_id = $1 AND u.user_name LIKE 'user%'`,
		`ANALYZE`,
	} {
		var args []any
		if q != `ANALYZE` {
			args = []any{tenantID}
		}
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
}

func (e *benchEnv) do(b *testing.B, c *http.Client, method, path string, body []byte, want int) {
	req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Errorf("%s %s: status %d, want %d", method, path, resp.StatusCode, want)
	}
}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

// BenchmarkGetUserByUserName is the lookup IdPs make before every change:
// GET /Users?filter=userName eq "..." for a random one of 100,000 users.
func BenchmarkGetUserByUserName(b *testing.B) {
	e := benchSetup(b)
	c := benchClient()
	b.SetParallelism(4) // 8 clients on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := rand.IntN(benchUsers) + 1
			q := url.QueryEscape(fmt.Sprintf(`userName eq "USER%d@example.com"`, n))
			e.do(b, c, http.MethodGet, "/scim/v2/Users?filter="+q, nil, http.StatusOK)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

var benchSeq atomic.Int64

// BenchmarkCreateUser is POST /Users with Okta's body (without a password:
// bcrypt would measure bcrypt).
func BenchmarkCreateUser(b *testing.B) {
	e := benchSetup(b)
	c := benchClient()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := benchSeq.Add(1)
			body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new%d-%d@example.com",
				"name":{"givenName":"New","familyName":"User"},"emails":[{"primary":true,"value":"new%d@example.com","type":"work"}],
				"displayName":"New User","locale":"en-US","externalId":"ext-%d-%d","groups":[],"active":true}`,
				n, rand.Int(), n, n, rand.Int())
			e.do(b, c, http.MethodPost, "/scim/v2/Users", []byte(body), http.StatusCreated)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkAddMember adds one user to a group of 100,000 members with
// Okta's PATCH: one row insert and a version bump, whatever the group size.
func BenchmarkAddMember(b *testing.B) {
	e := benchSetup(b)
	c := benchClient()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := e.next.Add(1) - 1
			if int(i) >= len(e.outsiders) {
				b.Error("ran out of users to add; lower -benchtime")
				return
			}
			body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
				"Operations":[{"op":"add","path":"members","value":[{"value":%q}]}]}`, e.outsiders[i])
			e.do(b, c, http.MethodPatch, "/scim/v2/Groups/"+e.groupID, []byte(body), http.StatusNoContent)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
