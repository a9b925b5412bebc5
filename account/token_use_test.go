package account_test

import (
	"testing"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// TestTokenHealth: an IdP connection's requests are recorded (the first at
// once, then at most every 30 seconds), another instance reads what was
// written, and failures other than the ones provisioning causes on
// purpose (404, 409, 412) show as the connection's last error.
func TestTokenHealth(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		_, tok, err := e.svc.CreateToken(e.ctx(), e.op(), e.tenant, account.TokenInput{Label: "okta"})
		if err != nil {
			t.Fatal(err)
		}
		other := account.New(account.Config{Store: e.st, Now: e.clock.now})
		health := func(svc *account.Service) store.TokenHealth {
			t.Helper()
			hs, err := svc.TokenHealth(e.ctx(), e.op(), e.tenant)
			if err != nil || len(hs) != 1 {
				t.Fatalf("TokenHealth: %v %v", hs, err)
			}
			return hs[0].TokenHealth
		}
		// wait until another instance reads n requests.
		wait := func(n int64) store.TokenHealth {
			t.Helper()
			deadline := time.Now().Add(15 * time.Second)
			for {
				h := health(other)
				if h.Requests == n {
					return h
				}
				if time.Now().After(deadline) {
					t.Fatalf("another instance reads %d requests, want %d", h.Requests, n)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		e.svc.TokenUsed(tok, 201)
		h := wait(1)
		if h.LastUsedAt == nil || !h.LastUsedAt.Equal(e.clock.now()) || h.Errors != 0 || h.LastErrorAt != nil {
			t.Fatalf("after one request: %+v", h)
		}
		e.clock.add(time.Second)
		e.svc.TokenUsed(tok, 404)
		e.svc.TokenUsed(tok, 500)
		// This instance sees them at once; the store not yet.
		if h := health(e.svc); h.Requests != 3 || h.Errors != 1 || h.LastErrorStatus != 500 {
			t.Fatalf("this instance: %+v", h)
		}
		if h := health(other); h.Requests != 1 {
			t.Fatalf("written before 30 seconds: %+v", h)
		}
		e.clock.add(30 * time.Second)
		e.svc.TokenUsed(tok, 200)
		h = wait(4)
		if h.Errors != 1 || h.LastErrorStatus != 500 || h.LastErrorAt == nil || !h.LastUsedAt.Equal(e.clock.now()) {
			t.Fatalf("after the second write: %+v", h)
		}
	})
}
