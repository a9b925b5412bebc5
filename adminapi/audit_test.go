package adminapi_test

import (
	"net/url"
	"testing"
	"time"
)

func TestAudit(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		start := time.Now().UTC().Add(-time.Second)
		id := e.user("aud")
		r := o.patch("/api/v1/users/"+id, map[string]any{"name": "Audrey", "password": "Secret123!"}, "X-Request-Id", "req-audit-1").want(200)
		if r.header.Get("X-Request-Id") != "req-audit-1" {
			t.Errorf("X-Request-Id %q", r.header.Get("X-Request-Id"))
		}
		o.post("/api/v1/users/"+id+"/deactivate", nil).want(200)

		entries := o.get("/api/v1/audit?user=" + id).want(200).obj()
		if entries["total"] != nil {
			t.Errorf("total = %v, want null (the log is not counted)", entries["total"])
		}
		items := entries["items"].([]any)
		if len(items) != 3 {
			t.Fatalf("audit of the user: %v, want created, updated, deactivated", items)
		}
		actions := []string{}
		for _, it := range items {
			actions = append(actions, it.(map[string]any)["action"].(string))
		}
		if !eqStrings(actions, []string{"user.deactivated", "user.updated", "user.created"}) {
			t.Errorf("actions = %v, want newest first", actions)
		}
		upd := items[1].(map[string]any)
		actor := upd["actor"].(map[string]any)
		if actor["kind"] != "member" || actor["id"] != e.owner || upd["resourceType"] != "User" || upd["resourceId"] != id || upd["requestId"] != "req-audit-1" {
			t.Errorf("entry = %v", upd)
		}
		changes := upd["changes"].(map[string]any)
		if changes["displayName"].(map[string]any)["after"] != "Audrey" || changes["password"].(map[string]any)["after"] != "[redacted]" {
			t.Errorf("changes = %v", changes)
		}
		if at, err := time.Parse(time.RFC3339Nano, upd["time"].(string)); err != nil || at.Before(start) {
			t.Errorf("time %v: %v", upd["time"], err)
		}

		// By actor, since a time, paged.
		byOwner := o.get("/api/v1/audit?actor=" + e.owner).want(200).items()
		if len(byOwner) < 2 {
			t.Errorf("entries by the Owner: %v", byOwner)
		}
		for _, it := range byOwner {
			if it["actor"].(map[string]any)["id"] != e.owner {
				t.Errorf("entry by another actor: %v", it)
			}
		}
		future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		if l := o.get("/api/v1/audit?since=" + future).want(200).items(); len(l) != 0 {
			t.Errorf("entries from the future: %v", l)
		}
		var all []string
		path := "/api/v1/audit?limit=2"
		for range 50 {
			l := o.get(path).want(200).obj()
			for _, it := range l["items"].([]any) {
				all = append(all, it.(map[string]any)["id"].(string))
			}
			if l["next"] == nil {
				break
			}
			path = "/api/v1/audit?limit=2&cursor=" + url.QueryEscape(l["next"].(string))
		}
		whole := o.get("/api/v1/audit?limit=500").want(200).obj()
		if whole["next"] != nil || len(whole["items"].([]any)) != len(all) || len(all) < 5 {
			t.Errorf("paged %d entries, whole log %d", len(all), len(whole["items"].([]any)))
		}
		seen := map[string]bool{}
		for _, a := range all {
			if seen[a] {
				t.Errorf("entry %s twice across pages", a)
			}
			seen[a] = true
		}
		o.get("/api/v1/audit?since=yesterday").wantError(400, "invalid", "RFC 3339")
		o.get("/api/v1/audit?cursor=eyJjIjoxLCJpIjoieCJ9").wantError(400, "invalid", "cursor") // a users cursor
		o.get("/api/v1/audit?who=me").wantError(400, "invalid", "who")

		// Reading the log needs audit.read, which an Account Admin lacks.
		aa, cookie := e.admin("acc")
		e.setRoles(aa, "Account Admin")
		e.as(cookie).get("/api/v1/audit").wantError(403, "forbidden", "audit.read")
	})
}
