package mongotest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/mongotest"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/internal/webhook"
	"github.com/featureflags/featureflags/store/mongo"
)

const hookSecret = "whsec-test-secret"

// TestReplicaKilledMidDelivery is internal/webhook's test of the same name
// on MongoDB: two replicas on one database, the first stopped while its
// requests are in flight; the second sends nothing while the first's
// turns and leases hold, and once they run out (the clock moved on)
// delivers everything: no event is lost, and only those the first had
// sent (one per flag at most: a flag's deliveries go one at a time) arrive
// twice.
func TestReplicaKilledMidDelivery(t *testing.T) {
	url := mongotest.Start(t)
	var a, b *mongo.Store
	for _, s := range []**mongo.Store{&a, &b} {
		st, err := mongo.Open(t.Context(), url)
		must(t, err)
		t.Cleanup(func() { st.Close() })
		*s = st
	}
	clock := &testenv.Clock{}
	var holding atomic.Bool
	holding.Store(true)
	arrived := make(chan struct{}, 100)
	var mu sync.Mutex
	var got []string // event ids in arrival order
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(hookSecret, r.Header.Get(webhook.SignatureHeader), body, clock.Now(), webhook.ReplayWindow); err != nil {
			t.Errorf("delivery %s: %v", r.Header.Get("X-Featureflags-Delivery"), err)
		}
		var ev ff.AuditEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("payload %s: %v", body, err)
		}
		mu.Lock()
		got = append(got, ev.ID)
		mu.Unlock()
		if holding.Load() {
			arrived <- struct{}{}
			<-r.Context().Done() // held until the replica dies
		}
	}))
	t.Cleanup(srv.Close)

	must(t, a.CreateEnvironment(t.Context(), &ff.Environment{Name: "production", CreatedAt: time.Now()}))
	must(t, a.CreateWebhook(t.Context(), &ff.Webhook{ID: ff.NewID(), URL: srv.URL, Secret: hookSecret, Version: 1,
		CreatedAt: time.Now(), UpdatedAt: time.Now()}, 0))
	// Fewer events than the SQL stores' test: FerretDB on SQLite answers
	// the claim's ordered queries by scanning, and 200 events take minutes.
	const events, flags = 40, 8
	for i := range events {
		hookChange(t, a, fmt.Sprint("flag-", i%flags))
	}
	ctx, kill := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = hookWorker(a, clock, "replica-a").RunOnce(ctx)
	}()
	<-arrived
	kill()
	<-done
	holding.Store(false)
	wb := hookWorker(b, clock, "replica-b")
	if n := hookRun(t, wb); n != 0 {
		t.Fatalf("replica b sent %d deliveries while replica a's leases held", n)
	}
	clock.Advance(time.Minute)
	for hookRun(t, wb) > 0 {
	}
	mu.Lock()
	defer mu.Unlock()
	n := map[string]int{}
	for _, id := range got {
		n[id]++
	}
	once, twice := 0, 0
	for _, c := range n {
		if c == 1 {
			once++
		} else {
			twice++
		}
	}
	lost := events - len(n)
	if lost != 0 || once+twice != events || twice > flags {
		t.Fatalf("%d events: %d delivered once, %d twice, %d lost", events, once, twice, lost)
	}
	t.Logf("%d events, replica a killed mid-delivery: %d delivered exactly once, %d twice, %d lost", events, once, twice, lost)
}

// hookChange creates the flag name or, if it exists, toggles it in
// production, with its audit event, as the service does.
func hookChange(t *testing.T, st *mongo.Store, name string) {
	t.Helper()
	ev := &ff.AuditEvent{Time: time.Now(), Actor: ff.Actor{Type: "local"}, Action: "flag.toggle",
		TargetType: "flag", TargetName: name, Environment: "production"}
	f, err := st.FindFlag(t.Context(), name)
	if ff.ErrorCode(err) == ff.ENOTFOUND {
		f = &ff.Flag{ID: ff.NewID(), Name: name, Type: ff.TypeBoolean, Environments: map[string]bool{"production": false},
			Version: 1, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		ev.Action, ev.TargetID, ev.Environment = "flag.create", f.ID, ""
		err = st.CreateFlag(ff.WithAudit(t.Context(), ev), f)
	} else if err == nil {
		ev.TargetID = f.ID
		_, err = st.ToggleFlag(ff.WithAudit(t.Context(), ev), f.ID, "production", ff.AnyVersion, time.Now())
	}
	must(t, err)
}

func hookWorker(st *mongo.Store, clock *testenv.Clock, owner string) *webhook.Worker {
	return webhook.New(webhook.Config{Store: func() ff.WebhookOutbox { return st }, Owner: owner, Now: clock.Now,
		Client: webhook.NewClient(5*time.Second, true), MaxQueued: 1000})
}

func hookRun(t *testing.T, w *webhook.Worker) int {
	t.Helper()
	n, err := w.RunOnce(t.Context())
	must(t, err)
	return n
}
