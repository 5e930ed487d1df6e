// Package livetest helps test live updates end to end: real servers on real
// stores behind real listeners, following their store's changes as
// `featureflags serve` does, and a client of server-sent event streams. The
// server package's tests, the MongoDB tests (module internal/mongotest)
// and the command's tests use it.
package livetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/sdk"
	"github.com/featureflags/featureflags/wire"
)

// Wait bounds everything the tests wait for.
const Wait = 15 * time.Second

// Server is a server on a store behind a real listener, its service
// following the store's changes (Service.Follow) as the command does.
type Server struct {
	t     testing.TB
	Svc   *service.Service
	Store ff.Store
	URL   string
	// Token, when set, is sent as the bearer token of Do's requests.
	Token string

	cfg  server.Config
	mu   sync.Mutex
	api  *server.Server
	http *httptest.Server
	addr string
}

// Start starts a server on store (which the caller closes) with cfg (its
// Service and Logger are set here) and keeps it running until the test
// ends. The service follows the store as `featureflags serve` does, but
// does not poll it (--refresh-interval): other processes' changes arrive
// only as the store announces them.
func Start(t testing.TB, store ff.Store, cfg server.Config) *Server {
	t.Helper()
	svc := service.New(store)
	if err := svc.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { svc.Follow(ctx, func(err error) { t.Logf("follow: %v", err) }) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	cfg.Service = svc
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{t: t, Svc: svc, Store: store, cfg: cfg}
	s.serve("127.0.0.1:0")
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) serve(addr string) {
	s.t.Helper()
	var l net.Listener
	var err error
	for deadline := time.Now().Add(Wait); ; { // a restart may find the port in use a moment
		if l, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	api := server.New(s.cfg)
	hs := httptest.NewUnstartedServer(api)
	hs.Listener = l
	hs.Start()
	s.mu.Lock()
	s.api, s.http, s.addr, s.URL = api, hs, l.Addr().String(), hs.URL
	s.mu.Unlock()
}

// Stop stops serving: streams end and the address refuses connections.
func (s *Server) Stop() {
	s.mu.Lock()
	api, hs := s.api, s.http
	s.api, s.http = nil, nil
	s.mu.Unlock()
	if hs != nil {
		api.Close()
		hs.Close()
	}
}

// Restart stops serving and serves again on the same address with a new
// server (and so a new hub), on the same service, as a restarted process
// would.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.serve(s.addr)
}

// API returns the server being served.
func (s *Server) API() *server.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.api
}

// CloseClientConnections cuts every connection, streams included.
func (s *Server) CloseClientConnections() {
	s.mu.Lock()
	hs := s.http
	s.mu.Unlock()
	hs.CloseClientConnections()
}

// Do sends a request with s.Token, if set, and returns the status and body;
// body is marshalled unless it is a string.
func (s *Server) Do(method, path string, body any, headers ...string) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return res.StatusCode, data
}

// Expect is Do, failing the test unless the status is want; it decodes a
// JSON answer into out, if not nil.
func (s *Server) Expect(want int, method, path string, body, out any, headers ...string) {
	s.t.Helper()
	status, data := s.Do(method, path, body, headers...)
	if status != want {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, status, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("%s %s: %s: %v", method, path, data, err)
		}
	}
}

// Toggle toggles a flag in env and returns its new version.
func (s *Server) Toggle(flag, env string) int64 {
	s.t.Helper()
	var f struct {
		Version int64 `json:"version"`
	}
	s.Expect(http.StatusOK, "POST", "/flags/"+flag+"/toggle", map[string]string{"environment": env}, nil)
	s.Expect(http.StatusOK, "GET", "/flags/"+flag, nil, &f)
	return f.Version
}

// NewToken creates a token (s.Token must be an admin's, or access control
// off) and returns its secret.
func (s *Server) NewToken(role ff.Role, env string) string {
	s.t.Helper()
	var tok struct {
		ID     string `json:"_id"`
		Secret string `json:"secret"`
	}
	body := map[string]any{"role": role, "name": fmt.Sprintf("%s-%s-%d", role, env, time.Now().UnixNano())}
	if env != "" {
		body["environment"] = env
	}
	s.Expect(http.StatusCreated, "POST", "/tokens", body, &tok)
	return tok.Secret
}

// Event is one server-sent event.
type Event struct {
	ID, Event, Data string
}

// Stream is an open event stream, read by a goroutine.
type Stream struct {
	Resp   *http.Response
	events chan Event
	cancel context.CancelFunc
	err    error // why reading ended; set before events closes
}

// Connect opens the event stream at url with the given header pairs and
// fails the test unless it answers 200 with text/event-stream. It is closed
// when the test ends.
func Connect(t testing.TB, url string, headers ...string) *Stream {
	t.Helper()
	s, status, body := Dial(t, url, headers...)
	if s == nil {
		t.Fatalf("GET %s: %d %s", url, status, body)
	}
	return s
}

// Dial opens the event stream at url; when it does not answer 200 with
// text/event-stream it returns nil with the status and body.
func Dial(t testing.TB, url string, headers ...string) (*Stream, int, []byte) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", wire.ContentTypeSSE)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", url, err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != wire.ContentTypeSSE {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		cancel()
		return nil, res.StatusCode, body
	}
	s := &Stream{Resp: res, events: make(chan Event, 1<<14), cancel: cancel}
	go s.read()
	t.Cleanup(s.Close)
	return s, res.StatusCode, nil
}

// Close closes the stream.
func (s *Stream) Close() {
	s.cancel()
	s.Resp.Body.Close()
}

