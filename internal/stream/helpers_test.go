package stream

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/wire"
)

const (
	prod    = "production"
	staging = "staging"
	wait    = 10 * time.Second // bound for anything the tests wait on
)

// source is an in-memory store view: the Config func the handlers need.
type source struct {
	mu       sync.Mutex
	rev      int64
	envs     []string
	flags    map[string]*featureflags.Flag
	segments []*featureflags.Segment
}

func newSource() *source {
	return &source{rev: 1, envs: []string{prod, staging}, flags: map[string]*featureflags.Flag{}}
}

func (s *source) Config(_ context.Context, env string) (*wire.Config, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.envs, env) {
		return nil, featureflags.Errorf(featureflags.ENOTFOUND, "no environment %q", env)
	}
	var flags []*featureflags.Flag
	for _, f := range s.flags {
		flags = append(flags, f)
	}
	return wire.NewConfig(s.rev, env, flags, s.segments), nil
}

// commit stores f (deleting oldName, or f itself when f is nil and oldName
// names it) and publishes the change, as the server will.
func (s *source) commit(h *Hub, oldName string, f *featureflags.Flag) int64 {
	s.mu.Lock()
	s.rev++
	rev := s.rev
	if oldName != "" {
		delete(s.flags, oldName)
	}
	if f != nil {
		s.flags[f.Name] = f
	}
	envs := slices.Clone(s.envs)
	s.mu.Unlock()
	h.PublishFlag(envs, rev, time.Now(), oldName, f)
	return rev
}

// testFlag is on in production with a rule there, off in staging with a
// different rule, so projection is visible.
func testFlag(name string, prodOn bool) *featureflags.Flag {
	return &featureflags.Flag{
		ID: "id-" + name, Name: name, Type: featureflags.TypeBoolean,
		Environments: map[string]bool{prod: prodOn, staging: false},
		Targeting: map[string]*featureflags.Targeting{
			prod:    {Rules: []featureflags.Rule{{Conditions: []featureflags.Condition{{Attribute: "country", Operator: "eq", Value: "NZ"}}, Serve: featureflags.Serve{Variant: "off"}}}},
			staging: {Rules: []featureflags.Rule{{Conditions: []featureflags.Condition{{Attribute: "secret", Operator: "eq", Value: "staging-only"}}, Serve: featureflags.Serve{Variant: "on"}}}},
		},
		Version: 1,
	}
}

// server serves the three handlers, the environment from X-Environment as
// the server will do without access control.
func server(t testing.TB, h *Hub, src *source, o Options) *httptest.Server {
	t.Helper()
	o.Config = src.Config
	mux := http.NewServeMux()
	mux.Handle("GET "+wire.StreamPath, SnapshotHandler(h, o))
	mux.Handle("GET "+wire.ConfigPath, ConfigHandler(o))
	mux.Handle("GET "+wire.OFREPEventsPath, OFREPHandler(h, o))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(WithEnvironment(r.Context(), r.Header.Get(wire.HeaderEnvironment)))
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(h.Close) // runs first: ends the streams so that Close does not wait
	return srv
}

type sseEvent struct {
	id, event, data string
	comments        []string
	retry           string
}

// stream is an open SSE response read by a goroutine into events.
type stream struct {
	resp   *http.Response
	events chan sseEvent
}

func connect(t testing.TB, url, env string, header ...string) *stream {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(wire.HeaderEnvironment, env)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != wire.ContentTypeSSE {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("GET %s: %s %s %s", url, resp.Status, resp.Header.Get("Content-Type"), b)
	}
	s := &stream{resp: resp, events: make(chan sseEvent, 1024)}
	go s.read()
	t.Cleanup(func() { resp.Body.Close() })
	return s
}

func (s *stream) read() {
	defer close(s.events)
	br := bufio.NewReaderSize(s.resp.Body, 1<<16)
	var ev sseEvent
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			s.events <- ev
			ev = sseEvent{}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			ev.comments = append(ev.comments, value)
		case "id":
			ev.id = value
		case "event":
			ev.event = value
		case "data":
			ev.data += value
		case "retry":
			ev.retry = value
		}
	}
}

// next returns the next event that is not a retry hint or a heartbeat.
func (s *stream) next(t *testing.T) sseEvent {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatal("stream ended")
			}
			if ev.event != "" || ev.data != "" {
				return ev
			}
		case <-timeout:
			t.Fatal("no event in time")
		}
	}
}

// ended waits for the stream to end.
func (s *stream) ended(t *testing.T) {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("stream did not end")
		}
	}
}

// recv receives from c within the test's bound.
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
