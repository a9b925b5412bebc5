package sqlstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestSubstringSearchUsesTrigramIndexes: the SCIM "co" filter on
// name.familyName and the admin API's q= (userName co OR displayName co OR
// emails[value co]) are read from the trigram indexes of migration
// 20261209000001, pages and their counts alike: no sequential scan of
// users or user_values, no walk of the tenant that discards its users by
// filter, and a trigram index in every plan. It fails without the indexes,
// without the page order that lets the planner sort the matches (it then
// walks users_created_idx testing every user), and with the emails
// condition as EXISTS under the OR (no BitmapOr: every user is tested).
// Sequential scans are made to look expensive (enable_seqscan=off), as they
// are at 100,000 users, so that the small seeded table shows the plan a
// large one gets.
func TestSubstringSearchUsesTrigramIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 3,000 users")
	}
	ctx := context.Background()
	url, st, tr := tracedStore(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var indexes int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE '%\_trgm'`).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	if indexes != 5 {
		t.Fatalf("%d trigram indexes after migrating, want 5 (is pg_trgm available?)", indexes)
	}
	run(t, st, tr, url, 3000, true)
	if _, err := conn.Exec(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off; SET enable_sort = off; SET jit = off`); err != nil {
		t.Fatal(err)
	}
	tr.mu.Lock()
	stmts := append([]string(nil), tr.order...)
	tr.mu.Unlock()
	var co, search int
	for _, q := range stmts {
		if !strings.Contains(q, "FROM users u WHERE") || !strings.Contains(q, "LIKE") {
			continue
		}
		if strings.Contains(q, "c.attr = 'emails'") {
			search++
		} else {
			co++
		}
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
		p := plan[0].Plan
		if bad := p.scansOf("Seq Scan", "users", "user_values"); len(bad) > 0 {
			t.Errorf("sequential scan of %v:\n%s\n%s", bad, q, raw)
		}
		if n, rel := p.mostRemoved(); n > 500 {
			t.Errorf("the plan reads %d rows of %s only to discard them (a walk of the tenant):\n%s\n%s", n, rel, q, raw)
		}
		if loops := p.loopsOn("user_values"); loops > 500 {
			t.Errorf("the plan probes user_values %d times (once per user), want one read of its trigram index:\n%s\n%s", loops, q, raw)
		}
		if !p.usesIndex("_trgm") {
			t.Errorf("no trigram index in the plan:\n%s\n%s", q, raw)
		}
	}
	if co == 0 || search == 0 {
		t.Fatalf("recorded %d co and %d admin search statements, want both: the scenarios did not run", co, search)
	}
}

// scansOf lists the relations among rels that the plan reads with nodes
// of the given type.
func (n planNode) scansOf(nodeType string, rels ...string) []string {
	var out []string
	for _, r := range rels {
		if n.NodeType == nodeType && n.Relation == r {
			out = append(out, r)
		}
	}
	for _, c := range n.Plans {
		out = append(out, c.scansOf(nodeType, rels...)...)
	}
	return out
}

// usesIndex reports whether a node of the plan reads an index whose name
// contains part.
func (n planNode) usesIndex(part string) bool {
	if strings.Contains(n.Index, part) {
		return true
	}
	for _, c := range n.Plans {
		if c.usesIndex(part) {
			return true
		}
	}
	return false
}
