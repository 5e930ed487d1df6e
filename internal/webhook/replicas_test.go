package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/store/postgres"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
)

// Two replicas on one database: the first is stopped while its requests
// are in flight; the second sends nothing while the first's leases hold,
// and once they run out (the clock moved on) delivers everything: no event
// is lost, and only those the first had sent arrive twice.
func TestReplicaKilledMidDelivery(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "flags.db")
		testReplicaKilled(t, openAt(t, path), openAt(t, path))
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		url := pgtest.URL(t)
		testReplicaKilled(t, openPostgres(t, url), openPostgres(t, url))
	})
}

func openPostgres(t *testing.T, url string) ff.Store {
	t.Helper()
	st, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func testReplicaKilled(t *testing.T, a, b ff.Store) {
	clock := &testenv.Clock{}
	rc := newReceiver(t, clock)
	var holding atomic.Bool
	holding.Store(true)
	arrived := make(chan struct{}, 100)
	rc.answer = func(n int, r *http.Request) int {
		if holding.Load() {
			arrived <- struct{}{}
			<-r.Context().Done() // held until the replica dies
		}
		return http.StatusOK
	}
	prepare(t, a, rc.srv.URL)
	const events = 200
	for i := range events {
		change(t, a, fmt.Sprint("flag-", i%8))
	}
	ctx, kill := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = newWorker(a, clock, "replica-a").RunOnce(ctx)
	}()
	<-arrived
	kill()
	<-done
	holding.Store(false)
	wb := newWorker(b, clock, "replica-b")
	if n := runOnce(t, wb); n != 0 {
		t.Fatalf("replica b sent %d deliveries while replica a's leases held", n)
	}
	clock.Advance(time.Minute)
	for runOnce(t, wb) > 0 {
	}
	once, twice, lost := tally(rc.events(), events)
	if lost != 0 || once+twice != events || twice > 8 {
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
