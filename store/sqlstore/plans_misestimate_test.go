package sqlstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestValueFilterPlanSurvivesMisestimate: the page of emails[value eq "x"]
// is read from the value index even when the planner would rather walk
// the tenant's users in page order. At a million users a generic plan,
// estimating thousands of matches for the one there is, chose that walk
// and probed every user's emails (past the database timeout). Here sorting
// is made to look expensive (enable_sort=off), which pushes the planner to
// the same walk if the query allows it; the query must not allow it.
func TestValueFilterPlanSurvivesMisestimate(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 3,000 users")
	}
	ctx := context.Background()
	url, st, tr := tracedStore(t)
	const users = 3000
	run(t, st, tr, url, users, true)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SET enable_sort = off; SET jit = off`); err != nil {
		t.Fatal(err)
	}
	tr.mu.Lock()
	stmts := append([]string(nil), tr.order...)
	tr.mu.Unlock()
	checked := 0
	for _, q := range stmts {
		if !strings.Contains(q, "c.attr = 'emails'") || !strings.Contains(q, "LIMIT") {
			continue
		}
		checked++
		tr.mu.Lock()
		args := tr.seen[q]
		tr.mu.Unlock()
		var raw []byte
		if err := conn.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+q, args...).Scan(&raw); err != nil {
			t.Fatalf("explain: %v\n%s", err, q)
		}
		var plan []struct{ Plan planNode }
		if err := json.Unmarshal(raw, &plan); err != nil {
			t.Fatal(err)
		}
		// The select list's subqueries run once per row of the page (at
		// most 100); a walk of the tenant runs the emails probe once per
		// user (3,000).
		if loops := plan[0].Plan.loopsOn("user_values"); loops > 500 {
			t.Errorf("the page probes user_values %d times (once per user walked), want one read of the value index:\n%s\n%s", loops, q, raw)
		}
	}
	if checked == 0 {
		t.Fatal("no emails filter page was recorded: the scenario did not run")
	}
}

// loopsOn is the most loops any node reading rel, or above one that
// does (a Materialize over it, say), ran.
func (n planNode) loopsOn(rel string) int {
	most, reads := 0, n.Relation == rel
	for _, c := range n.Plans {
		if l := c.loopsOn(rel); l > 0 {
			most, reads = max(most, l), true
		}
	}
	if reads {
		most = max(most, n.Loops)
	}
	return most
}
