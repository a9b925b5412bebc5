package scim_test

import (
	"fmt"
	"testing"

	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// BenchmarkBulkCreate1000 posts Bulk requests of 1000 User creates (each
// with a name, an email and a title) on each backend; one op of the
// benchmark is one request. Target on PostgreSQL: under 2 s.
//
//	go test -run '^$' -bench BulkCreate -benchtime 3x ./scim/
func BenchmarkBulkCreate1000(b *testing.B) {
	for _, backend := range sqltest.Backends {
		b.Run(backend, func(b *testing.B) { benchBulk(b, backend) })
	}
}

func benchBulk(b *testing.B, backend string) {
	e := newEnv(b, backend, scim.Config{})
	for n := 0; b.Loop(); n++ {
		ops := make([]map[string]any, 1000)
		for i := range ops {
			name := fmt.Sprintf("bulk%d.%d@example.com", n, i)
			ops[i] = bulkOp("POST", "/Users", fmt.Sprint("u", i), map[string]any{"schemas": []any{userSchema}, "userName": name,
				"name": map[string]any{"givenName": "Bulk", "familyName": fmt.Sprint(i)}, "title": "Engineer",
				"emails": []any{map[string]any{"value": name, "type": "work", "primary": true}}})
		}
		r := e.do("POST", "/Bulk", bulkBody(0, ops...))
		if r.Status != 200 || at(r.Body, "Operations", "#") != 1000 || at(r.Body, "Operations", 999, "status") != "201" {
			b.Fatalf("bulk: %d %.300s", r.Status, r.Raw)
		}
	}
}
