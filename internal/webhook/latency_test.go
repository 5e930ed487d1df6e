package webhook_test

import (
	"slices"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/internal/webhook/webhooktest"
)

// The time from a committed change to its arrival at the endpoint, with the
// worker running as the serve command runs it (woken by each change),
// over 200 changes one after another; every one must arrive.
func TestDeliveryLatency(t *testing.T) {
	clock := &testenv.Clock{}
	rc := webhooktest.NewReceiver(t, clock)
	st, _ := setup(t, rc.URL())
	wk := webhooktest.NewWorker(st, clock, "r1")
	go wk.Run(t.Context(), time.Second)
	const n = 200
	lat := make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		webhooktest.Change(t, st, "latency")
		wk.Publish(nil)
		select {
		case <-rc.Arrivals:
		case <-time.After(10 * time.Second):
			t.Fatalf("change %d not delivered within 10 s", i)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	t.Logf("delivery latency over %d changes: p50 %v, p99 %v, max %v", n, lat[n/2], lat[n*99/100], lat[n-1])
}
