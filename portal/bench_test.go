package portal_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/store/sqlstore"
)

// benchUsers is the tenant size at which the pages must stay fast.
const benchUsers = 100_000

// seedUsers bulk-loads benchUsers users (an email each, a role for one in
// ten, one in twenty inactive and one in twenty invited) into the env's
// tenant on PostgreSQL, then analyzes.
func seedUsers(b *testing.B, e *env) {
	b.Helper()
	db := e.st.(*sqlstore.Store).DB().DB
	n := fmt.Sprint(benchUsers)
	for _, q := range []string{
		`INSERT INTO users (id, tenant_id, user_name, user_name_ci, display_name, created_at, last_modified, version, state, source)
		 SELECT 'u' || i, $1, 'user' || i || '@example.com', 'user' || i || '@example.com', 'User ' || i,
		        now() + i * interval '1 microsecond', now(), 1,
		        CASE WHEN i % 20 = 0 THEN 'inactive' WHEN i % 20 = 1 THEN 'invited' ELSE 'active' END, 'scim'
		 FROM generate_series(1, ` + n + `) i`,
		`INSERT INTO user_values (user_id, attr, ord, value, type, is_primary)
		 SELECT 'u' || i, 'emails', 0, 'user' || i || '@example.com', 'work', true FROM generate_series(1, ` + n + `) i`,
		`INSERT INTO grants (id, tenant_id, role, node_id, user_id, source, created_at)
		 SELECT 'ug' || i, $1, 'agent', $1, 'u' || i, 'direct', now() FROM generate_series(10, ` + n + `, 10) i`,
		`VACUUM ANALYZE`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, e.tenant.ID)
		}
		if _, err := db.ExecContext(b.Context(), q, args...); err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
}

// cursorOf is the users page's "after" parameter that starts after user id.
func cursorOf(b *testing.B, e *env, id string) string {
	b.Helper()
	var micros int64
	err := e.st.(*sqlstore.Store).DB().DB.QueryRowContext(b.Context(),
		`SELECT (extract(epoch FROM created_at) * 1000000)::bigint FROM users WHERE id = $1`, id).Scan(&micros)
	if err != nil {
		b.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d.%s", micros, id)))
}

// BenchmarkPagesPostgres measures the portal's pages through the real
// handler and a loopback HTTP server at 100,000 users: the dashboard, the
// users list (first page, a page deep into it, a tab, a search) and a
// user's page, reporting the p50 of each. Seeding takes seconds; skipped
// under -short.
func BenchmarkPagesPostgres(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds 100,000 users")
	}
	e := newEnv(b, "postgres")
	seedUsers(b, e)
	c := e.signedIn()
	for _, pg := range []struct{ name, path, want string }{
		{"dashboard", "/portal/", "Active"},
		{"users-first-page", "/portal/users", "User 1<"},
		{"users-deep-page", "/portal/users?after=" + cursorOf(b, e, "u50000"), "User 50001<"},
		{"users-invited-tab", "/portal/users?state=invited", "User 1<"},
		{"users-search", "/portal/users?q=user4242", "User 4242<"},
		{"user-page", "/portal/users/u4242", "user4242@example.com"},
	} {
		b.Run(pg.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				resp, err := c.Get(e.srv.URL + pg.path)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				took = append(took, time.Since(start))
				if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), pg.want) {
					b.Fatalf("%s: %d, no %q", pg.path, resp.StatusCode, pg.want)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
		})
	}
}
