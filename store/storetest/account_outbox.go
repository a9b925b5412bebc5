package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/scimd/scimd/store"
)

func insertAudit(t *testing.T, s store.Store, entries ...*store.AuditEntry) {
	t.Helper()
	inTx(t, s, func(c context.Context, tx store.Tx) error {
		for _, e := range entries {
			if err := tx.InsertAudit(c, e); err != nil {
				return err
			}
		}
		return nil
	})
}

func auditIDs(t *testing.T, s store.Store, tenant string, q store.AuditQuery) []string {
	t.Helper()
	es, err := s.Reader().Audit(ctx(t), tenant, q)
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func queueMail(t *testing.T, s store.Store, m *store.Mail) {
	t.Helper()
	inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.QueueMail(c, m) })
}

var auditTests = map[string]func(t *testing.T, s store.Store){
	"InsertAndQuery": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		other, _, _ := otherTenant(t, s)
		t0 := now().Add(-time.Hour)
		at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
		mk := func(id string, min int, actor, resource string) *store.AuditEntry {
			return &store.AuditEntry{ID: id, TenantID: tenant, At: at(min), ActorKind: "idp", ActorID: actor, ActorName: actor + " name",
				Action: "update", ResourceType: "User", ResourceID: resource, Changes: `{"title":{"before":"a","after":"b"}}`, RequestID: "req-" + id}
		}
		// e3 and e4 share a time: the id breaks the tie.
		e1, e2, e3, e4, e5 := mk("e1", 1, "tok1", "u1"), mk("e2", 2, "tok2", "u1"), mk("e3", 3, "tok1", "u2"), mk("e4", 3, "tok1", "u1"), mk("e5", 5, "tok2", "u2")
		insertAudit(t, s, e3, e1, e5, e2, e4)
		insertAudit(t, s, &store.AuditEntry{TenantID: other, At: at(4), ActorKind: "idp", Action: "create", ResourceType: "User", ResourceID: "u1"})
		fresh := &store.AuditEntry{TenantID: tenant, ActorKind: "operator", Action: "delete", ResourceType: "Tenant"}
		before := time.Now().Add(-time.Second)
		insertAudit(t, s, fresh)
		if fresh.ID == "" || fresh.At.Before(before) {
			t.Fatalf("InsertAudit set %+v", fresh)
		}
		es, err := s.Reader().Audit(c, tenant, store.AuditQuery{ResourceID: "u2", Limit: 1})
		if err != nil || len(es) != 1 || !sameAudit(es[0], *e5) {
			t.Fatalf("Audit of u2, one = %+v, %v; want %+v", es, err, e5)
		}
		for _, tc := range []struct {
			what string
			q    store.AuditQuery
			want []string
		}{
			{"all", store.AuditQuery{}, []string{fresh.ID, "e5", "e4", "e3", "e2", "e1"}},
			{"resource", store.AuditQuery{ResourceID: "u1"}, []string{"e4", "e2", "e1"}},
			{"actor", store.AuditQuery{ActorID: "tok1"}, []string{"e4", "e3", "e1"}},
			{"both", store.AuditQuery{ActorID: "tok1", ResourceID: "u1"}, []string{"e4", "e1"}},
			{"since", store.AuditQuery{Since: at(3)}, []string{fresh.ID, "e5", "e4", "e3"}},
			{"limit", store.AuditQuery{Limit: 2}, []string{fresh.ID, "e5"}},
			{"before a tie", store.AuditQuery{Before: &store.AuditCursor{At: at(3), ID: "e4"}}, []string{"e3", "e2", "e1"}},
			{"before, filtered", store.AuditQuery{Before: &store.AuditCursor{At: at(5), ID: "e5"}, ActorID: "tok2"}, []string{"e2"}},
			{"before, since", store.AuditQuery{Before: &store.AuditCursor{At: at(3), ID: "e3"}, Since: at(2)}, []string{"e2"}},
		} {
			if got := auditIDs(t, s, tenant, tc.q); !sameOrder(got, tc.want) {
				t.Errorf("Audit %s = %v, want %v", tc.what, got, tc.want)
			}
		}
		if got := auditIDs(t, s, other, store.AuditQuery{}); len(got) != 1 {
			t.Fatalf("the other tenant's audit = %v, want its one entry", got)
		}
	},
	"DefaultLimit": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		var es []*store.AuditEntry
		for i := range 101 {
			es = append(es, &store.AuditEntry{TenantID: tenant, ActorKind: "job", Action: "x", ResourceType: "User", ResourceID: fmt.Sprint(i)})
		}
		insertAudit(t, s, es...)
		if got := auditIDs(t, s, tenant, store.AuditQuery{}); len(got) != 100 {
			t.Fatalf("Audit without a limit returned %d entries, want 100", len(got))
		}
	},
	"Purge": func(t *testing.T, s store.Store) {
		c := ctx(t)
		t0 := now()
		var tenants []string
		for range 2 {
			tenant := newTenant(t, s)
			tenants = append(tenants, tenant)
			for _, age := range []time.Duration{10 * 24 * time.Hour, 3 * 24 * time.Hour, time.Hour} {
				insertAudit(t, s, &store.AuditEntry{TenantID: tenant, At: t0.Add(-age), ActorKind: "job", Action: "x", ResourceType: "User"})
			}
		}
		n, err := s.PurgeAudit(c, t0.Add(-3*24*time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("PurgeAudit = %d, %v; want 2 (the 10-day-old entry of each tenant)", n, err)
		}
		for _, tenant := range tenants {
			if got := auditIDs(t, s, tenant, store.AuditQuery{}); len(got) != 2 {
				t.Fatalf("after PurgeAudit tenant %s keeps %d entries, want 2", tenant, len(got))
			}
		}
	},
}

