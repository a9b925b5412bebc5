package webhook_test

// The delivery benchmark on PostgreSQL: 1,000 changes (users created and
// updated through the account layer, each its own transaction) while a
// worker with the default poll interval delivers to a loopback receiver.
//
//	go test -run '^$' -bench Delivery -benchtime 3x ./webhook/
//
// "ms-after-last" is how long after the last change committed its event
// arrived; "changes/s" how fast the changes were made meanwhile.

import (
	"context"
	"testing"
	"time"

	"github.com/scimd/scimd/webhook"
)

func BenchmarkDelivery1000(b *testing.B) {
	var after, rate float64
	for i := 0; i < b.N; i++ {
		f := newFixture(b, "postgres")
		f.addHook(b)
		f.rcv.skew.Store(false)
		w := f.worker(b, webhook.Config{AllowPrivate: true, Now: time.Now})
		ctx, cancel := context.WithCancel(context.Background())
		go w.Run(ctx)
		start := time.Now()
		f.changes(b, 100, 1000)
		last := time.Now()
		want := f.feedLen(b)
		for len(f.rcv.received()) < want {
			if time.Since(last) > time.Minute {
				b.Fatalf("%d of %d delivered after a minute", len(f.rcv.received()), want)
			}
			time.Sleep(time.Millisecond)
		}
		after += float64(time.Since(last).Milliseconds())
		rate += 1000 / last.Sub(start).Seconds()
		cancel()
		f.rcv.checkAll(b, f.st, f.tenant, f.from)
	}
	b.ReportMetric(after/float64(b.N), "ms-after-last")
	b.ReportMetric(rate/float64(b.N), "changes/s")
}
