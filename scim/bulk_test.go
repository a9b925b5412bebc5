package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
)

const bulkSchema = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"

func bulkBody(failOnErrors int, ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	b := map[string]any{"schemas": []any{bulkSchema}, "Operations": list}
	if failOnErrors > 0 {
		b["failOnErrors"] = failOnErrors
	}
	return b
}

func bulkOp(method, path, bulkID string, data any) map[string]any {
	o := map[string]any{"method": method, "path": path}
	if bulkID != "" {
		o["bulkId"] = bulkID
	}
	if data != nil {
		o["data"] = data
	}
	return o
}

func userDoc(name string) map[string]any {
	return map[string]any{"schemas": []any{userSchema}, "userName": name}
}

// bulkOps posts a Bulk request, wants 200 and returns the operations'
// results by bulkId (or by "METHOD path" without one).
func (e *env) bulkOps(t *testing.T, body map[string]any) (map[string]map[string]any, []any) {
	t.Helper()
	r := e.do("POST", "/Bulk", body).want(t, 200)
	eq(t, "schemas", r.Body, []any{"urn:ietf:params:scim:api:messages:2.0:BulkResponse"}, "schemas")
	ops, _ := r.Body["Operations"].([]any)
	out := map[string]map[string]any{}
	for _, o := range ops {
		m := o.(map[string]any)
		k, _ := m["bulkId"].(string)
		if k == "" {
			k = fmt.Sprint(m["method"], " ", m["location"])
		}
		out[k] = m
	}
	return out, ops
}

func lastSeg(s string) string { return s[strings.LastIndex(s, "/")+1:] }

// TestBulkReferences: a group created before the user it holds (a forward
// reference), a PATCH whose path names a bulkId, and a reference inside
// members values all resolve to the ids the POSTs made.
func TestBulkReferences(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		res, _ := e.bulkOps(t, bulkBody(0,
			bulkOp("POST", "/Groups", "g", map[string]any{"schemas": []any{groupSchema}, "displayName": "Bulk Team",
				"members": []any{map[string]any{"value": "bulkId:u1"}}}),
			bulkOp("PATCH", "/Groups/bulkId:g", "", patch(op("add", "members", []any{map[string]any{"value": "bulkId:u2"}}))),
			bulkOp("POST", "/Users", "u1", userDoc("one@example.com")),
			bulkOp("POST", "/Users", "u2", userDoc("two@example.com")),
		))
		for _, k := range []string{"g", "u1", "u2"} {
			if res[k]["status"] != "201" {
				t.Fatalf("%s: status %v, want 201: %v", k, res[k]["status"], res[k])
			}
		}
		gid := lastSeg(res["g"]["location"].(string))
		g := e.do("GET", "/Groups/"+gid, nil).want(t, 200)
		got := memberIDs(g.Body)
		want := map[string]bool{lastSeg(res["u1"]["location"].(string)): true, lastSeg(res["u2"]["location"].(string)): true}
		if len(got) != 2 || !want[got[0]] || !want[got[1]] {
			t.Errorf("members %v, want the two bulk users %v", got, want)
		}
	})
}

// TestBulkCycle: two groups holding each other by bulkId cannot be created
// in any order: both fail with 409 naming the circular reference; an
// unknown bulkId fails the whole request with 400.
func TestBulkCycle(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		grp := func(name, ref string) map[string]any {
			return map[string]any{"schemas": []any{groupSchema}, "displayName": name, "members": []any{map[string]any{"value": "bulkId:" + ref}}}
		}
		res, ops := e.bulkOps(t, bulkBody(0, bulkOp("POST", "/Groups", "a", grp("A", "b")), bulkOp("POST", "/Groups", "b", grp("B", "a"))))
		if len(ops) != 2 {
			t.Fatalf("%d results, want 2", len(ops))
		}
		for _, k := range []string{"a", "b"} {
			eq(t, k, res[k], "409", "status")
			if d, _ := at(res[k], "response", "detail").(string); !strings.Contains(d, "circular") {
				t.Errorf("%s: detail %q does not say circular", k, d)
			}
		}
		if n := e.do("GET", "/Groups", nil).want(t, 200).total(t); n != 0 {
			t.Errorf("%d groups exist after a circular request, want 0", n)
		}
		e.do("POST", "/Bulk", bulkBody(0, bulkOp("POST", "/Groups", "a", grp("A", "nope")))).wantError(t, 400, "invalidValue")
	})
}

// TestBulkFailOnErrors: processing stops once failOnErrors operations have
// failed; without it every operation runs, each with its own status and
// SCIM error; a POST depending on a failed POST fails with 409.
func TestBulkFailOnErrors(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		e.createUser(t, "taken@example.com", nil)
		_, ops := e.bulkOps(t, bulkBody(1,
			bulkOp("POST", "/Users", "dup", userDoc("TAKEN@example.com")),
			bulkOp("POST", "/Users", "late", userDoc("late@example.com"))))
		if len(ops) != 1 {
			t.Fatalf("failOnErrors=1: %d results, want 1", len(ops))
		}
		eq(t, "dup", ops[0], "409", "status")
		eq(t, "dup scimType", ops[0], "uniqueness", "response", "scimType")
		eq(t, "dup error schema", ops[0], []any{"urn:ietf:params:scim:api:messages:2.0:Error"}, "response", "schemas")

		res, ops := e.bulkOps(t, bulkBody(0,
			bulkOp("POST", "/Users", "dup", userDoc("taken@example.com")),
			bulkOp("POST", "/Groups", "g", map[string]any{"schemas": []any{groupSchema}, "displayName": "G", "members": []any{map[string]any{"value": "bulkId:dup"}}}),
			bulkOp("POST", "/Users", "ok", userDoc("ok@example.com")),
			bulkOp("DELETE", "/Users/nobody", "", nil)))
		if len(ops) != 4 {
			t.Fatalf("%d results, want 4", len(ops))
		}
		eq(t, "dup", res["dup"], "409", "status")
		eq(t, "dependent", res["g"], "409", "status")
		eq(t, "ok", res["ok"], "201", "status")
		eq(t, "delete", res["DELETE <nil>"], "404", "status")
	})
}

