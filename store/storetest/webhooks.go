package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

func mkWebhook(t *testing.T, s store.Store, tenant string, types ...string) store.Webhook {
	t.Helper()
	w := &store.Webhook{TenantID: tenant, URL: "https://example.com/hook", EventTypes: types, Secret: "whsec_c2VjcmV0"}
	if err := s.CreateWebhook(ctx(t), w); err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	return *w
}

// emitFor emits one event per resource id, each in a transaction of its own.
func emitFor(t *testing.T, s store.Store, tenant, typ string, resources ...string) {
	t.Helper()
	for _, r := range resources {
		inTx(t, s, func(c context.Context, tx store.Tx) error {
			return tx.InsertEvent(c, &store.Event{TenantID: tenant, Type: typ, ActorKind: "idp", ResourceType: "User", ResourceID: r})
		})
	}
}

func dispatchAll(t *testing.T, s store.Store, tenant, id string) store.Webhook {
	t.Helper()
	for {
		w, err := s.GetWebhook(ctx(t), tenant, id)
		if err != nil {
			t.Fatal(err)
		}
		n, _, err := s.Dispatch(ctx(t), w, now(), 2)
		if err != nil {
			t.Fatalf("Dispatch: %v", err)
		}
		if n == 0 {
			return w
		}
	}
}

func dueSeqs(t *testing.T, s store.Store, id string, at time.Time) ([]int64, []store.Delivery) {
	t.Helper()
	ds, err := s.DueDeliveries(ctx(t), id, at, 100)
	if err != nil {
		t.Fatalf("DueDeliveries: %v", err)
	}
	out := []int64{}
	for _, d := range ds {
		if d.Event == nil || d.Event.Sequence != d.Sequence {
			t.Fatalf("delivery without its event: %+v", d)
		}
		out = append(out, d.Sequence)
	}
	return out, ds
}

