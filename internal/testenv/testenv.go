// Package testenv is the one test harness of the service: it starts the
// real server on a chosen store behind a real listener, and gives tests a
// typed client, token helpers and event-stream readers. The API suite, the
// live-update tests, the OFREP and UI tests and the binary's tests use it;
// the binary's tests point its client at the process they run.
package testenv

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/store/postgres"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
	"github.com/featureflags/featureflags/store/sqlite"
)

// Wait bounds everything the tests wait for.
const Wait = 15 * time.Second

// Server is the real server on a store behind a real listener. Its embedded
// Client sends the admin token when access control is on.
type Server struct {
	*Client
	Store ff.Store
	Svc   *service.Service
	Clock *Clock
	Logs  *Logs
	// Admin is the actor of the admin token WithAuth created.
	Admin ff.Actor

	t     testing.TB
	build func() http.Handler
	mu    sync.Mutex
	api   *server.Server
	http  *httptest.Server
	addr  string
}

// Start starts a server (on a fresh SQLite file unless an option chooses
// the store) and keeps it running until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := options{open: openSQLite}
	for _, opt := range opts {
		opt(&o)
	}
	s := &Server{t: t, Clock: &Clock{}, Logs: &Logs{}}
	s.Store = o.store(t)
	s.Svc, s.build = s.wire(o)
	s.serve("127.0.0.1:0")
	t.Cleanup(s.Stop)
	s.Client = NewClient(t, s.URL())
	if o.auth {
		s.Admin, s.Client.Token = s.adminToken()
	}
	return s
}

// wire builds the service on s.Store and returns it with the constructor
// of its HTTP handler; the one place tests assemble service and server.
func (s *Server) wire(o options) (*service.Service, func() http.Handler) {
	s.t.Helper()
	log := slog.New(slog.NewJSONHandler(s.Logs, nil))
	hooks := service.WebhookSettings{AllowPrivate: true}
	if o.webhooks != nil {
		hooks = *o.webhooks
	}
	svc := service.New(s.Store, service.WithClock(s.Clock.Now), service.WithLimits(o.limits), service.WithLogger(log), service.WithWebhooks(hooks))
	if err := svc.Init(context.Background()); err != nil {
		s.t.Fatal(err)
	}
	if o.follow {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { svc.Follow(ctx, func(err error) { s.t.Logf("follow: %v", err) }) })
		s.t.Cleanup(func() { cancel(); wg.Wait() })
	}
	cfg := server.Config{Logger: log, Version: "test", Commit: "test", Clock: s.Clock.Now}
	for _, f := range o.configure {
		f(&cfg)
	}
	cfg.Service = svc
	return svc, func() http.Handler {
		api := server.New(cfg)
		s.api = api
		if o.wrap != nil {
			return o.wrap(api)
		}
		return api
	}
}

// adminToken creates an admin token in the service.
func (s *Server) adminToken() (ff.Actor, string) {
	s.t.Helper()
	tok, secret, err := s.Svc.CreateToken(context.Background(), service.TokenInput{Name: "test-admin", Role: ff.RoleAdmin})
	if err != nil {
		s.t.Fatal(err)
	}
	return ff.Actor{Type: "token", ID: tok.ID, Name: tok.Name}, secret
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
	s.mu.Lock()
	defer s.mu.Unlock()
	hs := httptest.NewUnstartedServer(s.build())
	hs.Listener = l
	hs.Start()
	s.http, s.addr = hs, l.Addr().String()
}

// URL is the server's base URL.
func (s *Server) URL() string { return "http://" + s.addr }

// Stop stops serving: streams end and the address refuses connections.
func (s *Server) Stop() {
	s.mu.Lock()
	api, hs := s.api, s.http
	s.api, s.http = nil, nil
	s.mu.Unlock()
	if hs != nil {
		api.Close() // first: ends the event streams, which hs.Close would wait for
		hs.CloseClientConnections()
		hs.Close()
	}
}

// Restart stops serving and serves again on the same address with a new
// server (and so a new hub) on the same service, as a restarted process
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

func openSQLite(t testing.TB) ff.Store {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "flags.db"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func openPostgres(t testing.TB) ff.Store {
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	return st
}
