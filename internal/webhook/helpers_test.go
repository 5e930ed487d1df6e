package webhook_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/internal/webhook"
	"github.com/featureflags/featureflags/store/sqlite"
)

const secret = "whsec-test-secret"

// receiver is a real HTTP endpoint that checks every request's signature
// against the test's clock and records the events in arrival order.
type receiver struct {
	t     *testing.T
	clock *testenv.Clock
	srv   *httptest.Server
	mu    sync.Mutex
	got   []*ff.AuditEvent
	// answer, if set, chooses the status of the n-th request (from 1).
	answer func(n int, r *http.Request) int
	// arrivals hears of every request as it is recorded.
	arrivals chan struct{}
}

func newReceiver(t *testing.T, clock *testenv.Clock) *receiver {
	rc := &receiver{t: t, clock: clock, arrivals: make(chan struct{}, 1000)}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, rc.clock.Now(), webhook.ReplayWindow); err != nil {
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
	case rc.arrivals <- struct{}{}:
	default:
	}
	status := http.StatusOK
	if rc.answer != nil {
		status = rc.answer(n, r)
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"thanks":true}`))
}

func (rc *receiver) events() []*ff.AuditEvent {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*ff.AuditEvent(nil), rc.got...)
}

// setup opens a SQLite store with the production environment and one
// endpoint at url.
func setup(t *testing.T, url string) (ff.Store, *ff.Webhook) {
	return setupAt(t, filepath.Join(t.TempDir(), "flags.db"), url)
}

func openAt(t *testing.T, path string) ff.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), path, sqlite.Unsynced())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func setupAt(t *testing.T, path, url string) (ff.Store, *ff.Webhook) {
	t.Helper()
	st := openAt(t, path)
	return st, prepare(t, st, url)
}

// prepare gives st the production environment and one endpoint at url.
func prepare(t *testing.T, st ff.Store, url string) *ff.Webhook {
	t.Helper()
	if err := st.CreateEnvironment(t.Context(), &ff.Environment{Name: "production", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	w := &ff.Webhook{ID: ff.NewID(), URL: url, Secret: secret, Version: 1, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.CreateWebhook(t.Context(), w, 0); err != nil {
		t.Fatal(err)
	}
	return w
}

// change creates a flag or, if it exists, toggles it in production, with
// its audit event, as the service does.
func change(t *testing.T, st ff.Store, name string) *ff.AuditEvent {
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

func newWorker(st ff.Store, clock *testenv.Clock, owner string) *webhook.Worker {
	return webhook.New(webhook.Config{Store: outbox(st), Owner: owner, Now: clock.Now,
		Client: webhook.NewClient(5*time.Second, true), MaxQueued: 1000})
}

func runOnce(t *testing.T, w *webhook.Worker) int {
	t.Helper()
	n, err := w.RunOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func outbox(st ff.Store) func() ff.WebhookOutbox { return func() ff.WebhookOutbox { return st } }
