package mongotest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/mongotest"
	"github.com/featureflags/featureflags/store/mongo"
	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
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

// TestDeletedWebhookTurns: a replica holding the turns of two endpoints
// dies before recording its deliveries; deleting one endpoint removes its
// turn document (no claimer would ever end it), and keeps the other's.
func TestDeletedWebhookTurns(t *testing.T) {
	url := mongotest.Start(t)
	s, err := mongo.Open(t.Context(), url)
	must(t, err)
	t.Cleanup(func() { s.Close() })
	now := time.Now().UTC().Truncate(time.Millisecond)
	must(t, s.CreateEnvironment(t.Context(), &ff.Environment{Name: "production", CreatedAt: now}))
	var hooks []*ff.Webhook
	for i := range 2 {
		w := &ff.Webhook{ID: ff.NewID(), URL: fmt.Sprintf("https://93.184.216.34/%d", i), Events: []string{}, Flags: []string{},
			Environments: []string{}, Secret: "whsec_0123456789abcdef0123456789", Version: 1, CreatedAt: now, UpdatedAt: now}
		must(t, s.CreateWebhook(t.Context(), w, 0))
		hooks = append(hooks, w)
	}
	f := &ff.Flag{ID: ff.NewID(), Name: "checkout", Type: ff.TypeBoolean, Environments: map[string]bool{"production": false},
		Version: 1, CreatedAt: now, UpdatedAt: now}
	ev := &ff.AuditEvent{Time: now, Action: "flag.create", TargetType: "flag", TargetID: f.ID, TargetName: f.Name}
	must(t, s.CreateFlag(ff.WithAudit(t.Context(), ev), f))
	_, err = s.DispatchWebhooks(t.Context(), now, 0, 10)
	must(t, err)
	if jobs, err := s.ClaimWebhookDeliveries(t.Context(), "a", now, time.Minute, 10); err != nil || len(jobs) != 2 {
		t.Fatalf("claimed %d jobs (%v), want one per endpoint", len(jobs), err)
	}
	client, err := driver.Connect(options.Client().ApplyURI(url))
	must(t, err)
	defer client.Disconnect(context.Background())
	turns := client.Database(dbName(url)).Collection("webhook_turns")
	count := func(w *ff.Webhook) int64 {
		n, err := turns.CountDocuments(t.Context(), bson.D{{Key: "_id", Value: w.ID + "/flag/" + f.ID}})
		must(t, err)
		return n
	}
	if count(hooks[0]) != 1 || count(hooks[1]) != 1 {
		t.Fatalf("turns before the deletion: %d, %d, want 1 each", count(hooks[0]), count(hooks[1]))
	}
	must(t, s.DeleteWebhook(t.Context(), hooks[0].ID))
	if count(hooks[0]) != 0 || count(hooks[1]) != 1 {
		t.Fatalf("turns after deleting the first endpoint: %d, %d, want 0, 1", count(hooks[0]), count(hooks[1]))
	}
}