var webhookTests = map[string]func(t *testing.T, s store.Store){
	"CRUD": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		emitFor(t, s, tenant, "user.created", "before")
		w := mkWebhook(t, s, tenant, "user.created", "user.deleted")
		if w.ID == "" || !w.Enabled || w.Cursor != 1 {
			t.Fatalf("created %+v: the cursor starts after the events already there", w)
		}
		got, err := s.GetWebhook(c, tenant, w.ID)
		if err != nil || got.URL != w.URL || fmt.Sprint(got.EventTypes) != "[user.created user.deleted]" || got.Secret != w.Secret {
			t.Fatalf("GetWebhook = %+v, %v", got, err)
		}
		other := newTenant(t, s)
		if _, err := s.GetWebhook(c, other, w.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another tenant's endpoint = %v", err)
		}
		until := now().Add(time.Hour)
		got.URL, got.EventTypes, got.PrevSecret, got.PrevUntil, got.Secret = "https://example.com/2", nil, got.Secret, &until, "whsec_bmV3"
		if err := s.UpdateWebhook(c, got); err != nil {
			t.Fatal(err)
		}
		ws, err := s.ListWebhooks(c, tenant)
		if err != nil || len(ws) != 1 || ws[0].URL != "https://example.com/2" || ws[0].EventTypes != nil || ws[0].PrevSecret != w.Secret ||
			ws[0].PrevUntil == nil || !ws[0].PrevUntil.Equal(until) {
			t.Fatalf("ListWebhooks = %+v, %v", ws, err)
		}
		wantErr(t, "delete in another tenant", s.DeleteWebhook(c, other, w.ID), store.ErrNotFound)
		if err := s.DeleteWebhook(c, tenant, w.ID); err != nil {
			t.Fatal(err)
		}
		if ws, _ := s.ListWebhooks(c, tenant); len(ws) != 0 {
			t.Fatalf("after delete: %+v", ws)
		}
	},
	"DispatchFiltersAndOrdersPerResource": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		w := mkWebhook(t, s, tenant, "user.created", "user.updated")
		emitFor(t, s, tenant, "user.created", "a", "b")
		emitFor(t, s, tenant, "group.created", "g")
		emitFor(t, s, tenant, "user.updated", "a", "b", "a")
		w = dispatchAll(t, s, tenant, w.ID)
		if w.Cursor != 6 {
			t.Fatalf("cursor = %d, want 6", w.Cursor)
		}
		seqs, ds := dueSeqs(t, s, w.ID, now())
		if fmt.Sprint(seqs) != "[1 2 4 5 6]" {
			t.Fatalf("due = %v, want [1 2 4 5 6] (group.created filtered out)", seqs)
		}
		// The first delivery of "a" fails and waits for a retry: the later
		// ones of "a" wait too, "b" goes on.
		at := now()
		if _, err := s.RecordOutcomes(c, w.ID, at, []store.Outcome{
			{Attempt: store.Attempt{DeliveryID: ds[0].ID, At: at, Status: 500, Latency: 12 * time.Millisecond, Response: "oops"}, Next: at.Add(time.Hour)},
			{Attempt: store.Attempt{DeliveryID: ds[1].ID, At: at, Status: 204}, Delivered: true},
		}); err != nil {
			t.Fatal(err)
		}
		if seqs, _ := dueSeqs(t, s, w.ID, at); fmt.Sprint(seqs) != "[5]" {
			t.Fatalf("due after a's failure = %v, want [5]", seqs)
		}
		if seqs, _ := dueSeqs(t, s, w.ID, at.Add(2*time.Hour)); fmt.Sprint(seqs) != "[1 4 5 6]" {
			t.Fatalf("due once a's retry is due = %v", seqs)
		}
		as, err := s.Attempts(c, tenant, ds[0].ID)
		if err != nil || len(as) != 1 || as[0].Status != 500 || as[0].Latency != 12*time.Millisecond || as[0].Response != "oops" {
			t.Fatalf("Attempts = %+v, %v", as, err)
		}
		if as, _ := s.Attempts(c, newTenant(t, s), ds[0].ID); len(as) != 0 {
			t.Fatalf("another tenant reads the attempts: %+v", as)
		}
		all, err := s.Deliveries(c, tenant, w.ID, 0)
		if err != nil || len(all) != 5 || all[0].Sequence != 6 {
			t.Fatalf("Deliveries = %+v, %v", all, err)
		}
		if i := slices.IndexFunc(all, func(d store.Delivery) bool { return d.ID == ds[1].ID }); all[i].State != store.DeliveryDelivered ||
			all[i].DeliveredAt == nil || all[i].Attempts != 1 {
			t.Fatalf("delivered = %+v", all[i])
		}
		// Given up, then resent.
		if _, err := s.RecordOutcomes(c, w.ID, at, []store.Outcome{{Attempt: store.Attempt{DeliveryID: ds[1].ID, At: at, Error: "refused"}}}); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "resend in another tenant", s.Resend(c, newTenant(t, s), ds[1].ID, at), store.ErrNotFound)
		if err := s.Resend(c, tenant, ds[1].ID, at); err != nil {
			t.Fatal(err)
		}
		if seqs, _ := dueSeqs(t, s, w.ID, at); fmt.Sprint(seqs) != "[2 5]" {
			t.Fatalf("due after resend = %v", seqs)
		}
	},
	"HealthAndDisable": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		admin := mkUser(t, s, tenant, "boss@example.com")
		mkUser(t, s, tenant, "staff@example.com")
		addGrant(t, s, userGrant(tenant, admin.ID, "admin", ""))
		w := mkWebhook(t, s, tenant)
		emitFor(t, s, tenant, "user.created", "a")
		dispatchAll(t, s, tenant, w.ID)
		_, ds := dueSeqs(t, s, w.ID, now())
		t0 := now()
		got, err := s.RecordOutcomes(c, w.ID, t0, []store.Outcome{{Attempt: store.Attempt{DeliveryID: ds[0].ID, At: t0, Status: 503}, Next: t0.Add(time.Minute)}})
		if err != nil || got.FailingSince == nil || !got.FailingSince.Equal(t0) {
			t.Fatalf("after a failure: %+v, %v", got, err)
		}
		got, _ = s.RecordOutcomes(c, w.ID, t0.Add(time.Minute), []store.Outcome{{Attempt: store.Attempt{DeliveryID: ds[0].ID, At: t0, Status: 503}, Next: t0.Add(time.Hour)}})
		if !got.FailingSince.Equal(t0) {
			t.Fatalf("failing since moved: %+v", got)
		}
		addrs, err := s.AdminAddresses(c, tenant, []string{"owner", "admin"})
		if err != nil || fmt.Sprint(addrs) != "[boss@example.com]" {
			t.Fatalf("AdminAddresses = %v, %v", addrs, err)
		}
		if err := s.DisableWebhook(c, w.ID, now(), []*store.Mail{{TenantID: tenant, To: addrs[0], Subject: "disabled", Body: "b"}}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetWebhook(c, tenant, w.ID)
		if got.Enabled || got.DisabledAt == nil {
			t.Fatalf("not disabled: %+v", got)
		}
		ms, _ := s.Reader().Mails(c, tenant, 0)
		if len(ms) != 1 || ms[0].To != "boss@example.com" {
			t.Fatalf("mails = %+v", ms)
		}
		if ws, _ := s.ClaimWebhooks(c, now(), time.Minute, 10); len(ws) != 0 {
			t.Fatalf("a disabled endpoint is claimed: %+v", ws)
		}
		got.Enabled = true
		if err := s.UpdateWebhook(c, got); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetWebhook(c, tenant, w.ID)
		if !got.Enabled || got.FailingSince != nil || got.DisabledAt != nil {
			t.Fatalf("re-enabled: %+v", got)
		}
	},
	"ClaimOnce": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		var ids []string
		for i := 0; i < 6; i++ {
			ids = append(ids, mkWebhook(t, s, tenant).ID)
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ws, err := s.ClaimWebhooks(c, now(), time.Minute, 2)
				if err != nil {
					t.Errorf("ClaimWebhooks: %v", err)
				}
				mu.Lock()
				for _, w := range ws {
					seen[w.ID]++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("endpoint %s claimed %d times", id, n)
			}
		}
		if ws, _ := s.ClaimWebhooks(c, now(), time.Minute, 10); len(ws)+len(seen) != len(ids) {
			t.Fatalf("claimed %d, then %d more, of %d", len(seen), len(ws), len(ids))
		}
		if err := s.ReleaseWebhook(c, ids[0], now()); err != nil {
			t.Fatal(err)
		}
		if ws, _ := s.ClaimWebhooks(c, now(), time.Minute, 10); len(ws) != 1 || ws[0].ID != ids[0] {
			t.Fatalf("after release: %+v", ws)
		}
	},
	"GoneWithTenant": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		w := mkWebhook(t, s, tenant)
		emitFor(t, s, tenant, "user.created", "a")
		dispatchAll(t, s, tenant, w.ID)
		if _, err := s.DeleteTenant(c, tenant); err != nil {
			t.Fatal(err)
		}
		if seqs, _ := dueSeqs(t, s, w.ID, now()); len(seqs) != 0 {
			t.Fatalf("deliveries outlive their tenant: %v", seqs)
		}
		if es, _ := s.Events(c, tenant, 0, 0); len(es) != 0 {
			t.Fatalf("events outlive their tenant")
		}
		if err := s.CreateWebhook(c, &store.Webhook{TenantID: tenant, URL: "https://x", Secret: "whsec_eA=="}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("endpoint of a deleted tenant = %v", err)
		}
	},
}
