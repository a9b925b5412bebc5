package webhook_test

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/webhook"
)

// The signature verifies with Standard Webhooks' own Go library, and
// during a rotation with either secret.
func TestSignaturesVerifyWithStandardWebhooks(t *testing.T) {
	oldSecret, newSecret := account.NewWebhookSecret(), account.NewWebhookSecret()
	body := []byte(`{"id":"ev1","type":"user.created","data":{"userName":"ann@example.com"}}`)
	now := time.Now()
	for _, tc := range []struct {
		name    string
		secrets []string
	}{{"one secret", []string{newSecret}}, {"rotation", []string{newSecret, oldSecret}}} {
		sig, err := webhook.Signatures(tc.secrets, "msg_1", now, body)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(strings.Fields(sig)); n != len(tc.secrets) {
			t.Fatalf("%s: %d signatures in %q", tc.name, n, sig)
		}
		h := http.Header{}
		h.Set(webhook.HeaderID, "msg_1")
		h.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		h.Set(webhook.HeaderSignature, sig)
		for _, s := range tc.secrets {
			v, err := standardwebhooks.NewWebhook(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(body, h); err != nil {
				t.Fatalf("%s: the library refuses our signature with %s: %v", tc.name, s[:10], err)
			}
		}
		other, _ := standardwebhooks.NewWebhook(account.NewWebhookSecret())
		if other.Verify(body, h) == nil {
			t.Fatalf("%s: verifies with a foreign secret", tc.name)
		}
		v, _ := standardwebhooks.NewWebhook(tc.secrets[0])
		if v.Verify(append([]byte(nil), append(body, ' ')...), h) == nil {
			t.Fatalf("%s: verifies a changed body", tc.name)
		}
	}
	// And the library's signature is ours, byte for byte.
	v, _ := standardwebhooks.NewWebhook(newSecret)
	want, _ := v.Sign("msg_2", now, body)
	if got, _ := webhook.Sign(newSecret, "msg_2", now, body); got != want {
		t.Fatalf("Sign = %s, library = %s", got, want)
	}
	if _, err := webhook.Sign("whsec_not base64!", "m", now, body); err == nil {
		t.Fatal("a malformed secret signs")
	}
}

// The real schedule: seven retries over about a day, then none.
func TestNextAttemptSchedule(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	var total time.Duration
	at := t0
	for n := 1; ; n++ {
		next, ok := webhook.NextAttempt(webhook.DefaultSchedule, n, at)
		if !ok {
			if n != 8 {
				t.Fatalf("gave up after %d attempts, want 8 (the first and 7 retries)", n)
			}
			break
		}
		if d := next.Sub(at); d < time.Second || (n > 1 && d < webhook.DefaultSchedule[n-2]) {
			t.Fatalf("retry %d after %s: the waits must grow", n, d)
		}
		total += next.Sub(at)
		at = next
	}
	if total < 20*time.Hour || total > 30*time.Hour {
		t.Fatalf("retries span %s, want about a day", total)
	}
	if _, ok := webhook.NextAttempt(webhook.DefaultSchedule, 0, t0); ok {
		t.Fatal("attempt 0 has a retry")
	}
}

func TestPrivateAddresses(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true, "169.254.169.254": true,
		"0.0.0.0": true, "::1": true, "fc00::1": true, "fe80::1": true, "::ffff:127.0.0.1": true, "100.64.0.1": true,
		"93.184.216.34": false, "2606:4700::1111": false, "8.8.8.8": false,
	} {
		if got := webhook.Private(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Private(%s) = %v, want %v", addr, got, want)
		}
	}
}
