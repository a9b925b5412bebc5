package portal

import (
	"net/http"
	"strings"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// The webhook pages (issue 15): the tenant's endpoints with their health,
// adding one (its signing secret shown once, like a SCIM token), removing,
// enabling or disabling, rotating the secret; an endpoint's page lists its
// recent deliveries with the latest attempt and a Resend button.

type endpoint struct {
	W      store.Webhook
	Events string
	Health string
}

type webhooksData struct {
	Endpoints []endpoint
	Types     []string
	// NewSecret is the secret just made (by an add or a rotation) and
	// NewFor the endpoint's URL: shown this once.
	NewSecret, NewFor string
}

func health(w store.Webhook) string {
	switch {
	case w.DisabledAt != nil:
		return "disabled after failing for a day (" + w.DisabledAt.UTC().Format("2006-01-02 15:04 UTC") + ")"
	case !w.Enabled:
		return "disabled"
	case w.FailingSince != nil:
		return "failing since " + w.FailingSince.UTC().Format("2006-01-02 15:04 UTC")
	}
	return "healthy"
}

func endpointOf(w store.Webhook) endpoint {
	ev := strings.Join(w.EventTypes, ", ")
	if ev == "" {
		ev = "every event"
	}
	return endpoint{W: w, Events: ev, Health: health(w)}
}

// webhooks is GET /portal/webhooks.
func (p *Portal) webhooks(w http.ResponseWriter, r *http.Request, m *me) {
	p.renderWebhooks(w, r, m, "", "")
}

func (p *Portal) renderWebhooks(w http.ResponseWriter, r *http.Request, m *me, secret, forURL string) {
	ws, err := p.acct.Webhooks(r.Context(), m.Actor, m.tenant())
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	d := webhooksData{Types: account.EventTypes, NewSecret: secret, NewFor: forURL}
	for _, wh := range ws {
		d.Endpoints = append(d.Endpoints, endpointOf(wh))
	}
	v := view{Title: "Webhooks", Me: m, Nav: "webhooks", Data: d}
	p.flash(w, r, &v)
	p.page(w, r, http.StatusOK, "webhooks", v)
}

// webhooksEdit is POST /portal/webhooks: add an endpoint (op=add; the
// answer shows its secret once), remove, enable, disable or rotate one
// (id=).
func (p *Portal) webhooksEdit(w http.ResponseWriter, r *http.Request, m *me) {
	ctx, id := r.Context(), r.PostFormValue("id")
	const back = Prefix + "/webhooks"
	switch r.PostFormValue("op") {
	case "add":
		u := strings.TrimSpace(r.PostFormValue("url"))
		in := account.WebhookInput{URL: &u}
		if types := r.PostForm["event"]; len(types) > 0 {
			in.EventTypes = &types
		}
		wh, err := p.acct.CreateWebhook(ctx, m.Actor, m.tenant(), in)
		if err != nil {
			p.done(w, r, back, "", err)
			return
		}
		p.renderWebhooks(w, r, m, wh.Secret, wh.URL)
	case "rotate":
		wh, err := p.acct.UpdateWebhook(ctx, m.Actor, m.tenant(), id, account.WebhookInput{RotateSecret: true})
		if err != nil {
			p.done(w, r, back, "", err)
			return
		}
		p.renderWebhooks(w, r, m, wh.Secret, wh.URL)
	case "enable", "disable":
		on := r.PostFormValue("op") == "enable"
		_, err := p.acct.UpdateWebhook(ctx, m.Actor, m.tenant(), id, account.WebhookInput{Enabled: &on})
		p.done(w, r, back, "The endpoint is "+r.PostFormValue("op")+"d.", err)
	case "remove":
		p.done(w, r, back, "The endpoint is removed: nothing more is delivered to it.", p.acct.DeleteWebhook(ctx, m.Actor, m.tenant(), id))
	default:
		p.done(w, r, back, "", &account.Error{Kind: account.Invalid, Message: "unknown operation"})
	}
}

type delivery struct {
	D       store.Delivery
	Last    *store.Attempt
	Latency string
	Snippet string
}

type webhookData struct {
	E          endpoint
	Deliveries []delivery
}

// webhook is GET /portal/webhooks/{id}: an endpoint's recent deliveries,
// each with its latest attempt (status, latency, response snippet).
func (p *Portal) webhook(w http.ResponseWriter, r *http.Request, m *me) {
	ctx, id := r.Context(), r.PathValue("id")
	wh, err := p.acct.Webhook(ctx, m.Actor, m.tenant(), id)
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	ds, err := p.acct.Deliveries(ctx, m.Actor, m.tenant(), id, 50)
	if err != nil {
		p.fail(w, r, m, err)
		return
	}
	d := webhookData{E: endpointOf(wh)}
	for _, dl := range ds {
		out := delivery{D: dl}
		if dl.Attempts > 0 {
			as, err := p.acct.Attempts(ctx, m.Actor, m.tenant(), dl.ID)
			if err != nil {
				p.fail(w, r, m, err)
				return
			}
			if len(as) > 0 {
				last := as[len(as)-1]
				for i := range as {
					if as[i].At.After(last.At) {
						last = as[i]
					}
				}
				out.Last = &last
				out.Latency = last.Latency.Round(time.Millisecond).String()
				out.Snippet = limit(strings.TrimSpace(last.Response), 200)
				if last.Error != "" {
					out.Snippet = limit(last.Error, 200)
				}
			}
		}
		d.Deliveries = append(d.Deliveries, out)
	}
	v := view{Title: "Webhook " + wh.URL, Me: m, Nav: "webhooks", Data: d}
	p.flash(w, r, &v)
	p.page(w, r, http.StatusOK, "webhook", v)
}

// webhookEdit is POST /portal/webhooks/{id}: resend a delivery
// (delivery=).
func (p *Portal) webhookEdit(w http.ResponseWriter, r *http.Request, m *me) {
	id := r.PathValue("id")
	if _, err := p.acct.Webhook(r.Context(), m.Actor, m.tenant(), id); err != nil {
		p.fail(w, r, m, err)
		return
	}
	p.done(w, r, Prefix+"/webhooks/"+id, "The delivery is queued to be sent again now.",
		p.acct.Resend(r.Context(), m.Actor, m.tenant(), r.PostFormValue("delivery")))
}
