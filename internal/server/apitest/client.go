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
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
)

// Opener returns a new, empty store for one test; the suite closes it.
type Opener func(t *testing.T) ff.Store

// client talks to one test server.
type client struct {
	t     *testing.T
	base  string
	store ff.Store
}

// newServer starts a server on a fresh store behind a real listener.
func newServer(t *testing.T, open Opener) *client {
	t.Helper()
	store := open(t)
	t.Cleanup(func() { store.Close() })
	svc := service.New(store)
	if err := svc.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts := httptest.NewServer(server.New(server.Config{Service: svc, Logger: log, Version: "test"}))
	t.Cleanup(ts.Close)
	return &client{t: t, base: ts.URL, store: store}
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
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
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
