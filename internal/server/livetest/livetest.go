// Package livetest is the live-update suite: servers on stores opened on
// one database (testenv with Following, as `featureflags serve` runs) must
// tell each other's subscribers of every change. The server package's
// tests and the MongoDB tests (module internal/mongotest) run it.
package livetest

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/sdk"
	"github.com/featureflags/featureflags/wire"
)

// Replicas checks that two servers, on stores a and b opened on one
// database, agree: a change made through either reaches the other's
// subscribers of the SDK stream, the OFREP event stream and /events, and an
// SDK client connected to it, each within Wait.
func Replicas(t *testing.T, a, b ff.Store) {
	sa := testenv.Start(t, testenv.OnStore(a), testenv.Following())
	sb := testenv.Start(t, testenv.OnStore(b), testenv.Following())
	sa.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "shared", "environments": map[string]bool{"production": false}})

	env := []string{wire.HeaderEnvironment, "production"}
	type subscribers struct {
		sdk, ofrep, events *testenv.Stream
		client             *sdk.Client
	}
	subscribe := func(s *testenv.Server) subscribers {
		sub := subscribers{
			sdk:    testenv.Connect(t, s.URL()+wire.StreamPath, env...),
			ofrep:  testenv.Connect(t, s.URL()+wire.OFREPEventsPath, env...),
			events: testenv.Connect(t, s.URL()+server.EventsPath),
			client: testenv.SDKClient(t, sdk.Options{URL: s.URL(), Environment: "production"}),
		}
		// The flag created through a reaches b, if it had not yet.
		sub.sdk.Until(t, func(ev testenv.Event) bool { return testenv.Has(ev, "shared", "production", false) })
		testenv.Value(t, sub.client, "shared", false)
		return sub
	}
	subs := []subscribers{subscribe(sa), subscribe(sb)}
	servers := []*testenv.Server{sa, sb}
	on := false
	for i := range 6 {
		from, to := servers[i%2], subs[(i+1)%2]
		on = !on
		began := time.Now()
		from.Toggle("shared", "production")
		ev := to.sdk.Until(t, func(ev testenv.Event) bool { return testenv.Has(ev, "shared", "production", on) })
		lag := time.Since(began)
		rev := revision(ev.ID)
		to.ofrep.Until(t, func(e testenv.Event) bool { return e.Event == wire.OFREPEventName && revision(e.ID) >= rev })
		to.events.Until(t, func(e testenv.Event) bool { return e.Event == "change" && revision(e.ID) >= rev })
		testenv.Value(t, to.client, "shared", on)
		t.Logf("change %d through server %d reached the other's SDK stream in %v", i, i%2, lag.Round(time.Microsecond))
	}
}

// revision reads an event id, -1 if it is none.
func revision(id string) int64 {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return -1
	}
	return n
}
