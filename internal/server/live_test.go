package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/server/livetest"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/sdk"
	"github.com/featureflags/featureflags/store/postgres"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
	"github.com/featureflags/featureflags/wire"
	"github.com/jackc/pgx/v5"
)

// liveServer starts a server on a fresh SQLite store, following it, with
// access control on: its client is an admin.
func liveServer(t *testing.T) *testenv.Server {
	return testenv.Start(t, testenv.Following(), testenv.WithAuth())
}

// checkoutFlag is on nowhere, with a rule in production and a secret one
// in staging.
var checkoutFlag = map[string]any{
	"name": "checkout", "environments": map[string]bool{"production": false},
	"targeting": map[string]any{
		"production": map[string]any{"rules": []any{map[string]any{
			"conditions": []any{map[string]any{"attribute": "country", "operator": "eq", "value": "NZ"}},
			"serve":      map[string]any{"variant": "on"}}}},
		"staging": map[string]any{"rules": []any{map[string]any{
			"conditions": []any{map[string]any{"attribute": "secret", "operator": "eq", "value": "staging-only"}},
			"serve":      map[string]any{"variant": "on"}}}},
	},
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// onlyEnvironment fails unless every flag of a snapshot or change carries
// env's state and targeting only.
func onlyEnvironment(t *testing.T, ev testenv.Event, env string) {
	t.Helper()
	var body struct {
		Flags  []*ff.Flag `json:"flags"`
		Upsert []*ff.Flag `json:"upsert"`
	}
	if err := json.Unmarshal([]byte(ev.Data), &body); err != nil {
		t.Fatal(err)
	}
	for _, f := range append(body.Flags, body.Upsert...) {
		for e := range f.Environments {
			if e != env {
				t.Fatalf("%s event: flag %s carries environment %s: %s", ev.Event, f.Name, e, ev.Data)
			}
		}
		for e := range f.Targeting {
			if e != env {
				t.Fatalf("%s event: flag %s carries the targeting of %s: %s", ev.Event, f.Name, e, ev.Data)
			}
		}
	}
	if strings.Contains(ev.Data, "staging-only") && env != "staging" {
		t.Fatalf("%s event leaks staging's rule: %s", ev.Event, ev.Data)
	}
}

// TestLiveSameServer: a change through the API reaches, on the same
// server, subscribers of the SDK stream, the OFREP event stream and
// /events, and an SDK client; keys see only what they may.
func TestLiveSameServer(t *testing.T) {
	s := liveServer(t)
	s.Expect(http.StatusCreated, "POST", "/flags", checkoutFlag)
	serverKey := s.NewToken(ff.RoleServerKey, "production", "")
	clientKey := s.NewToken(ff.RoleClientKey, "production", "")
	viewer := s.NewToken(ff.RoleViewer, "", "")

	// Who may connect.
	for _, path := range []string{wire.StreamPath, wire.ConfigPath} {
		if _, status, body := testenv.Dial(t, s.URL()+path, bearer(clientKey)...); status != http.StatusForbidden || !strings.Contains(string(body), "server key") {
			t.Fatalf("client key on %s: %d %s, want 403", path, status, body)
		}
		if _, status, _ := testenv.Dial(t, s.URL()+path, append(bearer(serverKey), wire.HeaderEnvironment, "staging")...); status != http.StatusForbidden {
			t.Fatalf("production's server key for staging on %s: %d, want 403", path, status)
		}
		if _, status, _ := testenv.Dial(t, s.URL()+path); status != http.StatusUnauthorized {
			t.Fatalf("no key on %s: %d, want 401", path, status)
		}
	}
	if _, status, _ := testenv.Dial(t, s.URL()+server.EventsPath, bearer(serverKey)...); status != http.StatusForbidden {
		t.Fatalf("a server key on /events: %d, want 403", status)
	}

	sdkStream := testenv.Connect(t, s.URL()+wire.StreamPath, bearer(serverKey)...)
	snap := sdkStream.Next(t)
	cfg := testenv.Snapshot(t, snap)
	if cfg.Environment != "production" || len(cfg.Flags) != 1 || cfg.Flags[0].Name != "checkout" {
		t.Fatalf("snapshot %s", snap.Data)
	}
	onlyEnvironment(t, snap, "production")
	ofrep := testenv.Connect(t, s.URL()+wire.OFREPEventsPath, bearer(clientKey)...)
	events := testenv.Connect(t, s.URL()+server.EventsPath, bearer(viewer)...)
	client := testenv.SDKClient(t, sdk.Options{URL: s.URL(), Key: serverKey})
	testenv.Value(t, client, "checkout", false)

	// A toggle reaches all four.
	s.Toggle("checkout", "production")
	ev := sdkStream.Next(t)
	change := testenv.Change(t, ev)
	if !testenv.Has(ev, "checkout", "production", true) || len(change.Delete) != 0 || strconv.FormatInt(change.Revision, 10) != ev.ID {
		t.Fatalf("change %+v", ev)
	}
	onlyEnvironment(t, ev, "production")
	msg := ofrep.Next(t)
	var data wire.OFREPEvent
	if err := json.Unmarshal([]byte(msg.Data), &data); err != nil || msg.Event != "message" || data.Type != "refetchEvaluation" ||
		data.ETag != wire.ETag(change.Revision) || msg.ID != ev.ID || data.LastModified == 0 {
		t.Fatalf("OFREP event %+v", msg)
	}
	got := events.Next(t)
	if got.Event != "change" || got.ID != ev.ID || !strings.HasPrefix(got.Data, `{"revision":`+ev.ID+`,"from":`) || !strings.HasSuffix(got.Data, `"flags":["checkout"]}`) {
		t.Fatalf("/events event %+v", got)
	}
	testenv.Value(t, client, "checkout", true)

	// Staging's targeting changes: production's stream hears of the flag,
	// without staging's rules.
	s.Expect(http.StatusOK, "PUT", "/flags/checkout/targeting/staging", map[string]any{"defaultServe": map[string]any{"variant": "on"}})
	ev = sdkStream.Next(t)
	testenv.Change(t, ev)
	onlyEnvironment(t, ev, "production")
	if got := events.Next(t); got.ID != ev.ID {
		t.Fatalf("/events %+v after %+v", got, ev)
	}

	// Rename and delete: the stream says what is gone.
	s.Expect(http.StatusOK, "PUT", "/flags/checkout", map[string]any{"name": "checkout-v2"})
	change = testenv.Change(t, sdkStream.Next(t))
	if len(change.Delete) != 1 || change.Delete[0] != "checkout" || len(change.Upsert) != 1 || change.Upsert[0].Name != "checkout-v2" {
		t.Fatalf("rename: %+v", change)
	}
	s.Expect(http.StatusNoContent, "DELETE", "/flags/checkout-v2", nil)
	change = testenv.Change(t, sdkStream.Next(t))
	if len(change.Delete) != 1 || change.Delete[0] != "checkout-v2" || len(change.Upsert) != 0 {
		t.Fatalf("delete: %+v", change)
	}
	// A segment is a reset: a whole snapshot.
	s.Expect(http.StatusCreated, "POST", "/segments", map[string]any{"name": "beta"})
	cfg = testenv.Snapshot(t, sdkStream.Next(t))
	if len(cfg.Segments) != 1 || len(cfg.Flags) != 0 {
		t.Fatalf("snapshot after a segment: %+v", cfg)
	}
	ofrep.Until(t, func(e testenv.Event) bool { return e.ID == strconv.FormatInt(cfg.Revision, 10) })

	// Polling, with ETags.
	var polled wire.Config
	r := s.Do("GET", wire.ConfigPath, nil, bearer(serverKey)...)
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &polled) != nil || polled.Revision != cfg.Revision {
		t.Fatalf("config: %d %s", r.Status, r.Body)
	}
	if r := s.Do("GET", wire.ConfigPath, nil, append(bearer(serverKey), "If-None-Match", wire.ETag(cfg.Revision))...); r.Status != http.StatusNotModified {
		t.Fatalf("config with the current ETag: %d", r.Status)
	}

	// The metrics count it all.
	m := s.Do("GET", "/metrics", nil).Body
	for _, want := range []string{
		`featureflags_streams{kind="sdk"} 2`, // the stream and the client's
		`featureflags_streams{kind="ofrep"} 1`,
		`featureflags_streams{kind="events"} 1`,
		`featureflags_stream_events_total{event="change",kind="sdk"}`,
		`featureflags_stream_events_total{event="refetchEvaluation",kind="ofrep"}`,
		`featureflags_stream_events_total{event="change",kind="events"}`,
		`featureflags_stream_propagation_seconds_count`,
		`featureflags_stream_dropped_total 0`,
	} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// Revoking the server key ends its streams.
	var toks []struct {
		ID   string `json:"_id"`
		Role string `json:"role"`
	}
	s.Expect(http.StatusOK, "GET", "/tokens", nil).JSON(t, &toks)
	for _, tok := range toks {
		if tok.Role == string(ff.RoleServerKey) {
			s.Expect(http.StatusNoContent, "DELETE", "/tokens/"+tok.ID, nil)
		}
	}
	sdkStream.Ended(t)
	if _, status, _ := testenv.Dial(t, s.URL()+wire.StreamPath, bearer(serverKey)...); status != http.StatusUnauthorized {
		t.Fatalf("revoked key: %d", status)
	}
}

