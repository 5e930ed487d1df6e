package sdk

import (
	"context"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/stream/streamtest"
)

const (
	prod      = "production"
	staging   = "staging"
	serverKey = streamtest.ServerKey
	clientKey = streamtest.ClientKey
	wait      = 10 * time.Second // bound for anything the tests wait on
)

// waitEvent returns the first event on c that pred accepts.
func waitEvent(t *testing.T, c <-chan Event, what string, pred func(Event) bool) Event {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case ev, ok := <-c:
			if !ok {
				t.Fatalf("waiting for %s: events closed", what)
			}
			if pred(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s in time", what)
		}
	}
}

func isState(s State) func(Event) bool {
	return func(ev Event) bool { return ev.Type == EventStateChanged && ev.State == s }
}

func isConfig(rev int64) func(Event) bool {
	return func(ev Event) bool { return ev.Type == EventConfigChanged && ev.Revision >= rev }
}

// fastOptions reconnect quickly, for tests.
func fastOptions(url string) Options {
	return Options{URL: url, Key: serverKey, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, PollInterval: 5 * time.Millisecond}
}

func newClient(t *testing.T, o Options) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
