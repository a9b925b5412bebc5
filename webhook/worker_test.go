package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
	"github.com/scimd/scimd/webhook"
)

// received is one delivery as the receiver saw it.
type received struct {
	msgID string
	doc   account.EventDoc
}

// receiver is a loopback endpoint that verifies each delivery with
// Standard Webhooks' library and answers status() (200 when nil).
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	verify atomic.Pointer[standardwebhooks.Webhook]
	status atomic.Pointer[func(account.EventDoc) int]
	mu     sync.Mutex
	got    []received
	bad    atomic.Int64
	// skew: the worker's clock runs ahead (fake clock), so the library's
	// five-minute timestamp tolerance is not checked.
	skew atomic.Bool
}

func newReceiver(t testing.TB, secret string) *receiver {
	r := &receiver{t: t}
	r.setSecret(t, secret)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		verify := r.verify.Load().Verify
		if r.skew.Load() {
			verify = r.verify.Load().VerifyIgnoringTimestamp
		}
		if err := verify(body, req.Header); err != nil {
			r.bad.Add(1)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var doc account.EventDoc
		if err := json.Unmarshal(body, &doc); err != nil {
			r.bad.Add(1)
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		if f := r.status.Load(); f != nil {
			if code := (*f)(doc); code != http.StatusOK {
				http.Error(w, "receiver says no", code)
				return
			}
		}
		r.mu.Lock()
		r.got = append(r.got, received{msgID: req.Header.Get(webhook.HeaderID), doc: doc})
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) setSecret(t testing.TB, secret string) {
	v, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	r.verify.Store(v)
}

func (r *receiver) setStatus(f func(account.EventDoc) int) { r.status.Store(&f) }

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// checkAll checks that every event of the tenant's feed after from (of the
// endpoint's types: all) arrived, each once, in order per resource.
func (r *receiver) checkAll(t testing.TB, st store.Store, tenant string, from int64) {
	t.Helper()
	if n := r.bad.Load(); n > 0 {
		t.Fatalf("%d deliveries failed verification", n)
	}
	got := r.received()
	seen := map[string]int{}
	lastOf := map[string]int64{}
	for _, g := range got {
		seen[g.doc.ID]++
		if g.msgID != g.doc.ID {
			t.Fatalf("webhook-id %s for event %s", g.msgID, g.doc.ID)
		}
		if g.doc.Sequence <= lastOf[g.doc.ResourceID] {
			t.Fatalf("event %d of %s arrived after %d: out of order", g.doc.Sequence, g.doc.ResourceID, lastOf[g.doc.ResourceID])
		}
		lastOf[g.doc.ResourceID] = g.doc.Sequence
	}
	es, err := st.Events(context.Background(), tenant, from, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if seen[e.ID] != 1 {
			t.Fatalf("event %d (%s %s) arrived %d times", e.Sequence, e.Type, e.ResourceID, seen[e.ID])
		}
	}
	if len(got) != len(es) {
		t.Fatalf("%d deliveries for %d events", len(got), len(es))
	}
}

type fixture struct {
	st     *sqlstore.Store
	svc    *account.Service
	tenant string
	hook   store.Webhook
	rcv    *receiver
	from   int64
	clock  *fakeClock
}

type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) add(d time.Duration) { c.ns.Add(int64(d)) }

func newFixture(t testing.TB, backend string) *fixture {
	st := sqltest.Open(t, backend)
	return newFixtureOn(t, st)
}

func newFixtureOn(t testing.TB, st *sqlstore.Store) *fixture {
	f := &fixture{st: st, svc: account.New(account.Config{Store: st, PasswordCost: 4}), clock: &fakeClock{}}
	f.clock.ns.Store(time.Now().UnixNano())
	ctx := context.Background()
	tn, err := st.CreateTenant(ctx, fmt.Sprintf("t-%d", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	f.tenant = tn.ID
	if _, err := f.svc.LoginLink(ctx, account.Operator(), f.tenant, "owner@example.com"); err != nil {
		t.Fatal(err)
	}
	es, _ := st.Events(ctx, f.tenant, 0, 1000)
	f.from = int64(len(es))
	return f
}

// addHook creates an endpoint (through the account layer) that a
// loopback receiver serves, verifying with the endpoint's secret.
func (f *fixture) addHook(t testing.TB) {
	t.Helper()
	f.rcv = newReceiver(t, account.NewWebhookSecret())
	url := f.rcv.srv.URL
	w, err := f.svc.CreateWebhook(context.Background(), account.Operator(), f.tenant, account.WebhookInput{URL: &url})
	if err != nil {
		t.Fatal(err)
	}
	f.rcv.setSecret(t, w.Secret)
	f.rcv.skew.Store(true)
	f.hook = w
}

func (f *fixture) worker(t testing.TB, cfg webhook.Config) *webhook.Worker {
	cfg.Store = f.st
	if cfg.Now == nil {
		cfg.Now = f.clock.now
	}
	if cfg.Lease == 0 {
		cfg.Lease, cfg.Timeout = 20*time.Second, 2*time.Second
	}
	w, err := webhook.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// changes makes n changes: users created, then updated in turn.
func (f *fixture) changes(t testing.TB, users, n int) {
	t.Helper()
	ctx := context.Background()
	ids := make([]string, users)
	for i := range ids {
		u, err := f.svc.CreateUser(ctx, account.Operator(), f.tenant, account.UserInput{User: &store.User{
			UserName: fmt.Sprintf("u%d-%d@example.com", i, time.Now().UnixNano())}})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = u.ID
	}
	for i := 0; i < n-users; i++ {
		_, err := f.svc.UpdateUser(ctx, account.Operator(), f.tenant, ids[i%users], account.AnyVersion, func(u *store.User) (account.UserInput, error) {
			u.Title = fmt.Sprintf("title %d", i)
			return account.UserInput{User: u}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) feedLen(t testing.TB) int {
	es, err := f.st.Events(context.Background(), f.tenant, f.from, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// tickUntil runs ticks, moving the clock by step after each, until done
// or max ticks.
func tickUntil(t testing.TB, w *webhook.Worker, f *fixture, step time.Duration, max int, done func() bool) {
	t.Helper()
	for i := 0; i < max && !done(); i++ {
		if err := w.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.clock.add(step)
	}
}

func TestDeliversEveryEventInOrder(t *testing.T) {
	t.Parallel()
	for _, b := range sqltest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, b)
			f.addHook(t)
			f.rcv.skew.Store(false) // real clock: the library checks the timestamp too
			w := f.worker(t, webhook.Config{AllowPrivate: true, Interval: 10 * time.Millisecond, Now: time.Now})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go w.Run(ctx)
			f.changes(t, 10, 150)
			deadline := time.Now().Add(60 * time.Second)
			for len(f.rcv.received()) < f.feedLen(t) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			f.rcv.checkAll(t, f.st, f.tenant, f.from)
		})
	}
}

// The receiver is down for a minute (of the worker's clock), then back:
// everything arrives, in order per resource, once. A worker stopped in the
// middle (a killed server) loses nothing either: the next one goes on.
func TestReceiverDownForAMinute(t *testing.T) {
	t.Parallel()
	for _, b := range sqltest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, b)
			f.addHook(t)
			down := atomic.Bool{}
			down.Store(true)
			f.rcv.setStatus(func(account.EventDoc) int {
				if down.Load() {
					return http.StatusServiceUnavailable
				}
				return http.StatusOK
			})
			sched := []time.Duration{time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute}
			w := f.worker(t, webhook.Config{AllowPrivate: true, Schedule: sched})
			f.changes(t, 5, 40)
			start := f.clock.now()
			tickUntil(t, w, f, 2*time.Second, 1000, func() bool { return f.clock.now().Sub(start) > time.Minute })
			if n := len(f.rcv.received()); n != 0 {
				t.Fatalf("%d delivered while down", n)
			}
			ds, _ := f.st.Deliveries(context.Background(), f.tenant, f.hook.ID, 1000)
			tried := 0
			for _, d := range ds {
				tried += d.Attempts
			}
			if tried == 0 {
				t.Fatal("nothing was attempted while the receiver was down")
			}
			down.Store(false)
			// A fresh worker, as after a restart.
			w2 := f.worker(t, webhook.Config{AllowPrivate: true, Schedule: sched})
			want := f.feedLen(t)
			tickUntil(t, w2, f, 5*time.Second, 200, func() bool { return len(f.rcv.received()) >= want })
			f.rcv.checkAll(t, f.st, f.tenant, f.from)
			h, _ := f.st.GetWebhook(context.Background(), f.tenant, f.hook.ID)
			if !h.Enabled || h.FailingSince != nil {
				t.Fatalf("endpoint after recovery: %+v", h)
			}
		})
	}
}

// An endpoint that fails for a day is disabled and its admins get a mail;
// once enabled again, a resend delivers.
func TestDisabledAfterADayThenResent(t *testing.T) {
	t.Parallel()
	for _, b := range sqltest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, b)
			f.addHook(t)
			f.rcv.setStatus(func(account.EventDoc) int { return http.StatusInternalServerError })
			w := f.worker(t, webhook.Config{AllowPrivate: true})
			f.changes(t, 1, 1)
			var h store.Webhook
			tickUntil(t, w, f, time.Hour, 60, func() bool {
				h, _ = f.st.GetWebhook(ctx, f.tenant, f.hook.ID)
				return !h.Enabled
			})
			if h.Enabled || h.DisabledAt == nil || h.DisabledAt.Sub(*h.FailingSince) < 24*time.Hour || h.DisabledAt.Sub(*h.FailingSince) > 26*time.Hour {
				t.Fatalf("endpoint = %+v, want disabled a day after it began failing", h)
			}
			mails, _ := f.st.Reader().Mails(ctx, f.tenant, 10)
			if len(mails) == 0 || mails[0].To != "owner@example.com" || !strings.Contains(mails[0].Body, f.rcv.srv.URL) {
				t.Fatalf("mails = %+v", mails)
			}
			ds, err := f.svc.Deliveries(ctx, account.Operator(), f.tenant, f.hook.ID, 10)
			if err != nil || len(ds) != 1 || ds[0].State != store.DeliveryPending && ds[0].State != store.DeliveryFailed {
				t.Fatalf("deliveries = %+v, %v", ds, err)
			}
			as, err := f.svc.Attempts(ctx, account.Operator(), f.tenant, ds[0].ID)
			if err != nil || len(as) < 5 || as[0].Status != 500 || !strings.Contains(as[0].Response, "receiver says no") {
				t.Fatalf("attempts = %+v, %v", as, err)
			}
			f.rcv.setStatus(func(account.EventDoc) int { return http.StatusOK })
			on := true
			if _, err := f.svc.UpdateWebhook(ctx, account.Operator(), f.tenant, f.hook.ID, account.WebhookInput{Enabled: &on}); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.Resend(ctx, account.Operator(), f.tenant, ds[0].ID); err != nil {
				t.Fatal(err)
			}
			tickUntil(t, w, f, time.Second, 5, func() bool { return len(f.rcv.received()) == 1 })
			f.rcv.checkAll(t, f.st, f.tenant, f.from)
			// A resend of a delivered one sends it again, same webhook-id.
			if err := f.svc.Resend(ctx, account.Operator(), f.tenant, ds[0].ID); err != nil {
				t.Fatal(err)
			}
			tickUntil(t, w, f, time.Second, 5, func() bool { return len(f.rcv.received()) == 2 })
			if got := f.rcv.received(); len(got) != 2 || got[0].msgID != got[1].msgID {
				t.Fatalf("resent = %+v", got)
			}
		})
	}
}

