package sdk

import (
	"context"
	"encoding/json"
	"github.com/featureflags/featureflags/internal/stream/streamtest"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// freeAddr returns a loopback address nothing listens on: the port of a
// listener just closed.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func recvString(t *testing.T, c <-chan string) string {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(wait):
		t.Fatal("nothing received in time")
		return ""
	}
}

// TestStreamDroppedAndResumed cuts the client's connection, commits a
// change while it is away (its reconnection is held at the door), and checks
// that it resumes from its revision without a second snapshot.
func TestStreamDroppedAndResumed(t *testing.T) {
	s := streamtest.New(t, testFlags(), testSegments())
	s.Start("")
	c := newClient(t, fastOptions(s.URL()))
	if id := recvString(t, s.LastIDs); id != "" {
		t.Fatalf("first connection sent Last-Event-ID %q", id)
	}
	events, cancel := c.Subscribe(64)
	defer cancel()
	rev := s.Commit("", checkout(false)) // gives the hub history to resume from
	waitEvent(t, events, "first change", isConfig(rev))

	gate := make(chan struct{})
	s.Gate.Store(&gate)
	s.CloseClientConnections()
	waitEvent(t, events, "stale", isState(StateStale))
	if id := recvString(t, s.LastIDs); id != "2" {
		t.Fatalf("reconnected with Last-Event-ID %q, want 2", id)
	}
	rev = s.Commit("", checkout(true)) // missed while away
	close(gate)
	waitEvent(t, events, "ready", isState(StateReady))
	waitEvent(t, events, "missed change", isConfig(rev))
	if n := s.Snapshots.Load(); n != 1 {
		t.Fatalf("%d snapshots sent, want 1: the client should have resumed", n)
	}
	sameAsEval(t, c, s)
}

// TestServerRestart restarts the service on the same address with a new hub
// and a change made while it was down.
func TestServerRestart(t *testing.T) {
	s := streamtest.New(t, testFlags(), testSegments())
	addr := s.Start(freeAddr(t))
	c := newClient(t, fastOptions(s.URL()))
	events, cancel := c.Subscribe(64)
	defer cancel()
	s.Stop()
	waitEvent(t, events, "stale", isState(StateStale))
	rev := s.Commit("", checkout(false))
	s.Start(addr)
	waitEvent(t, events, "ready", isState(StateReady))
	waitEvent(t, events, "changes made while down", isConfig(rev))
	sameAsEval(t, c, s)
}

// TestStartFromCache starts a client while the service is down, from the
// configuration a previous client left on disk.
func TestStartFromCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.json")
	s := streamtest.New(t, testFlags(), testSegments())
	addr := s.Start(freeAddr(t))
	o := fastOptions(s.URL())
	o.CachePath = path
	c1 := newClient(t, o)
	events, cancel := c1.Subscribe(64)
	rev := s.Commit("", checkout(false))
	waitEvent(t, events, "change", isConfig(rev))
	cancel()
	c1.Close() // writes the last configuration
	var cached cacheFile
	if b, err := os.ReadFile(path); err != nil || json.Unmarshal(b, &cached) != nil || cached.Config.Revision != rev {
		t.Fatalf("cache file: %v %+v", err, cached.Config)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}

	s.Stop()
	c2 := newClient(t, o)
	if c2.State() != StateStale || c2.Revision() != rev || c2.Err() == nil {
		t.Fatalf("from cache: state %v revision %d err %v", c2.State(), c2.Revision(), c2.Err())
	}
	if r := c2.Bool("checkout", true, Context{"country": "NZ"}); r.Value || r.Reason != ReasonDisabled {
		t.Fatalf("cached evaluation: %+v", r)
	}
	events, cancel = c2.Subscribe(64)
	defer cancel()
	rev = s.Commit("", checkout(true))
	s.Start(addr)
	waitEvent(t, events, "ready", isState(StateReady))
	waitEvent(t, events, "change", isConfig(rev))
	sameAsEval(t, c2, s)

	// A cache written for another environment is not used.
	s.Stop()
	o.Key, o.Environment = "", staging
	ctx, stop := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer stop()
	if _, err := New(ctx, o); err == nil {
		t.Fatal("started from another configuration's cache")
	}
}

func TestPollingFallback(t *testing.T) {
	s := streamtest.New(t, testFlags(), testSegments())
	s.NoStream = true
	s.Start("")
	c := newClient(t, fastOptions(s.URL()))
	if c.State() != StateReady {
		t.Fatalf("state %v", c.State())
	}
	for range 2 { // revalidations answered 304
		if _, ok := recv(t, s.NotModified); !ok {
			t.Fatal("no 304")
		}
	}
	events, cancel := c.Subscribe(64)
	defer cancel()
	rev := s.Commit("", checkout(false))
	waitEvent(t, events, "polled change", isConfig(rev))
	sameAsEval(t, c, s)
	if s.Snapshots.Load() != 0 {
		t.Fatal("the stream was used")
	}
}

// TestBufferedStreamFallsBackToPolling: a proxy that buffers the stream
// delivers nothing; the client polls after ReadTimeout.
func TestBufferedStreamFallsBackToPolling(t *testing.T) {
	s := streamtest.New(t, testFlags(), testSegments())
	s.Buffered = true
	s.Start("")
	o := fastOptions(s.URL())
	o.ReadTimeout = 100 * time.Millisecond
	c := newClient(t, o)
	if c.State() != StateReady || c.Revision() != 1 {
		t.Fatalf("state %v revision %d", c.State(), c.Revision())
	}
	if _, ok := recv(t, s.NotModified); !ok {
		t.Fatal("not polling")
	}
}

func TestPollOnly(t *testing.T) {
	s := streamtest.New(t, testFlags(), testSegments())
	s.Start("")
	o := fastOptions(s.URL())
	o.PollOnly = true
	c := newClient(t, o)
	if _, ok := recv(t, s.NotModified); !ok || len(s.LastIDs) != 0 {
		t.Fatal("PollOnly streamed")
	}
	sameAsEval(t, c, s)
}

func TestCloseEndsSubscriptions(t *testing.T) {
	s := streamtest.New(t, testFlags(), nil)
	s.Start("")
	c := newClient(t, fastOptions(s.URL()))
	events, cancel := c.Subscribe(1)
	c.Close()
	if _, ok := recv(t, events); ok {
		t.Fatal("events open after Close")
	}
	cancel() // after Close: harmless
	if _, ok := recv(t, func() <-chan Event { e, _ := c.Subscribe(1); return e }()); ok {
		t.Fatal("subscription after Close is open")
	}
}

func recv[T any](t *testing.T, c <-chan T) (T, bool) {
	t.Helper()
	select {
	case v, ok := <-c:
		return v, ok
	case <-time.After(wait):
		t.Fatal("nothing received in time")
	}
	var zero T
	return zero, false
}
