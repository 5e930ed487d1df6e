package webhook_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/internal/webhook/webhooktest"
)

// Every change reaches the endpoint once, signed, and in order per flag;
// the log records the answer.
func TestDeliversSignedInOrder(t *testing.T) {
	clock := &testenv.Clock{}
	rc := webhooktest.NewReceiver(t, clock)
	st, w := setup(t, rc.URL())
	var want []string
	for i := range 30 {
		want = append(want, webhooktest.Change(t, st, fmt.Sprint("flag-", i%3)).ID)
	}
	wk := webhooktest.NewWorker(st, clock, "r1")
	for webhooktest.RunOnce(t, wk) > 0 {
	}
	got := rc.Events()
	if len(got) != len(want) {
		t.Fatalf("received %d events, want %d", len(got), len(want))
	}
	last := map[string]int{}
	index := map[string]int{}
	for i, id := range want {
		index[id] = i
	}
	for _, ev := range got {
		i, ok := index[ev.ID]
		if !ok {
			t.Fatalf("unknown event %s", ev.ID)
		}
		if prev, seen := last[ev.TargetName]; seen && prev > i {
			t.Fatalf("%s: event %d arrived after event %d", ev.TargetName, i, prev)
		}
		last[ev.TargetName] = i
	}
	ds, err := st.ListWebhookDeliveries(t.Context(), w.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d := ds[0]; d.State != ff.DeliveryDelivered || d.ResponseStatus != 200 || d.ResponseExcerpt != `{"thanks":true}` || d.Attempts != 1 {
		t.Fatalf("delivery log: %+v", d)
	}
}

// A failing endpoint is retried after 10 s, 20 s, 40 s, ... (the clock
// moved by the test), later changes of the same flag wait behind it, and
// after 24 hours the delivery fails for good and the next one goes.
func TestRetriesWithBackoffThenGivesUp(t *testing.T) {
	clock := &testenv.Clock{}
	rc := webhooktest.NewReceiver(t, clock)
	rc.Answer = func(n int, r *http.Request) int {
		if r.Header.Get("X-Featureflags-Event") == "flag.create" {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	}
	st, w := setup(t, rc.URL())
	webhooktest.Change(t, st, "a")
	webhooktest.Change(t, st, "a")
	wk := webhooktest.NewWorker(st, clock, "r1")
	webhooktest.RunOnce(t, wk)
	if n := webhooktest.RunOnce(t, wk); n != 0 {
		t.Fatalf("sent %d before the back-off ran out", n)
	}
	var waits []time.Duration
	for attempts := 1; ; attempts++ {
		ds, err := st.ListWebhookDeliveries(t.Context(), w.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		first := ds[len(ds)-1]
		if first.Attempts != attempts || first.ResponseStatus != 503 {
			t.Fatalf("after %d attempts: %+v", attempts, first)
		}
		if first.State == ff.DeliveryFailed {
			break
		}
		if ds[0].Attempts != 0 {
			t.Fatalf("the toggle went before the failing creation: %+v", ds[0])
		}
		wait := first.NextAttemptAt.Sub(*first.LastAttemptAt)
		waits = append(waits, wait)
		clock.Advance(wait)
		if n := webhooktest.RunOnce(t, wk); n != 2 && n != 1 {
			t.Fatalf("attempt %d sent %d", attempts+1, n)
		}
	}
	if fmt.Sprint(waits[:4]) != "[10s 20s 40s 1m20s]" || waits[len(waits)-1] != time.Hour {
		t.Fatalf("back-off %v", waits)
	}
	if got := rc.Events(); got[len(got)-1].Action != "flag.toggle" {
		t.Fatalf("the toggle was not delivered after the creation failed: last %s", got[len(got)-1].Action)
	}
	t.Logf("%d attempts over 24 h: waits %v", len(waits)+1, waits)
}