// sameAudit compares entries, their times as instants.
func sameAudit(a, b store.AuditEntry) bool {
	if !a.At.Equal(b.At) {
		return false
	}
	a.At = b.At
	return a == b
}

func sameOrder(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

var mailTests = map[string]func(t *testing.T, s store.Store){
	"QueueAndList": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		other, _, _ := otherTenant(t, s)
		var ids []string
		for i := range 3 {
			m := &store.Mail{TenantID: tenant, To: fmt.Sprintf("u%d@example.com", i), Subject: "Welcome", Body: "Hello"}
			queueMail(t, s, m)
			if m.ID == "" || m.State != store.MailQueued || m.CreatedAt.IsZero() || !m.NextAttemptAt.Equal(m.CreatedAt) {
				t.Fatalf("QueueMail set %+v", m)
			}
			ids = append(ids, m.ID)
			time.Sleep(time.Millisecond) // distinct creation times
		}
		queueMail(t, s, &store.Mail{TenantID: other, To: "x@example.com", Subject: "s", Body: "b"})
		ms, err := s.Reader().Mails(c, tenant, 0)
		if err != nil || len(ms) != 3 || ms[0].ID != ids[2] || ms[2].ID != ids[0] {
			t.Fatalf("Mails = %+v, %v; want the three newest first", ms, err)
		}
		if m := ms[2]; m.To != "u0@example.com" || m.Subject != "Welcome" || m.Body != "Hello" || m.Attempts != 0 || m.SentAt != nil {
			t.Fatalf("Mails read back %+v", m)
		}
		if ms, _ := s.Reader().Mails(c, tenant, 2); len(ms) != 2 || ms[0].ID != ids[2] {
			t.Fatalf("Mails with limit 2 = %+v", ms)
		}
		err = txErr(t, s, func(c context.Context, tx store.Tx) error {
			return tx.QueueMail(c, &store.Mail{TenantID: "no-such-tenant", To: "x", Subject: "s", Body: "b"})
		})
		wantErr(t, "QueueMail for no tenant", err, store.ErrTenantGone)
	},
	"ClaimSendFail": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		t0 := now()
		mk := func(due time.Duration) *store.Mail {
			m := &store.Mail{TenantID: tenant, To: "a@example.com", Subject: "s", Body: "b", NextAttemptAt: t0.Add(due)}
			queueMail(t, s, m)
			time.Sleep(time.Millisecond) // distinct creation times
			return m
		}
		late, early, later, future := mk(-time.Minute), mk(-3*time.Minute), mk(-2*time.Minute), mk(time.Hour)
		lease := 5 * time.Minute
		claim := func(at time.Time, limit int) []string {
			t.Helper()
			ms, err := s.ClaimMails(c, at, lease, limit)
			if err != nil {
				t.Fatalf("ClaimMails: %v", err)
			}
			var ids []string
			for _, m := range ms {
				if m.State != store.MailQueued || !m.NextAttemptAt.Equal(at.Add(lease)) {
					t.Errorf("claimed %+v: want queued, due at %v", m, at.Add(lease))
				}
				ids = append(ids, m.ID)
			}
			return ids
		}
		// The two due first, in creation order.
		if got := claim(t0, 2); !sameOrder(got, []string{early.ID, later.ID}) {
			t.Fatalf("first claim = %v, want %v", got, []string{early.ID, later.ID})
		}
		if got := claim(t0, 10); !sameOrder(got, []string{late.ID}) {
			t.Fatalf("second claim = %v, want the one left due", got)
		}
		if got := claim(t0, 10); len(got) != 0 {
			t.Fatalf("claimed %v again during their lease", got)
		}
		if got := claim(t0.Add(lease), 10); !sameStrings(got, []string{early.ID, later.ID, late.ID}) {
			t.Fatalf("after the lease = %v, want the three again", got)
		}
		_ = future

		long := strings.Repeat("é", 600)
		if err := s.MailFailed(c, early.ID, long, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.MailFailed(c, later.ID, "550 no such user", time.Time{}); err != nil {
			t.Fatal(err)
		}
		sentAt := t0.Add(time.Second)
		if err := s.MailSent(c, late.ID, sentAt); err != nil {
			t.Fatal(err)
		}
		ms, _ := s.Reader().Mails(c, tenant, 0)
		byID := map[string]store.Mail{}
		for _, m := range ms {
			byID[m.ID] = m
		}
		if m := byID[early.ID]; m.State != store.MailQueued || m.Attempts != 1 || utf8.RuneCountInString(m.LastError) != 500 ||
			!m.NextAttemptAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("retried mail = state %s, attempts %d, %d characters of error, due %v", m.State, m.Attempts,
				utf8.RuneCountInString(m.LastError), m.NextAttemptAt)
		}
		if m := byID[later.ID]; m.State != store.MailFailed || m.Attempts != 1 || m.LastError != "550 no such user" {
			t.Fatalf("failed mail = %+v", m)
		}
		if m := byID[late.ID]; m.State != store.MailSent || m.SentAt == nil || !m.SentAt.Equal(sentAt) {
			t.Fatalf("sent mail = %+v", m)
		}
		// Only the retried one and the future one are ever claimed again.
		if got := claim(t0.Add(2*time.Hour), 10); !sameStrings(got, []string{early.ID, future.ID}) {
			t.Fatalf("claim after the retries = %v, want the retried and the future mail", got)
		}
		wantErr(t, "MailSent of an unknown mail", s.MailSent(c, "nope", sentAt), store.ErrNotFound)
		wantErr(t, "MailFailed of an unknown mail", s.MailFailed(c, "nope", "x", time.Time{}), store.ErrNotFound)
		if ms, err := s.ClaimMails(c, t0, lease, 0); err != nil || len(ms) != 0 {
			t.Fatalf("ClaimMails with limit 0 = %v, %v", ms, err)
		}
	},
}

