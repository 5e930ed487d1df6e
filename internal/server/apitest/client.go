// Package apitest is the HTTP API suite: it runs the whole management API
// through a real listener against a server on any store, so every store is
// held to the same behaviour. Each store's tests call Run once.
package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
)

// Opener returns a new, empty store for one test; the suite closes it.
type Opener func(t *testing.T) ff.Store

// client talks to one test server. With token set, every request carries
// it as a bearer token unless the request sets Authorization or X-API-Key.
type client struct {
	t     *testing.T
	base  string
	store ff.Store
	svc   *service.Service
	srv   *server.Server
	clock *clock
	logs  *syncBuffer
	token string
	// admin is the actor of the token newServer created, if it did.
	admin ff.Actor
}

// as returns a copy of c that sends token instead (none for "").
func (c *client) as(token string) *client {
	d := *c
	d.token = token
	return &d
}

// on returns a copy of c that reports to t (a subtest's).
func (c *client) on(t *testing.T) *client {
	d := *c
	d.t = t
	return &d
}

// clock is the services' clock: real time moved on by what a test adds.
type clock struct{ offset atomic.Int64 }

func (k *clock) now() time.Time          { return time.Now().Add(time.Duration(k.offset.Load())) }
func (k *clock) advance(d time.Duration) { k.offset.Add(int64(d)) }

// syncBuffer is a log destination tests can read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// setup configures a test server.
type setup struct {
	cfg    server.Config
	limits service.Limits
	admin  bool // create an admin token and send it with every request
}

type option func(*setup)

// withAuth switches access control on: the client is an admin.
func withAuth() option { return func(s *setup) { s.admin = true } }

// withConfig changes the server's configuration.
func withConfig(f func(*server.Config)) option { return func(s *setup) { f(&s.cfg) } }

// withLimits sets the service's limits.
func withLimits(l service.Limits) option { return func(s *setup) { s.limits = l } }

// newServer starts a server on a fresh store behind a real listener.
func newServer(t *testing.T, open Opener, opts ...option) *client {
	t.Helper()
	var st setup
	for _, o := range opts {
		o(&st)
	}
	store := open(t)
	t.Cleanup(func() { store.Close() })
	k := &clock{}
	svc := service.New(store, service.WithClock(k.now), service.WithLimits(st.limits))
	if err := svc.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	st.cfg.Service, st.cfg.Logger, st.cfg.Version = svc, slog.New(slog.NewJSONHandler(logs, nil)), "test"
	srv := server.New(st.cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	t.Cleanup(srv.Close) // first: ends the event streams, which ts.Close would wait for
	c := &client{t: t, base: ts.URL, store: store, svc: svc, srv: srv, clock: k, logs: logs}
	if st.admin {
		tok, secret, err := svc.CreateToken(t.Context(), service.TokenInput{Name: "suite-admin", Role: ff.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		c.token, c.admin = secret, ff.Actor{Type: "token", ID: tok.ID, Name: tok.Name}
	}
	return c
}

// response is an answer with its body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r *response) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body %q is not the expected JSON: %v", r.Body, err)
	}
}

// do sends a request; body is marshalled unless it is a string or []byte.
func (c *client) do(method, path string, body any, headers ...string) *response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if c.token != "" && req.Header.Get("Authorization") == "" && req.Header.Get("X-API-Key") == "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return &response{Status: res.StatusCode, Header: res.Header} // an event stream: never read to its end
	}
	data, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &response{Status: res.StatusCode, Header: res.Header, Body: data}
}

// expect sends a request and fails unless the status is want.
func (c *client) expect(want int, method, path string, body any, headers ...string) *response {
	c.t.Helper()
	r := c.do(method, path, body, headers...)
	if r.Status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// apiFlag is a flag as the API answers it.
type apiFlag struct {
	ID           string          `json:"_id"`
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Environments map[string]bool `json:"environments"`
	Enabled      *bool           `json:"enabled"`
	Version      int64           `json:"version"`
	CreatedAt    string          `json:"createdAt"`
	UpdatedAt    string          `json:"updatedAt"`
}

func (c *client) create(body any) apiFlag {
	c.t.Helper()
	var f apiFlag
	c.expect(http.StatusCreated, "POST", "/flags", body).JSON(c.t, &f)
	return f
}

func (c *client) get(id string) apiFlag {
	c.t.Helper()
	var f apiFlag
	c.expect(http.StatusOK, "GET", "/flags/"+id, nil).JSON(c.t, &f)
	return f
}

// state is everything the API shows, to prove a failed request changed nothing.
func (c *client) state() string {
	c.t.Helper()
	flags := c.expect(http.StatusOK, "GET", "/flags", nil)
	envs := c.expect(http.StatusOK, "GET", "/environments", nil)
	return string(flags.Body) + string(envs.Body)
}

// expectError checks an error answer: status, JSON {"error"} with a message,
// the field when one is named, and the state unchanged.
func (c *client) expectError(status int, field, method, path string, body any, headers ...string) {
	c.t.Helper()
	before := c.state()
	r := c.expect(status, method, path, body, headers...)
	var e struct {
		Error string `json:"error"`
		Field string `json:"field"`
	}
	r.JSON(c.t, &e)
	if e.Error == "" {
		c.t.Fatalf("%s %s: error answer without a message: %s", method, path, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		c.t.Fatalf("%s %s: error Content-Type %q", method, path, ct)
	}
	if field != "" && e.Field != field {
		c.t.Fatalf("%s %s: error field %q, want %q (%s)", method, path, e.Field, field, e.Error)
	}
	if after := c.state(); after != before {
		c.t.Fatalf("%s %s failed with %d but changed the state:\nbefore %s\nafter  %s", method, path, status, before, after)
	}
}
