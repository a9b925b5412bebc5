package adminapi

import (
	"net/http"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// Webhook endpoints: /webhooks, /webhooks/{id},
// /webhooks/{id}/deliveries, /webhooks/{id}/deliveries/{deliveryId}/attempts
// and .../resend. The signing secret is in the answer of the POST that
// creates an endpoint and of a PATCH with "rotateSecret": true, never
// elsewhere.

type webhookDoc struct {
	ID           string   `json:"id"`
	URL          string   `json:"url"`
	Events       []string `json:"events"`
	Enabled      bool     `json:"enabled"`
	Secret       *string  `json:"secret,omitempty"`
	FailingSince *string  `json:"failingSince"`
	DisabledAt   *string  `json:"disabledAt"`
	Created      string   `json:"created"`
}

type deliveryDoc struct {
	ID          string  `json:"id"`
	Sequence    int64   `json:"sequence"`
	ResourceID  string  `json:"resourceId"`
	State       string  `json:"state"`
	Attempts    int     `json:"attempts"`
	LastStatus  int     `json:"lastStatus"`
	NextAttempt *string `json:"nextAttempt"`
	DeliveredAt *string `json:"deliveredAt"`
}

type attemptDoc struct {
	Time      string `json:"time"`
	Status    int    `json:"status"`
	LatencyMs int64  `json:"latencyMs"`
	Error     string `json:"error"`
	Response  string `json:"response"`
}

func toWebhookDoc(w store.Webhook) webhookDoc {
	d := webhookDoc{ID: w.ID, URL: w.URL, Events: w.EventTypes, Enabled: w.Enabled, FailingSince: timeDoc(w.FailingSince),
		DisabledAt: timeDoc(w.DisabledAt), Created: w.CreatedAt.UTC().Format(time.RFC3339Nano)}
	if d.Events == nil {
		d.Events = []string{}
	}
	if w.Secret != "" {
		s := w.Secret
		d.Secret = &s
	}
	return d
}

var webhookFields = []string{"url", "events", "enabled", "rotateSecret"}

var webhookReadOnly = map[string]string{"id": "ids are made by the server", "secret": "the server makes secrets: PATCH with \"rotateSecret\": true for a new one"}

func webhookInput(o obj) (account.WebhookInput, error) {
	var in account.WebhookInput
	url, err := o.str("url")
	if err != nil {
		return in, err
	}
	if url.Set {
		in.URL = &url.V
	}
	events, err := o.strs("events")
	if err != nil {
		return in, err
	}
	if events.Set {
		in.EventTypes = &events.V
	}
	enabled, err := o.boolean("enabled")
	if err != nil {
		return in, err
	}
	if enabled.Set {
		in.Enabled = &enabled.V
	}
	rotate, err := o.boolean("rotateSecret")
	in.RotateSecret = rotate.V
	return in, err
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request, s *session) error {
	ws, err := a.acct.Webhooks(r.Context(), s.actor, s.tenant())
	if err != nil {
		return err
	}
	all := make([]webhookDoc, len(ws))
	for i, h := range ws {
		all[i] = toWebhookDoc(h)
	}
	l, err := page(r, all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, webhookFields[:2], webhookReadOnly)
	if err != nil {
		return err
	}
	if _, err := o.required("url"); err != nil {
		return err
	}
	in, err := webhookInput(o)
	if err != nil {
		return err
	}
	h, err := a.acct.CreateWebhook(r.Context(), s.actor, s.tenant(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toWebhookDoc(h))
	return nil
}

func (a *API) getWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	h, err := a.acct.Webhook(r.Context(), s.actor, s.tenant(), id)
	if err != nil {
		return notFoundAs(err, "webhook", id)
	}
	writeJSON(w, http.StatusOK, toWebhookDoc(h))
	return nil
}

func (a *API) patchWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, webhookFields, webhookReadOnly)
	if err != nil {
		return err
	}
	in, err := webhookInput(o)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	h, err := a.acct.UpdateWebhook(r.Context(), s.actor, s.tenant(), id, in)
	if err != nil {
		return notFoundAs(err, "webhook", id)
	}
	writeJSON(w, http.StatusOK, toWebhookDoc(h))
	return nil
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	if err := a.acct.DeleteWebhook(r.Context(), s.actor, s.tenant(), id); err != nil {
		return notFoundAs(err, "webhook", id)
	}
	return noContent(w)
}

func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request, s *session) error {
	limit, err := limitOf(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	ds, err := a.acct.Deliveries(r.Context(), s.actor, s.tenant(), id, limit)
	if err != nil {
		return notFoundAs(err, "webhook", id)
	}
	items := make([]deliveryDoc, len(ds))
	for i, d := range ds {
		items[i] = deliveryDoc{ID: d.ID, Sequence: d.Sequence, ResourceID: d.ResourceID, State: d.State, Attempts: d.Attempts,
			LastStatus: d.LastStatus, DeliveredAt: timeDoc(d.DeliveredAt)}
		if d.State == store.DeliveryPending {
			items[i].NextAttempt = timeDoc(&d.NextAttemptAt)
		}
	}
	writeJSON(w, http.StatusOK, listDoc[deliveryDoc]{Items: items})
	return nil
}

// delivery checks that the delivery belongs to the endpoint of the path.
func (a *API) delivery(r *http.Request, s *session) (string, error) {
	id, did := r.PathValue("id"), r.PathValue("deliveryId")
	ds, err := a.acct.Deliveries(r.Context(), s.actor, s.tenant(), id, maxEventsLimit)
	if err != nil {
		return "", notFoundAs(err, "webhook", id)
	}
	for _, d := range ds {
		if d.ID == did {
			return did, nil
		}
	}
	return "", notFound("delivery %q is not one of webhook %q's latest %d", did, id, maxEventsLimit)
}

func (a *API) listAttempts(w http.ResponseWriter, r *http.Request, s *session) error {
	did, err := a.delivery(r, s)
	if err != nil {
		return err
	}
	as, err := a.acct.Attempts(r.Context(), s.actor, s.tenant(), did)
	if err != nil {
		return err
	}
	items := make([]attemptDoc, len(as))
	for i, at := range as {
		items[i] = attemptDoc{Time: at.At.UTC().Format(time.RFC3339Nano), Status: at.Status, LatencyMs: at.Latency.Milliseconds(),
			Error: at.Error, Response: at.Response}
	}
	writeJSON(w, http.StatusOK, listDoc[attemptDoc]{Items: items})
	return nil
}

func (a *API) resendDelivery(w http.ResponseWriter, r *http.Request, s *session) error {
	did, err := a.delivery(r, s)
	if err != nil {
		return err
	}
	if err := a.acct.Resend(r.Context(), s.actor, s.tenant(), did); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": did, "state": store.DeliveryPending})
	return nil
}
