package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

func emitEvents(t *testing.T, s store.Store, tenant string, types ...string) []*store.Event {
	t.Helper()
	var out []*store.Event
	inTx(t, s, func(c context.Context, tx store.Tx) error {
		out = out[:0]
		for i, typ := range types {
			e := &store.Event{TenantID: tenant, Type: typ, ActorKind: "operator", ResourceType: "User",
				ResourceID: fmt.Sprintf("r%d", i), Data: `{"n":` + fmt.Sprint(i) + `}`}
			if err := tx.InsertEvent(c, e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out
}

func eventSeqs(t *testing.T, s store.Store, tenant string, after int64, limit int) []int64 {
	t.Helper()
	es, err := s.Events(ctx(t), tenant, after, limit)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	out := []int64{}
	for _, e := range es {
		out = append(out, e.Sequence)
	}
	return out
}

var eventTests = map[string]func(t *testing.T, s store.Store){
	"NumberedPerTenantInOrder": func(t *testing.T, s store.Store) {
		a, b := newTenant(t, s), newTenant(t, s)
		es := emitEvents(t, s, a, "user.created", "user.updated")
		emitEvents(t, s, b, "user.created")
		emitEvents(t, s, a, "user.deleted")
		if es[0].ID == "" || es[0].At.IsZero() {
			t.Fatalf("first events = %+v %+v", es[0], es[1])
		}
		got, err := s.Events(ctx(t), a, 0, 0)
		if err != nil || len(got) != 3 {
			t.Fatalf("Events(a) = %v, %v", got, err)
		}
		if got[0].Type != "user.created" || got[0].ResourceID != "r0" || got[0].Data != `{"n":0}` || got[2].Type != "user.deleted" ||
			got[2].Sequence != 3 || !got[0].At.Equal(es[0].At) {
			t.Fatalf("Events(a) = %+v", got)
		}
		if seqs := eventSeqs(t, s, b, 0, 0); len(seqs) != 1 || seqs[0] != 1 {
			t.Fatalf("Events(b) = %v, want [1]: numbers are per tenant", seqs)
		}
		if seqs := eventSeqs(t, s, a, 1, 1); len(seqs) != 1 || seqs[0] != 2 {
			t.Fatalf("Events(a, after 1, limit 1) = %v", seqs)
		}
		if seqs := eventSeqs(t, s, a, 3, 10); len(seqs) != 0 {
			t.Fatalf("Events after the last = %v", seqs)
		}
	},
	"ManyInOneTransaction": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		types := make([]string, 1203)
		for i := range types {
			types[i] = "group.member_added"
		}
		emitEvents(t, s, tenant, "user.created")
		emitEvents(t, s, tenant, types...)
		var last int64
		for last < 1204 {
			page, err := s.Events(ctx(t), tenant, last, 1000)
			if err != nil || len(page) == 0 {
				t.Fatalf("page after %d: %d, %v", last, len(page), err)
			}
			for _, e := range page {
				if e.Sequence != last+1 || (e.Sequence > 1 && e.ResourceID != fmt.Sprintf("r%d", e.Sequence-2)) {
					t.Fatalf("event %+v after %d", e, last)
				}
				last = e.Sequence
			}
		}
	},
	"RollbackTakesNoNumber": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		emitEvents(t, s, tenant, "user.created")
		eventSeqs(t, s, tenant, 0, 0)
		boom := errors.New("boom")
		err := s.InTx(ctx(t), func(tx store.Tx) error {
			if err := tx.InsertEvent(ctx(t), &store.Event{TenantID: tenant, Type: "user.updated", ActorKind: "operator"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v", err)
		}
		emitEvents(t, s, tenant, "user.deleted")
		if seqs := eventSeqs(t, s, tenant, 0, 0); fmt.Sprint(seqs) != "[1 2]" {
			t.Fatalf("sequences = %v, want [1 2]: a rolled-back event leaves no gap", seqs)
		}
	},
	"TenantGone": func(t *testing.T, s store.Store) {
		err := s.InTx(ctx(t), func(tx store.Tx) error {
			return tx.InsertEvent(ctx(t), &store.Event{TenantID: "no-such-tenant", Type: "user.created", ActorKind: "operator"})
		})
		if !errors.Is(err, store.ErrTenantGone) {
			t.Fatalf("event of no tenant = %v, want ErrTenantGone", err)
		}
	},
	// A reader paging after the last number it saw, while writers commit
	// concurrently, must see every number in turn: never one committed
	// later with a lower number than one it has seen.
	"ConcurrentWritersNoMissedEvent": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		const writers, each = 6, 15
		var wg sync.WaitGroup
		done := make(chan struct{})
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					n := 1 + i%3
					err := s.InTx(ctx(t), func(tx store.Tx) error {
						for k := 0; k < n; k++ {
							if err := tx.InsertEvent(ctx(t), &store.Event{TenantID: tenant, Type: "user.updated", ActorKind: "idp"}); err != nil {
								return err
							}
						}
						// Work after the events, before the commit.
						_, err := tx.GetTenant(ctx(t), tenant)
						return err
					})
					if err != nil {
						t.Errorf("writer: %v", err)
						return
					}
				}
			}()
		}
		go func() { wg.Wait(); close(done) }()
		want := int64(writers * each * 2) // 1+2+3 per 3 transactions
		// Two consumers page at once: each read numbers what is waiting,
		// so the numbering steps run concurrently too.
		var rg sync.WaitGroup
		ids := make([]map[int64]string, 2)
		for r := range ids {
			ids[r] = map[int64]string{}
			rg.Add(1)
			go func() {
				defer rg.Done()
				var last int64
				for finished := false; ; {
					select {
					case <-done:
						finished = true
					default:
					}
					es, err := s.Events(ctx(t), tenant, last, 50)
					if err != nil {
						t.Errorf("Events: %v", err)
						return
					}
					for _, e := range es {
						if e.Sequence != last+1 {
							t.Errorf("read %d after %d: a consumer paging after %d would miss %d", e.Sequence, last, last, last+1)
							return
						}
						last = e.Sequence
						ids[r][e.Sequence] = e.ID
					}
					if finished && len(es) == 0 {
						break
					}
				}
				if last != want {
					t.Errorf("read up to %d, want %d", last, want)
				}
			}()
		}
		rg.Wait()
		for q, id := range ids[0] {
			if ids[1][q] != id {
				t.Fatalf("number %d is event %s to one consumer and %s to the other", q, id, ids[1][q])
			}
		}
	},
	"Purge": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		old := now().Add(-40 * 24 * time.Hour)
		inTx(t, s, func(c context.Context, tx store.Tx) error {
			if err := tx.InsertEvent(c, &store.Event{TenantID: tenant, Type: "user.created", ActorKind: "idp", At: old}); err != nil {
				return err
			}
			return tx.InsertEvent(c, &store.Event{TenantID: tenant, Type: "user.updated", ActorKind: "idp"})
		})
		eventSeqs(t, s, tenant, 0, 0) // numbered
		n, err := s.PurgeEvents(ctx(t), now().Add(-30*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("PurgeEvents = %d, %v", n, err)
		}
		if seqs := eventSeqs(t, s, tenant, 0, 0); fmt.Sprint(seqs) != "[2]" {
			t.Fatalf("after purge = %v", seqs)
		}
	},
	"APIKeys": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		k, err := s.CreateAPIKey(c, store.APIKey{TenantID: tenant, Label: "analytics", Scopes: []string{"events:read"}, Hash: hashOf("k1")})
		if err != nil || k.ID == "" || k.CreatedAt.IsZero() {
			t.Fatalf("CreateAPIKey = %+v, %v", k, err)
		}
		got, err := s.APIKeyByHash(c, hashOf("k1"))
		if err != nil || got.ID != k.ID || got.TenantID != tenant || fmt.Sprint(got.Scopes) != "[events:read]" || got.Label != "analytics" {
			t.Fatalf("APIKeyByHash = %+v, %v", got, err)
		}
		if _, err := s.APIKeyByHash(c, hashOf("k2")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown key = %v", err)
		}
		other := newTenant(t, s)
		wantErr(t, "revoke in another tenant", s.RevokeAPIKey(c, other, k.ID, now()), store.ErrNotFound)
		if err := s.RevokeAPIKey(c, tenant, k.ID, now()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.APIKeyByHash(c, hashOf("k1")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked key = %v", err)
		}
		ks, err := s.ListAPIKeys(c, tenant)
		if err != nil || len(ks) != 1 || ks[0].RevokedAt == nil {
			t.Fatalf("ListAPIKeys = %+v, %v", ks, err)
		}
		if _, err := s.CreateAPIKey(c, store.APIKey{TenantID: "nope", Scopes: []string{"events:read"}, Hash: hashOf("k3")}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("key of no tenant = %v", err)
		}
	},
}
