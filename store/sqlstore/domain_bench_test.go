package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// Account-domain sizes of the benchmark: issue 12 asks for one user's
// effective access in under 2 ms p50 on PostgreSQL at this size.
const (
	benchUsers  = 100_000
	benchGroups = 1_000
	benchNodes  = 100
)

// seedAccount fills a tenant with benchUsers users, benchGroups groups
// nested as a tree of fan-out 10 (g11..g100 in g1..g10, and so on), each
// user in three groups, one grant per group at one of benchNodes nodes
// (admin for g7, whose subtree holds 110 groups, and g500), and a direct
// grant for one user in ten (admin for one in a hundred). One user in
// twenty is inactive, one in twenty invited. It runs INSERT ... SELECT
// generate_series, then VACUUM ANALYZE (as autovacuum
// would after a bulk load: it sets the visibility map that index-only
// scans need).
func seedAccount(b *testing.B, s *sqlstore.Store, tenant string) {
	b.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO nodes (id, tenant_id, parent_id, name, name_ci, kind, path, created_at)
		 SELECT 'n' || i, $1, $1, 'Node ' || i, 'node ' || i, 'account', '/' || $1 || '/n' || i || '/', now()
		 FROM generate_series(1, ` + fmt.Sprint(benchNodes) + `) i`,
		`INSERT INTO users (id, tenant_id, user_name, user_name_ci, created_at, last_modified, version, state)
		 SELECT 'u' || i, $1, 'user' || i, 'user' || i, now(), now(), 1,
		        CASE WHEN i % 20 = 0 THEN 'inactive' WHEN i % 20 = 1 THEN 'invited' ELSE 'active' END
		 FROM generate_series(1, ` + fmt.Sprint(benchUsers) + `) i`,
		`INSERT INTO groups (id, tenant_id, display_name, display_name_ci, created_at, last_modified, version)
		 SELECT 'g' || i, $1, 'Group ' || i, 'group ' || i, now(), now(), 1 FROM generate_series(1, ` + fmt.Sprint(benchGroups) + `) i`,
		`INSERT INTO group_members (group_id, member_user_id)
		 SELECT DISTINCT 'g' || (1 + (i * k) % ` + fmt.Sprint(benchGroups) + `), 'u' || i
		 FROM generate_series(1, ` + fmt.Sprint(benchUsers) + `) i, (VALUES (1), (7), (13)) m(k)`,
		`INSERT INTO group_members (group_id, member_group_id)
		 SELECT 'g' || (i / 10), 'g' || i FROM generate_series(11, ` + fmt.Sprint(benchGroups) + `) i`,
		`INSERT INTO grants (id, tenant_id, role, node_id, group_id, source, created_at)
		 SELECT 'gg' || i, $1, CASE WHEN i IN (7, 500) THEN 'admin' ELSE 'role' || (i % 10) END, 'n' || (1 + i % ` + fmt.Sprint(benchNodes) + `), 'g' || i, 'direct', now()
		 FROM generate_series(1, ` + fmt.Sprint(benchGroups) + `) i`,
		`INSERT INTO grants (id, tenant_id, role, node_id, user_id, source, created_at)
		 SELECT 'ug' || i, $1, CASE WHEN i % 100 = 50 THEN 'admin' ELSE 'agent' END, $1, 'u' || i, 'roles', now()
		 FROM generate_series(10, ` + fmt.Sprint(benchUsers) + `, 10) i`,
		`VACUUM ANALYZE`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, tenant)
		}
		if _, err := s.DB().DB.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
}

// BenchmarkAccountPostgres measures the account domain's reads at 100,000
// users and 1,000 groups on PostgreSQL, reporting the p50 of one call
// beside ns/op. Seeding takes a few seconds, so it is skipped under -short.
func BenchmarkAccountPostgres(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds 100,000 users")
	}
	s := sqltest.Open(b, "postgres")
	ctx := context.Background()
	tn, err := s.CreateTenant(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	seedAccount(b, s, tn.ID)
	b.Logf("seeded %d users, %d groups in %v", benchUsers, benchGroups, time.Since(start).Round(time.Millisecond))

	plan := explain(b, s, sqlstore.EffectiveGrantsSQL, tn.ID, "u4242")
	b.Logf("EffectiveGrants plan:\n%s", plan)
	if strings.Contains(plan, "Seq Scan on users") || strings.Contains(plan, "Seq Scan on group_members") ||
		strings.Contains(plan, "Seq Scan on grants") {
		b.Errorf("EffectiveGrants scans a whole table:\n%s", plan)
	}

	r := s.Reader()
	rnd := rand.New(rand.NewPCG(1, 2))
	user := func() string { return fmt.Sprintf("u%d", 1+rnd.IntN(benchUsers)) }

	run := func(b *testing.B, call func() error) {
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for b.Loop() {
			t0 := time.Now()
			if err := call(); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.Run("EffectiveGrants", func(b *testing.B) {
		n := 0
		run(b, func() error {
			gs, err := r.EffectiveGrants(ctx, tn.ID, user())
			n += len(gs)
			return err
		})
		if n == 0 {
			b.Fatal("no user had effective grants")
		}
	})
	b.Run("GroupGrantsRole", func(b *testing.B) {
		run(b, func() error {
			_, err := r.GroupGrantsRole(ctx, tn.ID, fmt.Sprintf("g%d", 1+rnd.IntN(benchGroups)), []string{"role3"})
			return err
		})
	})
	b.Run("Stats", func(b *testing.B) {
		run(b, func() error {
			st, err := r.Stats(ctx, tn.ID, []string{"admin", "owner"})
			if err == nil && st.Admin == 0 {
				err = fmt.Errorf("Stats found no admins: %+v", st)
			}
			return err
		})
	})
}

// explain returns the EXPLAIN ANALYZE of a query.
func explain(b *testing.B, s *sqlstore.Store, query string, args ...any) string {
	b.Helper()
	rows, err := s.DB().DB.QueryContext(context.Background(), `EXPLAIN (ANALYZE, COSTS OFF) `+query, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		plan = append(plan, line)
	}
	return strings.Join(plan, "\n")
}