// TestLiveOpenServer: without access control X-Environment chooses, the
// default environment otherwise, and creating the first token ends the
// streams opened without one.
func TestLiveOpenServer(t *testing.T) {
	s := testenv.Start(t, testenv.Following(), testenv.WithConfig(func(c *server.Config) { c.DefaultEnvironment = "staging" }))
	s.Expect(http.StatusCreated, "POST", "/flags", checkoutFlag)
	dev := testenv.Connect(t, s.URL()+wire.StreamPath, wire.HeaderEnvironment, "development")
	if cfg := testenv.Snapshot(t, dev.Next(t)); cfg.Environment != "development" {
		t.Fatalf("environment %q", cfg.Environment)
	}
	def := testenv.Connect(t, s.URL()+wire.StreamPath)
	if cfg := testenv.Snapshot(t, def.Next(t)); cfg.Environment != "staging" || !strings.Contains(def.Resp.Header.Get("Content-Type"), "event-stream") {
		t.Fatalf("environment %q", cfg.Environment)
	}
	if _, status, _ := testenv.Dial(t, s.URL()+wire.StreamPath, wire.HeaderEnvironment, "moon"); status != http.StatusNotFound {
		t.Fatalf("unknown environment: %d", status)
	}
	events := testenv.Connect(t, s.URL()+server.EventsPath)
	s.NewToken(ff.RoleAdmin, "", "")
	dev.Ended(t)
	def.Ended(t)
	events.Ended(t)
}

