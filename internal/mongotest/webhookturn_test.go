package mongotest_test

import (
	"errors"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/mongo"
)

// TestWebhookTurnEnderDied: a replica dies after recording its delivery
// and taking the right to end the flag's turn, before deleting it. The
// flag's next event waits while that right is fresh, then goes to the
// other replica, once: nothing is lost and the order holds.
func TestWebhookTurnEnderDied(t *testing.T) {
	fx := newApplyFixture(t)
	now := fx.req.CreatedAt
	w := &ff.Webhook{ID: ff.NewID(), URL: "https://93.184.216.34/turns", Events: []string{}, Flags: []string{}, Environments: []string{},
		Secret: "whsec_0123456789abcdef0123456789", Version: 1, CreatedAt: now, UpdatedAt: now}
	must(t, fx.a.CreateWebhook(t.Context(), w, 0))
	for range 2 {
		ev := &ff.AuditEvent{Time: now, Action: "flag.toggle", TargetType: "flag", TargetID: fx.flag.ID, TargetName: "checkout", Environment: "production"}
		_, err := fx.a.ToggleFlag(ff.WithAudit(t.Context(), ev), fx.flag.ID, "production", ff.AnyVersion, now)
		must(t, err)
	}
	_, err := fx.a.DispatchWebhooks(t.Context(), now, 0, 10)
	must(t, err)
	claim := func(s *mongo.Store, owner string, at time.Time) []*ff.WebhookJob {
		t.Helper()
		jobs, err := s.ClaimWebhookDeliveries(t.Context(), owner, at, time.Minute, 10)
		must(t, err)
		return jobs
	}
	first := claim(fx.a, "a", now)
	if len(first) != 1 {
		t.Fatalf("first claim: %d jobs, want the flag's first event", len(first))
	}
	fx.a.SetInterrupt(func(p string) error {
		if p == mongo.PointTurnEnding {
			return errDied
		}
		return nil
	})
	d := first[0].Delivery
	d.State, d.Attempts = ff.DeliveryDelivered, 1
	if err := fx.a.FinishWebhookDelivery(t.Context(), "a", d); !errors.Is(err, errDied) {
		t.Fatalf("finish on the dying replica: %v, want it to die", err)
	}
	// The turn ran out at now+1m; its ending, taken then, is fresh for
	// one more lease.
	for _, at := range []time.Time{now, now.Add(time.Minute), now.Add(2*time.Minute - time.Millisecond)} {
		if jobs := claim(fx.b, "b", at); len(jobs) != 0 {
			t.Fatalf("claimed %s at %s, while the turn was held or being ended", jobs[0].Delivery.ID, at)
		}
	}
	next := claim(fx.b, "b", now.Add(2*time.Minute))
	if len(next) != 1 || next[0].Delivery.EventID == d.EventID || next[0].Delivery.Seq <= d.Seq {
		t.Fatalf("claim after the ending went stale: %+v, want the flag's second event", next)
	}
	ds, err := fx.b.ListWebhookDeliveries(t.Context(), w.ID, 10)
	must(t, err)
	if len(ds) != 2 || ds[1].State != ff.DeliveryDelivered || ds[0].State != ff.DeliveryPending {
		t.Fatalf("deliveries: %+v", ds)
	}
}