func (s *Stream) read() {
	defer close(s.events)
	br := bufio.NewReaderSize(s.Resp.Body, 1<<16)
	var ev Event
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			s.err = err
			return
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if ev.Event != "" || ev.Data != "" {
				s.events <- ev
			}
			ev = Event{}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			ev.ID = value
		case "event":
			ev.Event = value
		case "data":
			ev.Data += value
		}
	}
}

// Next returns the next event (not a heartbeat or retry hint).
func (s *Stream) Next(t testing.TB) Event {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatalf("the stream ended: %v", s.err)
		}
		return ev
	case <-time.After(Wait):
		t.Fatal("no event in time")
	}
	return Event{}
}

// Until returns the first event for which ok is true, skipping others.
func (s *Stream) Until(t testing.TB, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.After(Wait)
	for {
		select {
		case ev, open := <-s.events:
			if !open {
				t.Fatalf("the stream ended: %v", s.err)
			}
			if ok(ev) {
				return ev
			}
		case <-deadline:
			t.Fatal("no such event in time")
		}
	}
}

// Ended waits for the stream to end, skipping events.
func (s *Stream) Ended(t testing.TB) {
	t.Helper()
	deadline := time.After(Wait)
	for {
		select {
		case _, open := <-s.events:
			if !open {
				return
			}
		case <-deadline:
			t.Fatal("the stream did not end")
		}
	}
}

// Change decodes a change event of the SDK stream.
func Change(t testing.TB, ev Event) wire.Change {
	t.Helper()
	var c wire.Change
	if ev.Event != wire.EventChange || json.Unmarshal([]byte(ev.Data), &c) != nil {
		t.Fatalf("not a change: %+v", ev)
	}
	return c
}

// Snapshot decodes a snapshot event of the SDK stream.
func Snapshot(t testing.TB, ev Event) wire.Config {
	t.Helper()
	var c wire.Config
	if ev.Event != wire.EventSnapshot || json.Unmarshal([]byte(ev.Data), &c) != nil {
		t.Fatalf("not a snapshot: %+v", ev)
	}
	return c
}

// Has reports whether ev, a snapshot or change, carries flag with the
// state on in env.
func Has(ev Event, flag, env string, on bool) bool {
	var body struct {
		Flags  []*ff.Flag `json:"flags"`
		Upsert []*ff.Flag `json:"upsert"`
	}
	if json.Unmarshal([]byte(ev.Data), &body) != nil {
		return false
	}
	for _, f := range append(body.Flags, body.Upsert...) {
		if f != nil && f.Name == flag {
			state, ok := f.Environments[env]
			return ok && state == on
		}
	}
	return false
}

// Value waits until the SDK client c evaluates the boolean flag to want for
// a user, and fails the test if it does not within Wait.
func Value(t testing.TB, c *sdk.Client, flag string, want bool) {
	t.Helper()
	events, cancel := c.Subscribe(64)
	defer cancel()
	deadline := time.After(Wait)
	for c.Bool(flag, !want, sdk.Context{"targetingKey": "user-1"}).Value != want {
		select {
		case <-events:
		case <-deadline:
			t.Fatalf("the SDK client never evaluated %s to %v (revision %d, state %v, error %v)", flag, want, c.Revision(), c.State(), c.Err())
		}
	}
}

// NewClient starts an SDK client on url that reconnects quickly, closed
// when the test ends.
func NewClient(t testing.TB, opts sdk.Options) *sdk.Client {
	t.Helper()
	if opts.MinBackoff == 0 {
		opts.MinBackoff, opts.MaxBackoff = 10*time.Millisecond, 200*time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	c, err := sdk.New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Replicas checks that two servers, on stores a and b opened on one
// database, agree: a change made through either reaches the other's
// subscribers of the SDK stream, the OFREP event stream and /events, and an
// SDK client connected to it, each within Wait.
func Replicas(t *testing.T, a, b ff.Store) {
	sa := Start(t, a, server.Config{})
	sb := Start(t, b, server.Config{})
	sa.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "shared", "environments": map[string]bool{"production": false}}, nil)

	env := []string{wire.HeaderEnvironment, "production"}
	type subscribers struct {
		sdk, ofrep, events *Stream
		client             *sdk.Client
	}
	subscribe := func(s *Server) subscribers {
		sub := subscribers{
			sdk:    Connect(t, s.URL+wire.StreamPath, env...),
			ofrep:  Connect(t, s.URL+wire.OFREPEventsPath, env...),
			events: Connect(t, s.URL+server.EventsPath),
			client: NewClient(t, sdk.Options{URL: s.URL, Environment: "production"}),
		}
		// The flag created through a reaches b, if it had not yet.
		sub.sdk.Until(t, func(ev Event) bool { return Has(ev, "shared", "production", false) })
		Value(t, sub.client, "shared", false)
		return sub
	}
	subs := []subscribers{subscribe(sa), subscribe(sb)}
	servers := []*Server{sa, sb}
	on := false
	for i := range 6 {
		from, to := servers[i%2], subs[(i+1)%2]
		on = !on
		began := time.Now()
		from.Toggle("shared", "production")
		ev := to.sdk.Until(t, func(ev Event) bool { return Has(ev, "shared", "production", on) })
		lag := time.Since(began)
		rev := revision(ev.ID)
		to.ofrep.Until(t, func(e Event) bool { return e.Event == wire.OFREPEventName && revision(e.ID) >= rev })
		to.events.Until(t, func(e Event) bool { return e.Event == "change" && revision(e.ID) >= rev })
		Value(t, to.client, "shared", on)
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