// TestBulkVersion: an operation's version is its If-Match: a stale one
// fails with 412 and changes nothing, the current one applies.
func TestBulkVersion(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		id := e.createUser(t, "v@example.com", nil)
		cur := e.do("GET", "/Users/"+id, nil).want(t, 200).Header.Get("ETag")
		e.do("PATCH", "/Users/"+id, patch(op("replace", "title", "one"))).want(t, 200, 204)
		_, ops := e.bulkOps(t, bulkBody(0, map[string]any{"method": "PATCH", "path": "/Users/" + id, "version": cur,
			"data": patch(op("replace", "title", "stale"))}))
		eq(t, "stale", ops[0], "412", "status")
		now := e.do("GET", "/Users/"+id, nil).want(t, 200)
		eq(t, "title", now.Body, "one", "title")
		_, ops = e.bulkOps(t, bulkBody(0, map[string]any{"method": "PATCH", "path": "/Users/" + id, "version": now.Header.Get("ETag"),
			"data": patch(op("replace", "title", "two"))}))
		eq(t, "current", ops[0], "200", "status")
		if v, _ := at(ops[0], "version").(string); v == "" || v == now.Header.Get("ETag") {
			t.Errorf("version after the PATCH = %q, want a new ETag", v)
		}
	})
}

// TestBulkLimits: more operations than maxOperations is 413 (RFC 7644
// §3.7.4) with scimType tooMany; a body over maxPayloadSize is 413; both
// limits are advertised; malformed requests are 400.
func TestBulkLimits(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{MaxBulkOperations: 3, MaxBodyBytes: 4096}, func(t *testing.T, e *env) {
		spc := e.do("GET", "/ServiceProviderConfig", nil).want(t, 200)
		eq(t, "bulk", spc.Body, map[string]any{"supported": true, "maxOperations": 3, "maxPayloadSize": 4096}, "bulk")
		var ops []map[string]any
		for i := range 4 {
			ops = append(ops, bulkOp("POST", "/Users", fmt.Sprint("u", i), userDoc(fmt.Sprint("u", i, "@example.com"))))
		}
		e.do("POST", "/Bulk", bulkBody(0, ops...)).wantError(t, http.StatusRequestEntityTooLarge, "tooMany")
		if n := e.do("GET", "/Users", nil).want(t, 200).total(t); n != 0 {
			t.Errorf("%d users after a refused request, want 0", n)
		}
		big := bulkBody(0, bulkOp("POST", "/Users", "x", userDoc(strings.Repeat("x", 5000))))
		e.do("POST", "/Bulk", big).want(t, http.StatusRequestEntityTooLarge)
		for name, body := range map[string]any{
			"no schema":       map[string]any{"Operations": []any{}},
			"no operations":   map[string]any{"schemas": []any{bulkSchema}},
			"bad method":      bulkBody(0, bulkOp("GET", "/Users", "", nil)),
			"post no bulkId":  bulkBody(0, bulkOp("POST", "/Users", "", userDoc("a@b"))),
			"duplicate id":    bulkBody(0, bulkOp("POST", "/Users", "x", userDoc("a@b")), bulkOp("POST", "/Users", "x", userDoc("c@d"))),
			"bad failOnError": map[string]any{"schemas": []any{bulkSchema}, "Operations": []any{}, "failOnErrors": "x"},
		} {
			r := e.do("POST", "/Bulk", body)
			if r.Status != 400 {
				t.Errorf("%s: status %d, want 400: %s", name, r.Status, r.Raw)
			}
		}
		_, res := e.bulkOps(t, bulkBody(0, bulkOp("POST", "/Tokens", "t", map[string]any{})))
		eq(t, "unknown path", res[0], "400", "status")
	})
}

// txDownStore answers every transaction with ErrUnavailable once down is set.
type txDownStore struct {
	store.Store
	down *atomic.Bool
}

func (d txDownStore) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	if d.down.Load() {
		return store.ErrUnavailable
	}
	return d.Store.InTx(ctx, fn)
}

// TestBulkDatabaseDown: once an operation finds the database not
// answering, the rest are not run (each would wait its own DBTimeout) and
// answer 503 saying so.
func TestBulkDatabaseDown(t *testing.T) {
	t.Parallel()
	down := &atomic.Bool{}
	e := newEnv(t, "sqlite", scim.Config{}, func(s store.Store) store.Store { return txDownStore{s, down} })
	id := e.createUser(t, "keep@example.com", nil)
	down.Store(true)
	_, ops := e.bulkOps(t, bulkBody(0,
		bulkOp("DELETE", "/Users/"+id, "", nil),
		bulkOp("POST", "/Users", "a", userDoc("a@example.com")),
		bulkOp("PATCH", "/Users/"+id, "", patch(op("replace", "title", "x")))))
	if len(ops) != 3 {
		t.Fatalf("%d results, want 3", len(ops))
	}
	eq(t, "first", ops[0], "503", "status")
	for _, o := range ops[1:] {
		eq(t, "after", o, "503", "status")
		if d, _ := at(o, "response", "detail").(string); !strings.Contains(d, "not run") {
			t.Errorf("detail %q, want that it was not run", d)
		}
	}
}
