package sqlstore_test

import (
	"context"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimd/scimd/benchharness"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// planUsers is the tenant size the plans are checked at.
const planUsers = 100_000

// tracer records every statement the store sends, with the arguments of
// its last run.
type tracer struct {
	mu    sync.Mutex
	on    bool
	seen  map[string][]any
	order []string
}

func (t *tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.on {
		return ctx
	}
	if _, ok := t.seen[d.SQL]; !ok {
		t.order = append(t.order, d.SQL)
	}
	// The last run's arguments: the cursor page deep in the list is the
	// last run of the page statement.
	t.seen[d.SQL] = append([]any(nil), d.Args...)
	return ctx
}

func (t *tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// tracedStore opens a migrated PostgreSQL store of the test's own schema
// whose statements tr records, closed when the test ends.
func tracedStore(t *testing.T) (url string, st *sqlstore.Store, tr *tracer) {
	t.Helper()
	url = sqltest.URL(t, "postgres")
	tr = &tracer{seen: map[string][]any{}}
	st, err := sqlstore.OpenTraced(context.Background(), url, tr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return url, st, tr
}

// allowedSeqScan names the statements that may scan users. Substring
// search (co, the admin API's q=) is not among them: the trigram indexes of
// migration 20261209000001 serve it (see plans_trigram_test.go).
//
// A count of the whole tenant may scan too: when the tenant is most of the
// table (as here) reading the table is the cheapest plan there is; index
// pages and the first cursor page count (RFC 7644's totalResults).
var allowedSeqScan = regexp.MustCompile(`(?s)ILIKE|strpos|position\(|^SELECT count\(\*\) FROM users u WHERE u.tenant_id = \$1$`)

// TestPlansUseIndexes runs every scenario of `scimd bench` once on a
// tenant of 100,000 users and a group of 100,000 members, records each
// statement the server sent, and explains it: none may read users or
// group_members by sequential scan, and no read may discard more than a
// page's worth of their rows by filter. It checks twice: right after the bulk
// load of memberships, with the statistics group_members had when it was
// small (autovacuum off for it, as if it had not come round yet), and
// after ANALYZE.
func TestPlansUseIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 users")
	}
	ctx := context.Background()
	url, st, tr := tracedStore(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, tbl := range []string{"group_members"} {
		if _, err := conn.Exec(ctx, `ALTER TABLE `+tbl+` SET (autovacuum_enabled = false)`); err != nil {
			t.Fatal(err)
		}
	}
	// A small tenant first, analyzed: the statistics of group_members then
	// describe a table a thousand times smaller than after the load.
	run(t, st, tr, url, 100, false)
	if _, err := conn.Exec(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	run(t, st, tr, url, planUsers, true)
	t.Run("after bulk load", func(t *testing.T) { checkPlans(t, conn, tr, true) })
	if _, err := conn.Exec(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	t.Run("after analyze", func(t *testing.T) { checkPlans(t, conn, tr, false) })
}

func run(t *testing.T, st *sqlstore.Store, tr *tracer, url string, users int, keep bool) {
	t.Helper()
	_, err := benchharness.Run(t.Context(), benchharness.Config{DB: url, Store: st, Users: users, GroupMembers: users,
		Clients: 1, Duration: time.Millisecond, StaleMembers: true, Keep: keep, Phase: func(p string) {
			tr.mu.Lock()
			tr.on = p == "scenarios"
			tr.mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
}

// checkPlans explains every recorded statement.
// Right after the bulk load (stale statistics, the trigram indexes' GIN
// pending lists not yet merged) a substring search may still scan; after
// ANALYZE it must not (stale is false).
func checkPlans(t *testing.T, conn *pgx.Conn, tr *tracer, stale bool) {
	tr.mu.Lock()
	stmts := append([]string(nil), tr.order...)
	tr.mu.Unlock()
	checked := 0
	for _, q := range stmts {
		head := strings.ToUpper(strings.Fields(strings.TrimSpace(q) + " x")[0])
		switch head {
		case "SELECT", "WITH", "INSERT", "UPDATE", "DELETE":
		default:
			continue
		}
		if strings.Contains(q, "bun_migration") || strings.Contains(q, "pg_") && !strings.Contains(q, "pg_advisory") {
			continue
		}
		checked++
		tr.mu.Lock()
		args := tr.seen[q]
		tr.mu.Unlock()
		var plan []struct{ Plan planNode }
		var raw []byte
		if err := conn.QueryRow(t.Context(), `EXPLAIN (FORMAT JSON) `+q, args...).Scan(&raw); err != nil {
			t.Errorf("explain: %v\n%s", err, q)
			continue
		}
		if err := json.Unmarshal(raw, &plan); err != nil {
			t.Fatal(err)
		}
		bad := plan[0].Plan.seqScans()
		if len(bad) > 0 && (allowedSeqScan.MatchString(q) || stale && strings.Contains(q, "LIKE")) {
			t.Logf("allowed: a sequential scan of %s for a substring search or a count of the tenant:\n%s", strings.Join(bad, ", "), q)
			continue
		}
		if len(bad) == 0 && readOnly(q) {
			// An index that only narrows to the tenant, with a filter
			// discarding the rest, is a scan too (as the keyset condition
			// "a > x OR (a = x AND id > y)" was): run the reads and
			// count the rows their plans threw away.
			if err := conn.QueryRow(t.Context(), `EXPLAIN (ANALYZE, FORMAT JSON) `+q, args...).Scan(&raw); err != nil {
				t.Errorf("explain analyze: %v\n%s", err, q)
				continue
			}
			if err := json.Unmarshal(raw, &plan); err != nil {
				t.Fatal(err)
			}
			if n, rel := plan[0].Plan.mostRemoved(); n > maxRemoved && !allowedSeqScan.MatchString(q) {
				t.Errorf("the plan reads %d rows of %s only to discard them:\n%s\n%s", n, rel, q, raw)
			}
		}
		if len(bad) > 0 {
			var text string
			rows, _ := conn.Query(t.Context(), `EXPLAIN `+q, args...)
			for rows.Next() {
				var l string
				rows.Scan(&l)
				text += l + "\n"
			}
			rows.Close()
			t.Errorf("sequential scan of %s:\n%s\n%s", strings.Join(bad, ", "), q, text)
		}
	}
	if checked < 20 {
		t.Errorf("only %d statements recorded: the scenarios did not run", checked)
	}
	t.Logf("%d statements explained", checked)
}

type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Removed  int        `json:"Rows Removed by Filter"`
	Loops    int        `json:"Actual Loops"`
	Plans    []planNode `json:"Plans"`
}

// maxRemoved is how many rows of a hot table one statement may read and
// discard: a page's worth, never the tenant.
const maxRemoved = 5000

// readOnly reports whether explaining q with ANALYZE (which runs it)
// changes nothing.
func readOnly(q string) bool {
	u := strings.ToUpper(q)
	return !strings.Contains(u, "INSERT ") && !strings.Contains(u, "UPDATE ") && !strings.Contains(u, "DELETE ") &&
		!strings.Contains(u, "FOR UPDATE") && !strings.Contains(u, "PG_ADVISORY")
}

// mostRemoved returns the largest count of rows of users, user_values or
// group_members one node of the plan discarded by filter, over all loops.
func (n planNode) mostRemoved() (int, string) {
	best, rel := 0, ""
	if n.Relation == "users" || n.Relation == "user_values" || n.Relation == "group_members" {
		best, rel = n.Removed*max(n.Loops, 1), n.Relation
	}
	for _, c := range n.Plans {
		if m, r := c.mostRemoved(); m > best {
			best, rel = m, r
		}
	}
	return best, rel
}

// seqScans lists the hot tables the plan reads by sequential scan.
func (n planNode) seqScans() []string {
	var out []string
	if n.NodeType == "Seq Scan" && (n.Relation == "users" || n.Relation == "group_members") {
		out = append(out, n.Relation)
	}
	for _, c := range n.Plans {
		out = append(out, c.seqScans()...)
	}
	sort.Strings(out)
	return out
}