// claimRace: two senders claim from one outbox at once, in small batches,
// until it is empty: every mail is claimed exactly once.
func claimRace(t *testing.T, s store.Store) {
	c := ctx(t)
	tenant := newTenant(t, s)
	const n = 40
	want := map[string]bool{}
	inTx(t, s, func(c context.Context, tx store.Tx) error {
		for i := range n {
			m := &store.Mail{TenantID: tenant, To: fmt.Sprintf("u%d@example.com", i), Subject: "s", Body: "b"}
			if err := tx.QueueMail(c, m); err != nil {
				return err
			}
			want[m.ID] = true
		}
		return nil
	})
	at := now().Add(time.Second)
	claimed := make([][]string, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 {
		wg.Go(func() {
			<-start
			// Bounded: a claim that leased nothing would loop for ever.
			for range n {
				ms, err := s.ClaimMails(c, at, time.Hour, 3)
				if err != nil {
					errs[i] = err
					return
				}
				if len(ms) == 0 {
					return
				}
				for _, m := range ms {
					claimed[i] = append(claimed[i], m.ID)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	seen := map[string]int{}
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("sender %d: %v", i, errs[i])
		}
		for _, id := range claimed[i] {
			seen[id]++
		}
	}
	for id, k := range seen {
		if k != 1 || !want[id] {
			t.Fatalf("mail %s claimed %d times", id, k)
		}
	}
	if len(seen) != n {
		t.Fatalf("%d of %d mails claimed", len(seen), n)
	}
}