// Without --webhook-allow-private, a loopback endpoint gets nothing, and
// the attempt says why.
func TestPrivateEndpointRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, "sqlite")
	f.addHook(t)
	// A name that resolves to loopback is refused as well as the IP.
	url := strings.Replace(f.rcv.srv.URL, "127.0.0.1", "localhost", 1)
	if _, err := f.svc.UpdateWebhook(ctx, account.Operator(), f.tenant, f.hook.ID, account.WebhookInput{URL: &url}); err != nil {
		t.Fatal(err)
	}
	w := f.worker(t, webhook.Config{})
	f.changes(t, 1, 1)
	tickUntil(t, w, f, time.Second, 3, func() bool { return false })
	if n := len(f.rcv.received()); n != 0 {
		t.Fatalf("a private endpoint got %d deliveries", n)
	}
	ds, _ := f.st.Deliveries(ctx, f.tenant, f.hook.ID, 10)
	as, _ := f.st.Attempts(ctx, f.tenant, ds[0].ID)
	if len(as) == 0 || !strings.Contains(as[0].Error, "private") {
		t.Fatalf("attempts = %+v", as)
	}
}

// Rotating the secret: deliveries carry both signatures during the
// overlap, so a receiver still on the old secret verifies them.
func TestRotationSignsWithBoth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, "sqlite")
	f.addHook(t)
	w, err := f.svc.UpdateWebhook(ctx, account.Operator(), f.tenant, f.hook.ID, account.WebhookInput{RotateSecret: true})
	if err != nil || !strings.HasPrefix(w.Secret, "whsec_") {
		t.Fatalf("rotate = %+v, %v", w, err)
	}
	worker := f.worker(t, webhook.Config{AllowPrivate: true})
	f.changes(t, 1, 1)
	tickUntil(t, worker, f, time.Second, 3, func() bool { return len(f.rcv.received()) == 1 })
	f.rcv.checkAll(t, f.st, f.tenant, f.from) // verified with the old secret
	f.rcv.setSecret(t, w.Secret)
	f.clock.add(account.SecretOverlap + time.Minute)
	f.changes(t, 1, 1)
	tickUntil(t, worker, f, time.Second, 3, func() bool { return len(f.rcv.received()) == 2 })
	f.rcv.checkAll(t, f.st, f.tenant, f.from)
}

// Two servers on one PostgreSQL deliver each event once.
func TestTwoWorkersDeliverOnce(t *testing.T) {
	t.Parallel()
	url := sqltest.URL(t, "postgres")
	open := func() *sqlstore.Store {
		s, err := sqlstore.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := open(), open()
	f := newFixtureOn(t, a)
	f.addHook(t)
	f.rcv.skew.Store(false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, s := range []*sqlstore.Store{a, b} {
		w, err := webhook.New(webhook.Config{Store: s, AllowPrivate: true, Interval: 2 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		go w.Run(ctx)
	}
	f.changes(t, 20, 200)
	deadline := time.Now().Add(60 * time.Second)
	for len(f.rcv.received()) < f.feedLen(t) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a duplicate would arrive now
	f.rcv.checkAll(t, f.st, f.tenant, f.from)
}