// TestLiveResume: a client reconnecting with the revision it has gets only
// what it missed; with a revision this server never had (another
// replica's) it gets a snapshot.
func TestLiveResume(t *testing.T) {
	s := liveServer(t)
	key := s.NewToken(ff.RoleServerKey, "production", "")
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "a"})
	first := testenv.Connect(t, s.URL()+wire.StreamPath, bearer(key)...)
	seen := first.Next(t).ID
	first.Close()
	s.Toggle("a", "production")
	s.Toggle("a", "staging")

	again := testenv.Connect(t, s.URL()+wire.StreamPath, append(bearer(key), wire.HeaderLastEventID, seen)...)
	if again.Resp.Header.Get(wire.HeaderResumed) != "true" {
		t.Fatal("not resumed")
	}
	a, b := testenv.Change(t, again.Next(t)), testenv.Change(t, again.Next(t))
	if a.Upsert[0].Environments["production"] != true || b.Revision != a.Revision+1 {
		t.Fatalf("replayed %+v then %+v", a, b)
	}
	other := testenv.Connect(t, s.URL()+wire.StreamPath, append(bearer(key), wire.HeaderLastEventID, "999999")...)
	if other.Resp.Header.Get(wire.HeaderResumed) == "true" {
		t.Fatal("resumed from a revision the server never had")
	}
	if cfg := testenv.Snapshot(t, other.Next(t)); cfg.Revision != b.Revision {
		t.Fatalf("snapshot at %d, want %d", cfg.Revision, b.Revision)
	}
	// /events and OFREP tell a client that missed something at once.
	ev := testenv.Connect(t, s.URL()+server.EventsPath, append(bearer(s.Token), wire.HeaderLastEventID, seen)...)
	if got := ev.Next(t); got.ID != strconv.FormatInt(b.Revision, 10) {
		t.Fatalf("/events on resume: %+v", got)
	}
	of := testenv.Connect(t, s.URL()+wire.OFREPEventsPath, append(bearer(key), wire.HeaderLastEventID, seen)...)
	if got := of.Next(t); got.ID != strconv.FormatInt(b.Revision, 10) {
		t.Fatalf("OFREP on resume: %+v", got)
	}
}

