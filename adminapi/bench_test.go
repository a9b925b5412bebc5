package adminapi_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/scimd/scimd/store/sqlstore"
)

// benchUsers is the tenant size at which lists must stay fast (issue 12).
const benchUsers = 100_000

// seedUsers bulk-loads benchUsers users with an email each and a role for
// one in ten into the env's tenant (PostgreSQL), then analyzes.
func seedUsers(b *testing.B, e *env) {
	b.Helper()
	db := e.st.(*sqlstore.Store).DB().DB
	for _, q := range []string{
		`INSERT INTO users (id, tenant_id, user_name, user_name_ci, display_name, created_at, last_modified, version, state, source)
		 SELECT 'u' || i, $1, 'user' || i || '@example.com', 'user' || i || '@example.com', 'User ' || i,
		        now() + i * interval '1 microsecond', now(), 1,
		        CASE WHEN i % 20 = 0 THEN 'inactive' WHEN i % 20 = 1 THEN 'invited' ELSE 'active' END, 'scim'
		 FROM generate_series(1, ` + fmt.Sprint(benchUsers) + `) i`,
		`INSERT INTO user_values (user_id, attr, ord, value, type, is_primary)
		 SELECT 'u' || i, 'emails', 0, 'user' || i || '@example.com', 'work', true FROM generate_series(1, ` + fmt.Sprint(benchUsers) + `) i`,
		`INSERT INTO grants (id, tenant_id, role, node_id, user_id, source, created_at)
		 SELECT 'ug' || i, $1, 'agent', $1, 'u' || i, 'direct', now() FROM generate_series(10, ` + fmt.Sprint(benchUsers) + `, 10) i`,
		`VACUUM ANALYZE`,
	} {
		var args []any
		if slices.Contains([]byte(q), '$') {
			args = append(args, e.tenant)
		}
		if _, err := db.ExecContext(b.Context(), q, args...); err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
}

// BenchmarkListUsersPostgres measures GET /api/v1/users through the real
// handler and a loopback HTTP server at 100,000 users: the first page, a
// page deep into the list by cursor, a state filter and a text search,
// reporting the p50 of each. Seeding takes seconds; skipped under -short.
func BenchmarkListUsersPostgres(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds 100,000 users")
	}
	e := newEnv(b, "postgres", options{})
	seedUsers(b, e)
	o := e.ownerc()
	for _, c := range []struct{ name, path string }{
		{"first-page", "/api/v1/users?limit=100"},
		{"deep-cursor", "/api/v1/users?limit=100&cursor=" + url.QueryEscape(cursorAt(b, o, 50_000))},
		{"state", "/api/v1/users?state=inactive&limit=100"},
		{"search", "/api/v1/users?q=user4242&limit=100"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				o.get(c.path).want(200)
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
		})
	}
}

// cursorAt walks to the page that starts after n users and returns its
// cursor.
func cursorAt(b *testing.B, o client, n int) string {
	b.Helper()
	cursor := ""
	for seen := 0; seen < n; seen += 500 {
		p := "/api/v1/users?limit=500"
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		next, _ := o.get(p).want(200).obj()["next"].(string)
		cursor = next
	}
	return cursor
}
