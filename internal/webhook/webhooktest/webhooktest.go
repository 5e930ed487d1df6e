// Package webhooktest holds what the webhook tests of every store share: a
// real receiving endpoint, the changes that make events, workers on a test
// clock, and the test of a replica killed mid-delivery, which the SQL
// stores run in internal/webhook and MongoDB in internal/mongotest.
package webhooktest

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
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/internal/webhook"
)

// Secret is the signing secret of the endpoints Prepare creates.
const Secret = "whsec-test-secret"

// Receiver is a real HTTP endpoint that checks every request's signature
// against the test's clock and records the events in arrival order.
type Receiver struct {
	t     *testing.T
	clock *testenv.Clock
	srv   *httptest.Server
	mu    sync.Mutex
	got   []*ff.AuditEvent
	// Answer, if set, chooses the status of the n-th request (from 1).
	Answer func(n int, r *http.Request) int
	// Arrivals hears of every request as it is recorded.
	Arrivals chan struct{}
}

// NewReceiver starts a Receiver, closed when the test ends.
func NewReceiver(t *testing.T, clock *testenv.Clock) *Receiver {
	rc := &Receiver{t: t, clock: clock, Arrivals: make(chan struct{}, 1000)}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

// URL is the endpoint's address.
func (rc *Receiver) URL() string { return rc.srv.URL }

func (rc *Receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhook.Verify(Secret, r.Header.Get(webhook.SignatureHeader), body, rc.clock.Now(), webhook.ReplayWindow); err != nil {
		rc.t.Errorf("delivery %s: %v", r.Header.Get("X-Featureflags-Delivery"), err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var ev ff.AuditEvent
	if err := json.Unmarshal(body, &ev); err != nil || r.Header.Get("X-Featureflags-Event") != ev.Action {
		rc.t.Errorf("payload %s (event header %q): %v", body, r.Header.Get("X-Featureflags-Event"), err)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, &ev)
	n := len(rc.got)
	rc.mu.Unlock()
	select {
	case rc.Arrivals <- struct{}{}:
	default:
	}
	status := http.StatusOK
	if rc.Answer != nil {
		status = rc.Answer(n, r)
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"thanks":true}`))
}

// Events returns the events received so far, in arrival order.
func (rc *Receiver) Events() []*ff.AuditEvent {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*ff.AuditEvent(nil), rc.got...)
}

// Prepare gives st the production environment and one endpoint at url.
func Prepare(t *testing.T, st ff.Store, url string) *ff.Webhook {
	t.Helper()
	if err := st.CreateEnvironment(t.Context(), &ff.Environment{Name: "production", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	w := &ff.Webhook{ID: ff.NewID(), URL: url, Secret: Secret, Version: 1, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.CreateWebhook(t.Context(), w, 0); err != nil {
		t.Fatal(err)
	}
	return w
}

// Change creates a flag or, if it exists, toggles it in production, with
// its audit event, as the service does.
func Change(t *testing.T, st ff.Store, name string) *ff.AuditEvent {
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
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// Outbox is st as a worker's store.
func Outbox(st ff.Store) func() ff.WebhookOutbox { return func() ff.WebhookOutbox { return st } }

// NewWorker is a worker on st, named owner, on clock.
func NewWorker(st ff.Store, clock *testenv.Clock, owner string) *webhook.Worker {
	return webhook.New(webhook.Config{Store: Outbox(st), Owner: owner, Now: clock.Now,
		Client: webhook.NewClient(5*time.Second, true), MaxQueued: 1000})
}

// RunOnce runs w once and returns how many deliveries it made.
func RunOnce(t *testing.T, w *webhook.Worker) int {
	t.Helper()
	n, err := w.RunOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// ReplicaKilledMidDelivery runs two replicas, a and b, on one database: a
// is stopped while its requests are in flight; b sends nothing while a's
// leases hold, and once they run out (the clock moved on) delivers
// everything: none of the events (changes of flags flags) is lost, and
// only those a had sent arrive twice, one per flag at most (a flag's
// deliveries go one at a time).
func ReplicaKilledMidDelivery(t *testing.T, a, b ff.Store, events, flags int) {
	clock := &testenv.Clock{}
	rc := NewReceiver(t, clock)
	var holding atomic.Bool
	holding.Store(true)
	arrived := make(chan struct{}, 100)
	rc.Answer = func(n int, r *http.Request) int {
		if holding.Load() {
			arrived <- struct{}{}
			<-r.Context().Done() // held until the replica dies
		}
		return http.StatusOK
	}
	Prepare(t, a, rc.URL())
	for i := range events {
		Change(t, a, fmt.Sprint("flag-", i%flags))
	}
	ctx, kill := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = NewWorker(a, clock, "replica-a").RunOnce(ctx)
	}()
	<-arrived
	kill()
	<-done
	holding.Store(false)
	wb := NewWorker(b, clock, "replica-b")
	if n := RunOnce(t, wb); n != 0 {
		t.Fatalf("replica b sent %d deliveries while replica a's leases held", n)
	}
	clock.Advance(time.Minute)
	for RunOnce(t, wb) > 0 {
	}
	once, twice, lost := tally(rc.Events(), events)
	if lost != 0 || once+twice != events || twice > flags {
		t.Fatalf("%d events: %d delivered once, %d twice, %d lost", events, once, twice, lost)
	}
	t.Logf("%d events, replica a killed mid-delivery: %d delivered exactly once, %d twice, %d lost", events, once, twice, lost)
}

// tally counts the events received once, twice (or more), and how many of
// the want events never arrived.
func tally(got []*ff.AuditEvent, want int) (once, more, lost int) {
	n := map[string]int{}
	for _, ev := range got {
		n[ev.ID]++
	}
	for _, c := range n {
		if c == 1 {
			once++
		} else {
			more++
		}
	}
	return once, more, want - len(n)
}