// TestLiveSDKReconnects: an SDK client keeps up while its stream is cut
// and while the server restarts (a new hub, the same store).
func TestLiveSDKReconnects(t *testing.T) {
	s := liveServer(t)
	key := s.NewToken(ff.RoleServerKey, "production", "")
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "f"})
	c := testenv.SDKClient(t, sdk.Options{URL: s.URL(), Key: key})
	testenv.Value(t, c, "f", false)

	s.CloseClientConnections() // the stream drops
	s.Toggle("f", "production")
	testenv.Value(t, c, "f", true)
	waitReady(t, c)

	s.Restart()
	s.Toggle("f", "production")
	testenv.Value(t, c, "f", false)
	waitReady(t, c)
	s.Toggle("f", "production")
	testenv.Value(t, c, "f", true)
}

func waitReady(t *testing.T, c *sdk.Client) {
	t.Helper()
	events, cancel := c.Subscribe(16)
	defer cancel()
	deadline := time.After(testenv.Wait)
	for c.State() != sdk.StateReady {
		select {
		case <-events:
		case <-deadline:
			t.Fatalf("state %v: %v", c.State(), c.Err())
		}
	}
}

// TestLiveStuckSubscriber: a subscriber that never reads holds up neither
// the others nor writes; the hub drops it.
func TestLiveStuckSubscriber(t *testing.T) {
	s := liveServer(t)
	key := s.NewToken(ff.RoleServerKey, "production", "")
	// Large events, so that the stuck connection's buffers fill.
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "big", "description": strings.Repeat("d", 4000)})

	// A stream whose client never reads, with a small receive buffer.
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return err
	}}
	stuck, err := d.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	fmt.Fprintf(stuck, "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", wire.StreamPath, key)

	const readers, changes = 3, 1000
	var streams []*testenv.Stream
	for range readers {
		st := testenv.Connect(t, s.URL()+wire.StreamPath, bearer(key)...)
		st.Next(t) // the snapshot
		streams = append(streams, st)
	}
	var wg sync.WaitGroup
	last := make([]int64, readers)
	for i, st := range streams {
		wg.Go(func() {
			for n := 0; n < changes; n++ {
				last[i] = testenv.Change(t, st.Next(t)).Revision
			}
		})
	}
	slowest := time.Duration(0)
	for range changes {
		began := time.Now()
		s.Expect(http.StatusOK, "POST", "/flags/big/toggle", map[string]string{"environment": "production"})
		slowest = max(slowest, time.Since(began))
	}
	wg.Wait()
	for i, rev := range last {
		if rev != last[0] {
			t.Fatalf("reader %d at revision %d, reader 0 at %d", i, rev, last[0])
		}
	}
	t.Logf("%d toggles, the slowest took %v", changes, slowest)
	deadline := time.Now().Add(testenv.Wait)
	for {
		m := s.Do("GET", "/metrics", nil).Body
		if !strings.Contains(string(m), "featureflags_stream_dropped_total 0") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the stuck subscriber was never dropped")
		}
		time.Sleep(20 * time.Millisecond) // polling a metric, not synchronising
	}
}

// TestLiveReplicasOnPostgres: two services on two stores opened on one
// PostgreSQL database hear of each other's changes through NOTIFY.
func TestLiveReplicasOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	open := func() ff.Store {
		st, err := postgres.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	livetest.Replicas(t, open(), open())
}

// TestLiveShutdown: Close ends every stream at once, so that the HTTP
// server's Shutdown does not wait for them.
func TestLiveShutdown(t *testing.T) {
	s := liveServer(t)
	key := s.NewToken(ff.RoleServerKey, "production", "")
	st := testenv.Connect(t, s.URL()+wire.StreamPath, bearer(key)...)
	st.Next(t)
	s.API().Close()
	st.Ended(t)
	res, err := http.Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("healthz after Close: %d", res.StatusCode)
	}
}

// TestLiveFollowReconnects: when a replica's listening connection is cut,
// it reconnects and catches up with what was committed meanwhile.
func TestLiveFollowReconnects(t *testing.T) {
	url := pgtest.URL(t)
	open := func() *testenv.Server {
		st, err := postgres.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return testenv.Start(t, testenv.OnStore(st), testenv.Following())
	}
	a, b := open(), open()
	a.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "f"})
	st := testenv.Connect(t, b.URL()+wire.StreamPath)
	st.Until(t, func(ev testenv.Event) bool { return testenv.Has(ev, "f", "production", false) })
	for i := range 3 {
		conn, err := pgx.Connect(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := conn.QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND query = 'LISTEN `+postgres.Channel+`'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		conn.Close(context.Background())
		a.Toggle("f", "production") // likely before b listens again: b must catch up
		on := i%2 == 0
		st.Until(t, func(ev testenv.Event) bool { return testenv.Has(ev, "f", "production", on) })
	}
}
