package main

import (
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/sdk"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
	"github.com/featureflags/featureflags/wire"
)

// TestLiveReplicaProcesses runs two `serve` processes on one PostgreSQL
// database: a change through either reaches, on the other, subscribers of
// the SDK stream, the OFREP event stream and /events, and an SDK client;
// then a process restarts and its clients catch up. --refresh-interval 0:
// only LISTEN/NOTIFY brings changes across.
func TestLiveReplicaProcesses(t *testing.T) {
	pg := pgtest.URL(t)
	procs := []*process{
		start(t, t.TempDir(), "--store", pg, "--refresh-interval", "0"),
		start(t, t.TempDir(), "--store", pg, "--refresh-interval", "0"),
	}
	if status, body := procs[0].post(t, "/flags", `{"name":"shared"}`); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	env := []string{wire.HeaderEnvironment, "production"}
	type subscribers struct {
		sdk, ofrep, events *testenv.Stream
		client             *sdk.Client
	}
	var subs []subscribers
	for _, p := range procs {
		s := subscribers{
			sdk:    testenv.Connect(t, p.base+wire.StreamPath, env...),
			ofrep:  testenv.Connect(t, p.base+wire.OFREPEventsPath, env...),
			events: testenv.Connect(t, p.base+server.EventsPath),
			client: testenv.SDKClient(t, sdk.Options{URL: p.base, Environment: "production"}),
		}
		s.sdk.Until(t, func(ev testenv.Event) bool { return testenv.Has(ev, "shared", "production", false) })
		testenv.Value(t, s.client, "shared", false)
		subs = append(subs, s)
	}
	on := false
	toggle := func(i int) {
		t.Helper()
		on = !on
		from, to := procs[i%2], subs[(i+1)%2]
		began := time.Now()
		if status, body := from.post(t, "/flags/shared/toggle", `{"environment":"production"}`); status != http.StatusOK {
			t.Fatalf("toggle: %d %s", status, body)
		}
		ev := to.sdk.Until(t, func(ev testenv.Event) bool { return testenv.Has(ev, "shared", "production", on) })
		lag := time.Since(began)
		rev := revisionOf(t, ev)
		to.ofrep.Until(t, func(e testenv.Event) bool { return revisionOf(t, e) >= rev })
		to.events.Until(t, func(e testenv.Event) bool { return revisionOf(t, e) >= rev })
		testenv.Value(t, to.client, "shared", on)
		t.Logf("toggle %d through process %d: on the other's SDK stream after %v", i, i%2, lag.Round(time.Microsecond))
	}
	for i := range 4 {
		toggle(i)
	}

	// Process 1 restarts on the same address: its SDK client reconnects
	// and follows changes made through process 0 meanwhile and after.
	addr := procs[1].base[len("http://"):]
	if err := procs[1].cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	procs[1].wait()
	subs[1].sdk.Ended(t)
	on = !on
	if status, _ := procs[0].post(t, "/flags/shared/toggle", `{"environment":"production"}`); status != http.StatusOK {
		t.Fatal("toggle while process 1 is down")
	}
	procs[1] = start(t, t.TempDir(), "--store", pg, "--refresh-interval", "0", "--listen", addr)
	testenv.Value(t, subs[1].client, "shared", on)
	subs[1].sdk = testenv.Connect(t, procs[1].base+wire.StreamPath, env...)
	subs[1].sdk.Next(t)
	subs[1].ofrep = testenv.Connect(t, procs[1].base+wire.OFREPEventsPath, env...)
	subs[1].events = testenv.Connect(t, procs[1].base+server.EventsPath)
	toggle(4)
	toggle(5)
}

// TestShutdownWithStreams: SIGTERM ends open event streams at once instead
// of waiting for them until --shutdown-timeout.
func TestShutdownWithStreams(t *testing.T) {
	p := start(t, t.TempDir(), "--shutdown-timeout", "60s")
	var streams []*testenv.Stream
	for _, path := range []string{wire.StreamPath, wire.OFREPEventsPath, server.EventsPath} {
		streams = append(streams, testenv.Connect(t, p.base+path))
	}
	began := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, p.logs)
		}
	case <-time.After(testenv.Wait):
		t.Fatalf("still running %v after SIGTERM with streams open", testenv.Wait)
	}
	for _, s := range streams {
		s.Ended(t)
	}
	t.Logf("stopped in %v", time.Since(began).Round(time.Millisecond))
}

func revisionOf(t *testing.T, ev testenv.Event) int64 {
	t.Helper()
	rev, err := strconv.ParseInt(ev.ID, 10, 64)
	if err != nil {
		t.Fatalf("event id %q", ev.ID)
	}
	return rev
}
