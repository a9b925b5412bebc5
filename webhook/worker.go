// Package webhook delivers a tenant's change feed to its webhook endpoints,
// signed as Standard Webhooks prescribe.
//
// # How an event travels
//
// The account layer writes each event in the transaction of its change
// (store.Tx.InsertEvent); nothing is sent from the request, so a receiver
// that is slow or down never slows SCIM. A Worker, running in every
// server process, polls the database: it leases endpoints
// (store.Webhooks.ClaimWebhooks: on PostgreSQL with FOR UPDATE SKIP LOCKED,
// so two servers never work one endpoint at once and each event is sent
// by one of them), fans the endpoint's new events out into deliveries
// (Dispatch, after a cursor that the commit-ordered sequence numbers make
// safe), and sends the due deliveries.
//
// # Order, retries, disabling
//
// Deliveries of one resource are sent in sequence order: a delivery waits
// while an earlier one of its resource waits for a retry; those of other
// resources go on (in parallel lanes, one resource always in the same
// lane). A delivery succeeds on a 2xx answer; otherwise it is tried again
// after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (DefaultSchedule) and
// then given up. An endpoint whose deliveries have all failed for a day
// (DefaultDisableAfter) is disabled and the tenant's Owner and Admins get
// a mail through the outbox. Each attempt is recorded with its status,
// latency and the start of the answer; a delivery can be resent.
//
// This is at-least-once: a receiver that took a delivery but whose answer
// was lost gets it again, with the same webhook-id, by which it can
// recognise the repetition.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// Defaults of Config.
const (
	DefaultInterval = 250 * time.Millisecond
	DefaultLease    = 2 * time.Minute
	DefaultTimeout  = 10 * time.Second
	// lanes is how many deliveries of one endpoint are in flight at once
	// (each of another resource).
	lanes = 8
	// batch is how many due deliveries one round sends; dispatchBatch how
	// many events one round fans out.
	batch         = 64
	dispatchBatch = 500
	// claimBatch is how many endpoints one poll leases.
	claimBatch = 16
	// snippet bounds the answer kept with an attempt.
	snippet = 500
)

