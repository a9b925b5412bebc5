package account_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// TestSQLiteWritersDoNotStarveReads: on SQLite more concurrent writers than
// the pool has connections, each reading outside its transaction while in
// it (the tenant cache refreshed when it expires, as the member change's
// feed does), all finish well within their deadline. Writers that waited
// for the write lock holding a connection each once left the holder none
// for its read: every request then ran into its deadline.
func TestSQLiteWritersDoNotStarveReads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	idp := e.token(store.AuthorityOwner)
	g, err := e.svc.CreateGroup(e.ctx(), idp, e.tenant, account.GroupInput{Group: &store.Group{DisplayName: "Busy"}})
	ok(t, "group", err)
	const writers, each = 24, 6
	ids := make([]string, writers*each)
	for i := range ids {
		ids[i] = e.user(fmt.Sprintf("w%03d", i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range each {
				e.clock.add(6 * time.Second) // the tenant cache (5 s) expires
				ctx, cancel := context.WithTimeout(e.ctx(), 3*time.Second)
				_, err := e.svc.EditMembers(ctx, idp, e.tenant, g.ID, []account.MemberOp{{Add: []string{ids[w*each+k]}}})
				cancel()
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a member change under %d concurrent writers: %v", writers, err)
	}
	full, err := e.st.Reader().GetGroup(e.ctx(), e.tenant, g.ID, store.LoadMembers)
	ok(t, "group", err)
	if len(full.Members) != len(ids) {
		t.Fatalf("the group has %d members; want %d", len(full.Members), len(ids))
	}
}
