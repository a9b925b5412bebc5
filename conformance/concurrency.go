package conformance

import (
	"fmt"
	"sync"
)

var allProfiles = []Profile{ProfileRFC, ProfileOkta, ProfileEntra}

func init() {
	m := true
	register("concurrency",
		Check{ID: "conc-patch-members-20", Title: "20 parallel PATCHes each adding a member leave all 20 members", Section: "RFC 7644 §3.5.2 (atomic PATCH); Okta/Entra push memberships in parallel", Profiles: allProfiles, Mutates: m, Requires: []Feature{FeatPatch}, run: concPatchMembers},
		Check{ID: "conc-create-same-username-5", Title: "5 parallel POSTs of one userName give exactly one 201 and four 409", Section: "RFC 7644 §3.3, §3.12 uniqueness", Profiles: allProfiles, Mutates: m, run: concCreateSame},
		Check{ID: "conc-create-distinct-10", Title: "10 parallel POSTs of distinct users all answer 201 with distinct ids", Section: "RFC 7644 §3.3", Profiles: allProfiles, Mutates: m, run: concCreateDistinct},
		Check{ID: "conc-delete-same-5", Title: "5 parallel DELETEs of one User give one 204 and four 404", Section: "RFC 7644 §3.6", Profiles: allProfiles, Mutates: m, run: concDeleteSame},
	)
}

// parallel runs fn(i) for i in [0,n) at once and returns the responses; a
// transport error fails the check.
func (c *tc) parallel(n int, fn func(i int) (string, string, any)) []*resp {
	out := make([]*resp, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			method, path, body := fn(i)
			<-start
			out[i], errs[i] = c.send(c.ctx, method, path, body, true)
		}(i)
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			c.fatalf(nil, "parallel request %d failed: %v", i, err)
		}
	}
	return out
}

func countStatus(rs []*resp) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.Status]++
	}
	return m
}

func concPatchMembers(c *tc) {
	g := c.mkGroup("conc")
	var uids []string
	for i := 0; i < 20; i++ {
		uids = append(uids, idOf(c.mkUser(fmt.Sprintf("cm%d", i))))
	}
	rs := c.parallel(20, func(i int) (string, string, any) {
		return "PATCH", "/Groups/" + idOf(g), patchBody(op("add", "members", members(uids[i])))
	})
	for _, r := range rs {
		c.expect(r.Status == 200 || r.Status == 204, r, "parallel PATCH answered %d", r.Status)
	}
	got, r := c.get("Groups", idOf(g))
	ms := memberIDs(got)
	missing := 0
	for _, u := range uids {
		if ms[u] != 1 {
			missing++
		}
	}
	c.expect(missing == 0 && len(ms) == 20, r, "after 20 parallel adds, %d of 20 members are missing or duplicated (%d distinct present)", missing, len(ms))
}

func concCreateSame(c *tc) {
	b := c.userBody("same")
	rs := c.parallel(5, func(int) (string, string, any) { return "POST", "/Users", b })
	for _, r := range rs {
		if r.Status == 201 && idOf(r.obj) != "" {
			c.cleanupResource("/Users/" + idOf(r.obj))
		}
	}
	st := countStatus(rs)
	var bad *resp
	for _, r := range rs {
		if r.Status != 201 && r.Status != 409 {
			bad = r
		}
	}
	c.expect(st[201] == 1 && st[409] == 4, bad, "want one 201 and four 409, got %v", st)
	for _, r := range rs {
		if r.Status == 409 {
			c.errorBody(r, "uniqueness")
		}
	}
}

func concCreateDistinct(c *tc) {
	bodies := make([]map[string]any, 10)
	for i := range bodies {
		bodies[i] = c.userBody(fmt.Sprintf("d%d", i))
	}
	rs := c.parallel(10, func(i int) (string, string, any) { return "POST", "/Users", bodies[i] })
	seen := map[string]bool{}
	for _, r := range rs {
		if r.Status == 201 && idOf(r.obj) != "" {
			c.cleanupResource("/Users/" + idOf(r.obj))
			seen[idOf(r.obj)] = true
		}
		c.expect(r.Status == 201, r, "parallel POST answered %d", r.Status)
	}
	c.expect(len(seen) == 10, nil, "want 10 distinct ids, got %d", len(seen))
}

func concDeleteSame(c *tc) {
	u := c.mkUser("cdel")
	rs := c.parallel(5, func(int) (string, string, any) { return "DELETE", "/Users/" + idOf(u), nil })
	st := countStatus(rs)
	c.expect(st[204] == 1 && st[404] == 4, rs[0], "want one 204 and four 404, got %v", st)
}
