package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
)

// testWebhookOrderAcrossReplicas: workers on two replicas dispatch, claim
// and finish at once, every third attempt failing for a retry. No two
// deliveries of one flag to the endpoint are ever out at once, each
// flag's events are delivered in the order they were recorded, and every
// event is delivered exactly once (no lease runs out: the clock stands).
func testWebhookOrderAcrossReplicas(t *testing.T, a, b *service.Service) {
	const flags, changes = 4, 6
	stores := []ff.Store{a.Store(), b.Store()}
	w := newWebhook("https://93.184.216.34/order")
	must(t, a.Store().CreateWebhook(ctx(t), w, 0))
	want := map[string][]string{} // flag id -> event ids in order
	for i := range flags {
		f := newFlag(fmt.Sprintf("order-%d", i))
		want[f.ID] = append(want[f.ID], flagEvent(t, stores[i%2], f, "flag.create", "").ID)
		for j := range changes - 1 {
			want[f.ID] = append(want[f.ID], flagEvent(t, stores[j%2], f, "flag.toggle", "production").ID)
		}
	}
	var (
		mu       sync.Mutex
		out      = map[string]string{}   // flag id -> the delivery out
		got      = map[string][]string{} // flag id -> event ids delivered
		attempts int
		wg       sync.WaitGroup
	)
	done := func() bool {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, l := range got {
			n += len(l)
		}
		return n == flags*changes
	}
	for i := range 4 {
		s, owner := stores[i%2], fmt.Sprintf("replica-%d", i)
		wg.Go(func() {
			for round := 0; !done(); round++ {
				if round == 2000 {
					t.Errorf("%s: not done after %d rounds", owner, round)
					return
				}
				if _, err := s.DispatchWebhooks(ctx(t), now, 0, 5); err != nil {
					t.Error(err)
					return
				}
				jobs, err := s.ClaimWebhookDeliveries(ctx(t), owner, now, time.Minute, 3)
				if err != nil {
					t.Error(err)
					return
				}
				for _, j := range jobs {
					if !sendInOrder(t, s, owner, j.Delivery, &mu, out, got, &attempts) {
						return
					}
				}
			}
		})
	}
	wg.Wait()
	for id, events := range want {
		if !slices.Equal(got[id], events) {
			t.Errorf("flag %s: delivered %v, want %v", id, got[id], events)
		}
	}
}

// sendInOrder plays one attempt of d: it fails if another delivery of
// d's flag is out, else every third attempt fails for a retry and the
// others deliver; then it records the outcome in the store.
func sendInOrder(t *testing.T, s ff.Store, owner string, d *ff.WebhookDelivery, mu *sync.Mutex, out map[string]string, got map[string][]string, attempts *int) bool {
	mu.Lock()
	if other, busy := out[d.TargetID]; busy {
		mu.Unlock()
		t.Errorf("%s claimed %s while %s of the same flag was out", owner, d.ID, other)
		return false
	}
	out[d.TargetID] = d.ID
	*attempts++
	fail := *attempts%3 == 0
	d.Attempts++
	if fail {
		d.NextAttemptAt = now
	} else {
		d.State = ff.DeliveryDelivered
		got[d.TargetID] = append(got[d.TargetID], d.EventID)
	}
	delete(out, d.TargetID)
	mu.Unlock()
	if err := s.FinishWebhookDelivery(ctx(t), owner, d); err != nil {
		t.Errorf("finish %s: %v", d.ID, err)
		return false
	}
	return true
}