// Config configures a Worker.
type Config struct {
	Store store.Store
	// AllowPrivate lets endpoints on loopback and private networks
	// receive deliveries (tests, on-premises receivers).
	AllowPrivate bool
	// Schedule is the wait before each retry (DefaultSchedule when nil).
	Schedule []time.Duration
	// DisableAfter is how long an endpoint may keep failing before it is
	// disabled (DefaultDisableAfter when 0).
	DisableAfter time.Duration
	// Retention is how long events are kept (account.DefaultEventsRetention
	// when 0); the worker purges older ones hourly.
	Retention time.Duration
	// Interval is how often the worker polls (DefaultInterval when 0).
	Interval time.Duration
	// Lease is how long an endpoint is reserved (DefaultLease when 0).
	Lease time.Duration
	// Timeout bounds one request (DefaultTimeout when 0).
	Timeout time.Duration
	// PublicURL is the portal's base, named in the disabling mail.
	PublicURL string
	Logger    *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Worker delivers webhooks.
type Worker struct {
	cfg    Config
	log    *slog.Logger
	client *http.Client
}

// New returns a Worker.
func New(cfg Config) (*Worker, error) {
	if cfg.Store == nil {
		return nil, errors.New("webhook: no store")
	}
	if cfg.Schedule == nil {
		cfg.Schedule = DefaultSchedule
	}
	if cfg.DisableAfter <= 0 {
		cfg.DisableAfter = DefaultDisableAfter
	}
	if cfg.Retention <= 0 {
		cfg.Retention = account.DefaultEventsRetention
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Lease < 4*cfg.Timeout {
		return nil, fmt.Errorf("webhook: the lease (%s) must be at least four times the timeout (%s)", cfg.Lease, cfg.Timeout)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	tr := &http.Transport{
		DialContext:         dialer(cfg.AllowPrivate, cfg.Timeout).DialContext,
		MaxIdleConnsPerHost: lanes,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: cfg.Timeout,
		// No proxy: the address checked at dial time must be the
		// endpoint's own.
		Proxy: nil,
	}
	return &Worker{cfg: cfg, log: cfg.Logger, client: &http.Client{Transport: tr, Timeout: cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

func (w *Worker) now() time.Time { return w.cfg.Now().UTC() }

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	var purged time.Time
	for {
		if time.Since(purged) > time.Hour {
			purged = time.Now()
			if n, err := w.cfg.Store.PurgeEvents(ctx, w.now().Add(-w.cfg.Retention)); err != nil {
				w.log.WarnContext(ctx, "purging events", "err", err)
			} else if n > 0 {
				w.log.InfoContext(ctx, "purged events", "count", n, "retention", w.cfg.Retention)
			}
		}
		if err := w.Tick(ctx); err != nil && ctx.Err() == nil {
			w.log.WarnContext(ctx, "webhook delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick leases the endpoints due and works each (in parallel).
func (w *Worker) Tick(ctx context.Context) error {
	claimed := w.now()
	hooks, err := w.cfg.Store.ClaimWebhooks(ctx, claimed, w.cfg.Lease, claimBatch)
	if err != nil || len(hooks) == 0 {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(hooks))
	for i, h := range hooks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Stop well before the lease ends, so that no delivery is in
			// flight when another server may take the endpoint.
			wctx, cancel := context.WithDeadline(ctx, time.Now().Add(w.cfg.Lease-2*w.cfg.Timeout))
			defer cancel()
			var pause time.Duration
			pause, errs[i] = w.work(wctx, h)
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer rcancel()
			if err := w.cfg.Store.ReleaseWebhook(rctx, h.ID, w.now().Add(pause)); err != nil && errs[i] == nil {
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// work fans out and sends an endpoint's deliveries until none is due. When
// a whole round failed it stops and says how long the endpoint should
// rest (the first step of the schedule), so that a receiver that is down
// is not sent every pending delivery at every poll.
func (w *Worker) work(ctx context.Context, h store.Webhook) (time.Duration, error) {
	if w.failedTooLong(h) {
		return 0, w.disable(ctx, h)
	}
	for ctx.Err() == nil {
		n, cursor, err := w.cfg.Store.Dispatch(ctx, h, w.now(), dispatchBatch)
		if err != nil {
			return 0, err
		}
		h.Cursor = cursor
		ds, err := w.cfg.Store.DueDeliveries(ctx, h.ID, w.now(), batch)
		if err != nil {
			return 0, err
		}
		if len(ds) > 0 {
			outs := w.send(ctx, h, ds)
			if len(outs) > 0 {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				cur, err := w.cfg.Store.RecordOutcomes(rctx, h.ID, w.now(), outs)
				cancel()
				if err != nil {
					return 0, err
				}
				if w.failedTooLong(cur) {
					return 0, w.disable(ctx, cur)
				}
				if !slices.ContainsFunc(outs, func(o store.Outcome) bool { return o.Delivered }) {
					if len(w.cfg.Schedule) > 0 {
						return w.cfg.Schedule[0], nil
					}
					return 0, nil
				}
			}
		}
		if len(ds) < batch && n < dispatchBatch {
			return 0, nil
		}
	}
	return 0, nil
}

// send delivers ds in lanes: a resource's deliveries in one lane, in
// order; after one fails, the rest of its resource wait for the next round.
func (w *Worker) send(ctx context.Context, h store.Webhook, ds []store.Delivery) []store.Outcome {
	var queues [lanes][]store.Delivery
	for _, d := range ds {
		f := fnv.New32a()
		f.Write([]byte(d.ResourceID))
		l := f.Sum32() % lanes
		queues[l] = append(queues[l], d)
	}
	var mu sync.Mutex
	var outs []store.Outcome
	var wg sync.WaitGroup
	for _, q := range queues {
		if len(q) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			blocked := map[string]bool{}
			for _, d := range q {
				if blocked[d.ResourceID] || ctx.Err() != nil {
					continue
				}
				o := w.attempt(ctx, h, d)
				if !o.Delivered {
					blocked[d.ResourceID] = true
					if ctx.Err() != nil {
						continue // cut short by the lease's end: not the receiver's failure
					}
				}
				mu.Lock()
				outs = append(outs, o)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return outs
}

// attempt sends one delivery and says what came of it.
func (w *Worker) attempt(ctx context.Context, h store.Webhook, d store.Delivery) store.Outcome {
	at := w.now()
	o := store.Outcome{Attempt: store.Attempt{DeliveryID: d.ID, At: at}}
	status, resp, err := w.post(ctx, h, d, at)
	o.Attempt.Latency = w.now().Sub(at)
	o.Attempt.Status, o.Attempt.Response = status, resp
	if err == nil && status >= 200 && status < 300 {
		o.Delivered = true
		return o
	}
	if err != nil {
		o.Attempt.Error = err.Error()
	} else {
		o.Attempt.Error = "answered " + strconv.Itoa(status)
	}
	if next, ok := NextAttempt(w.cfg.Schedule, d.Attempts+1, at); ok {
		o.Next = next
	}
	return o
}

// Body is what a delivery of an event carries.
func Body(e store.Event) ([]byte, error) { return json.Marshal(account.EventDocOf(e)) }

func (w *Worker) post(ctx context.Context, h store.Webhook, d store.Delivery, at time.Time) (int, string, error) {
	body, err := Body(*d.Event)
	if err != nil {
		return 0, "", err
	}
	secrets := []string{h.Secret}
	if h.PrevSecret != "" && h.PrevUntil != nil && at.Before(*h.PrevUntil) {
		secrets = append(secrets, h.PrevSecret)
	}
	sig, err := Signatures(secrets, d.Event.ID, at, body)
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "scimd-webhooks")
	req.Header.Set(HeaderID, d.Event.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	resp, err := w.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrPrivate) {
			return 0, "", ErrPrivate
		}
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, snippet))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, strings.ToValidUTF8(string(b), "?"), nil
}

// failedTooLong reports whether an endpoint has failed every delivery
// for DisableAfter.
func (w *Worker) failedTooLong(h store.Webhook) bool {
	return h.FailingSince != nil && w.now().Sub(*h.FailingSince) >= w.cfg.DisableAfter
}

// disable disables an endpoint that kept failing and tells the admins.
func (w *Worker) disable(ctx context.Context, h store.Webhook) error {
	addrs, err := w.cfg.Store.AdminAddresses(ctx, h.TenantID, []string{account.RoleOwner, account.RoleAdmin})
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello,\n\nthe webhook endpoint %s has not accepted a delivery since %s, so scimd has disabled it.\n",
		h.URL, h.FailingSince.UTC().Format(time.RFC1123))
	b.WriteString("Its events are kept: once the receiver works again, enable the endpoint in the portal's settings\n")
	b.WriteString("(or PATCH /api/v1/webhooks/" + h.ID + " with {\"enabled\": true}) and resend what failed.\n")
	if w.cfg.PublicURL != "" {
		fmt.Fprintf(&b, "\n  %s/portal/settings\n", strings.TrimRight(w.cfg.PublicURL, "/"))
	}
	mails := make([]*store.Mail, len(addrs))
	for i, a := range addrs {
		mails[i] = &store.Mail{TenantID: h.TenantID, To: a, Subject: "A webhook endpoint was disabled", Body: b.String()}
	}
	if err := w.cfg.Store.DisableWebhook(ctx, h.ID, w.now(), mails); err != nil {
		return err
	}
	w.log.WarnContext(ctx, "webhook endpoint disabled", "tenant", h.TenantID, "webhook", h.ID, "failingSince", h.FailingSince)
	return nil
}
