// Package streamtest runs a real HTTP service built from package stream's
// handlers and hub over in-memory flags, for the SDK's tests: what the
// featureflags server will serve, without the server.
package streamtest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/stream"
	"github.com/featureflags/featureflags/wire"
)

// Keys the service knows: a server key and a client key of production.
const (
	ServerKey = "ffs_production"
	ClientKey = "ffc_production"
)

// Service is the stream routes over in-memory flags in the environments
// "production" and "staging". Its exported fields may be set before Start.
type Service struct {
	t        testing.TB
	mu       sync.Mutex
	rev      int64
	envs     []string
	flags    map[string]*featureflags.Flag // stored, unprojected; never mutated once stored
	segments []*featureflags.Segment

	hub *stream.Hub
	srv *httptest.Server

	NoStream bool // the stream route answers 404
	Buffered bool // the stream answers but never sends a byte, as behind a buffering proxy
	// Gate, when set, holds stream requests until it is closed.
	Gate        atomic.Pointer[chan struct{}]
	LastIDs     chan string   // the Last-Event-ID of each stream request
	NotModified chan struct{} // one per 304 of the config route
	Snapshots   atomic.Int32  // snapshot events sent
}

// New returns a stopped service at revision 1.
func New(t testing.TB, flags []*featureflags.Flag, segments []*featureflags.Segment) *Service {
	s := &Service{t: t, rev: 1, envs: []string{"production", "staging"}, flags: map[string]*featureflags.Flag{},
		segments: segments, LastIDs: make(chan string, 1000), NotModified: make(chan struct{}, 1000)}
	for _, f := range flags {
		s.flags[f.Name] = f
	}
	return s
}

// Config is the handlers' Config func.
func (s *Service) Config(_ context.Context, env string) (*wire.Config, error) {
	flags, segments, envs, rev := s.State()
	if !slices.Contains(envs, env) {
		return nil, featureflags.Errorf(featureflags.ENOTFOUND, "environment %q does not exist", env)
	}
	return wire.NewConfig(rev, env, flags, segments), nil
}

// State returns the stored flags, segments, environments and revision.
func (s *Service) State() ([]*featureflags.Flag, []*featureflags.Segment, []string, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	flags := make([]*featureflags.Flag, 0, len(s.flags))
	for _, f := range s.flags {
		flags = append(flags, f)
	}
	return flags, slices.Clone(s.segments), slices.Clone(s.envs), s.rev
}

// Start serves on addr ("" for a free port) with a new hub, as a restarted
// server would, and returns the address.
func (s *Service) Start(addr string) string {
	s.t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		s.t.Fatal(err)
	}
	s.hub = stream.NewHub(stream.HubOptions{Metrics: stream.Metrics{EventSent: func(_, ev string) {
		if ev == wire.EventSnapshot {
			s.Snapshots.Add(1)
		}
	}}})
	o := stream.Options{Config: s.Config, Heartbeat: time.Second}
	streamH, configH := stream.SnapshotHandler(s.hub, o), stream.ConfigHandler(o)
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+wire.StreamPath, func(w http.ResponseWriter, r *http.Request) {
		s.LastIDs <- r.Header.Get(wire.HeaderLastEventID)
		if g := s.Gate.Load(); g != nil {
			select {
			case <-*g:
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case s.NoStream:
			http.NotFound(w, r)
		case s.Buffered:
			w.Header().Set("Content-Type", wire.ContentTypeSSE)
			w.WriteHeader(http.StatusOK)
			_ = http.NewResponseController(w).Flush()
			<-r.Context().Done()
		default:
			streamH.ServeHTTP(w, r)
		}
	})
	mux.HandleFunc("GET "+wire.ConfigPath, func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		configH.ServeHTTP(rec, r)
		if rec.status == http.StatusNotModified {
			s.NotModified <- struct{}{}
		}
	})
	mux.Handle("GET "+wire.OFREPEventsPath, stream.OFREPHandler(s.hub, o))
	s.srv = httptest.NewUnstartedServer(authorize(mux))
	s.srv.Listener = l
	s.srv.Start()
	s.t.Cleanup(s.Stop)
	return l.Addr().String()
}

// Stop stops serving: streams end and the address refuses connections.
func (s *Service) Stop() {
	if s.srv != nil {
		s.hub.Close()
		s.srv.Close()
		s.srv = nil
	}
}

// URL returns the base URL while started.
func (s *Service) URL() string { return s.srv.URL }

// CloseClientConnections cuts every connection, streams included.
func (s *Service) CloseClientConnections() { s.srv.CloseClientConnections() }

// authorize plays the server's part: a server key selects production, a
// client key is refused all but the OFREP stream, and without a key the
// X-Environment header selects the environment.
func authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env := r.Header.Get(wire.HeaderEnvironment)
		switch strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") {
		case ServerKey:
			env = "production"
		case ClientKey:
			if r.URL.Path != wire.OFREPEventsPath {
				httpx.Error(w, r, featureflags.Errorf(featureflags.EFORBIDDEN, "client keys cannot read targeting rules"))
				return
			}
			env = "production"
		case "":
		default:
			httpx.Error(w, r, featureflags.Errorf(featureflags.EUNAUTHORIZED, "unknown key"))
			return
		}
		next.ServeHTTP(w, r.WithContext(stream.WithEnvironment(r.Context(), env)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// Commit stores f (a new value; nil deletes oldName) at the next revision,
// with Version and UpdatedAt set as a store does, and publishes it as the
// server does after a committed change.
func (s *Service) Commit(oldName string, f *featureflags.Flag) int64 {
	s.mu.Lock()
	s.rev++
	rev := s.rev
	if oldName != "" {
		delete(s.flags, oldName)
	}
	if f != nil {
		f.Version = rev
		f.UpdatedAt = time.Now()
		s.flags[f.Name] = f
	}
	envs := slices.Clone(s.envs)
	s.mu.Unlock()
	if s.srv != nil {
		s.hub.PublishFlag(envs, rev, time.Now(), oldName, f)
	}
	return rev
}

// SetSegments replaces the segments and publishes a reset.
func (s *Service) SetSegments(segs []*featureflags.Segment) int64 {
	s.mu.Lock()
	s.rev++
	rev := s.rev
	s.segments = segs
	envs := slices.Clone(s.envs)
	s.mu.Unlock()
	if s.srv != nil {
		s.hub.PublishReset(envs, rev, time.Now())
	}
	return rev
}
