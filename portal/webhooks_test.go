package portal_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

var secretRE = regexp.MustCompile(`<p class="token" id="new-secret">(whsec_[^<]+)</p>`)

func TestWebhooksPage(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c := e.signedIn()
		_, body, _ := get(t, c, e.srv.URL+"/portal/settings")
		if !strings.Contains(body, `href="/portal/webhooks"`) {
			t.Fatal("Settings does not link the webhooks")
		}
		_, body = post(t, c, e.srv.URL+"/portal/webhooks", url.Values{"op": {"add"}, "url": {"ftp://example.com/h"}})
		if !strings.Contains(body, `class="error"`) || !strings.Contains(body, "absolute http or https URL") {
			t.Fatalf("bad URL:\n%s", body)
		}
		_, body = post(t, c, e.srv.URL+"/portal/webhooks", url.Values{"op": {"add"}, "url": {"https://hooks.example.com/scimd"},
			"event": {"user.created", "user.deleted"}})
		m := secretRE.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "shown only once") {
			t.Fatalf("no secret shown on add:\n%s", body)
		}
		secret := html.UnescapeString(m[1])
		ws, err := e.svc.Webhooks(t.Context(), account.Operator(), e.tenant.ID)
		if err != nil || len(ws) != 1 {
			t.Fatalf("webhooks %+v %v", ws, err)
		}
		id := ws[0].ID
		if stored, _ := e.st.GetWebhook(t.Context(), e.tenant.ID, id); stored.Secret != secret {
			t.Fatalf("the secret shown is not the endpoint's")
		}
		_, body, _ = get(t, c, e.srv.URL+"/portal/webhooks")
		if !strings.Contains(body, "https://hooks.example.com/scimd") || !strings.Contains(body, "user.created, user.deleted") ||
			!strings.Contains(body, "<td>enabled</td><td>healthy</td>") || strings.Contains(html.UnescapeString(body), secret) || strings.Contains(body, "whsec_") {
			t.Fatalf("list (the secret must not be shown again):\n%s", body)
		}

		// Rotate: a new secret, shown once.
		_, body = post(t, c, e.srv.URL+"/portal/webhooks", url.Values{"op": {"rotate"}, "id": {id}})
		if m := secretRE.FindStringSubmatch(body); m == nil || html.UnescapeString(m[1]) == secret {
			t.Fatalf("rotation shows no new secret:\n%s", body)
		}
		_, body = post(t, c, e.srv.URL+"/portal/webhooks", url.Values{"op": {"disable"}, "id": {id}})
		if !strings.Contains(body, "The endpoint is disabled.") || !strings.Contains(body, "<td>disabled</td>") {
			t.Fatalf("disable:\n%s", body)
		}
		post(t, c, e.srv.URL+"/portal/webhooks", url.Values{"op": {"enable"}, "id": {id}})

		// A failed delivery shows its status, latency and response; Resend
		// makes it due again.
		e.user("ann@example.com", "User")
		ctx := t.Context()
		if _, err := e.st.Events(ctx, e.tenant.ID, 0, 100); err != nil {
			t.Fatal(err)
		}
		wh, _ := e.st.GetWebhook(ctx, e.tenant.ID, id)
		now := time.Now()
		if _, _, err := e.st.Dispatch(ctx, wh, now, 100); err != nil {
			t.Fatal(err)
		}
		ds, err := e.st.DueDeliveries(ctx, id, now.Add(time.Second), 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries %+v %v", ds, err)
		}
		if _, err := e.st.RecordOutcomes(ctx, id, now, []store.Outcome{{Attempt: store.Attempt{DeliveryID: ds[0].ID, At: now, Status: 503,
			Latency: 42 * time.Millisecond, Response: "busy, try later"}, Next: now.Add(time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		_, body, _ = get(t, c, e.srv.URL+"/portal/webhooks/"+id)
		if !strings.Contains(body, "<td>503</td><td>42ms</td><td><code>busy, try later</code></td>") || !strings.Contains(body, "failing since") {
			t.Fatalf("delivery page:\n%s", body)
		}
		_, body = post(t, c, e.srv.URL+"/portal/webhooks/"+id, url.Values{"delivery": {ds[0].ID}})
		if !strings.Contains(body, "queued to be sent again") {
			t.Fatalf("resend:\n%s", body)
		}
		if due, _ := e.st.DueDeliveries(ctx, id, time.Now().Add(time.Second), 10); len(due) != 1 {
			t.Fatalf("resent delivery not due: %+v", due)
		}

		_, body = post(t, c, e.srv.URL+"/portal/webhooks", url.Values{"op": {"remove"}, "id": {id}})
		if !strings.Contains(body, "The endpoint is removed") || strings.Contains(body, "https://hooks.example.com/scimd") {
			t.Fatalf("remove:\n%s", body)
		}
		if status, _, _ := get(t, c, e.srv.URL+"/portal/webhooks/"+id); status != http.StatusNotFound {
			t.Fatalf("removed endpoint's page: %d", status)
		}
	})
}
