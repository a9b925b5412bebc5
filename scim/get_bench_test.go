package scim_test

// Allocation benchmarks of the lookup IdPs make before every change, GET
// /Users?filter=userName eq "...", on PostgreSQL: the handler is called
// directly (no sockets), so allocs/op is the server's own work for one
// request (middleware, filter, store, encoding):
//
//	go test -run '^$' -bench GetByFilterHandler -benchmem ./scim/

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/scimd/scimd/scim"
)

const handlerBenchUsers = 200

// BenchmarkGetByFilterHandler is GET /Users?filter=userName eq "USERn..."
// (case-varied) for users with a name, two emails, a phone number, the
// enterprise extension and two groups.
func BenchmarkGetByFilterHandler(b *testing.B) {
	e := newEnv(b, "postgres", scim.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	g1 := e.do("POST", "/Groups", map[string]any{"schemas": []string{groupSchema}, "displayName": "Engineering"})
	g2 := e.do("POST", "/Groups", map[string]any{"schemas": []string{groupSchema}, "displayName": "Everyone"})
	var members []any
	for i := 1; i <= handlerBenchUsers; i++ {
		r := e.do("POST", "/Users", map[string]any{
			"schemas":     []string{userSchema, enterpriseSchema},
			"userName":    fmt.Sprintf("user%d@example.com", i),
			"externalId":  fmt.Sprintf("ext-%d", i),
			"name":        map[string]any{"givenName": "Given", "familyName": fmt.Sprintf("Family%d", i)},
			"displayName": fmt.Sprintf("User %d", i),
			"active":      true,
			"emails": []any{
				map[string]any{"value": fmt.Sprintf("user%d@example.com", i), "type": "work", "primary": true},
				map[string]any{"value": fmt.Sprintf("u%d@home.example", i), "type": "home"},
			},
			"phoneNumbers":   []any{map[string]any{"value": "+1 555 0100", "type": "work"}},
			enterpriseSchema: map[string]any{"employeeNumber": fmt.Sprint(i), "department": "R&D"},
		})
		if r.Status != http.StatusCreated {
			b.Fatalf("create user: %d %s", r.Status, r.Raw)
		}
		members = append(members, map[string]any{"value": r.Body["id"]})
	}
	for _, g := range []*response{g1, g2} {
		r := e.do("PATCH", "/Groups/"+g.Body["id"].(string), map[string]any{"schemas": []string{patchOpSchema},
			"Operations": []any{map[string]any{"op": "add", "path": "members", "value": members}}})
		if r.Status >= 300 {
			b.Fatalf("add members: %d %s", r.Status, r.Raw)
		}
	}
	h := e.srv.Config.Handler
	paths := make([]string, handlerBenchUsers)
	for i := range paths {
		paths[i] = "/scim/v2/Users?filter=" + url.QueryEscape(fmt.Sprintf(`userName eq "USER%d@Example.com"`, i+1))
	}
	get := func(path string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
		}
	}
	for _, p := range paths[:10] {
		get(p) // warm the token cache and the prepared statements
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		get(paths[rand.IntN(len(paths))])
	}
}
