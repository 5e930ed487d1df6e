// Package apitest is the HTTP API suite: it runs the whole management API
// through a real listener against a server on any store, so every store is
// held to the same behaviour. Each store's tests call Run once.
package apitest

import (
	"net/http"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// Opener returns a new, empty store for one test; the suite closes it.
type Opener func(t *testing.T) ff.Store

// client is the suite's view of one test server: its typed client (with
// the admin token when access control is on) and the server itself.
type client struct {
	*testenv.Client
	t   *testing.T
	env *testenv.Server
}

type response = testenv.Response

// as returns a copy of c that sends token instead (none for "").
func (c *client) as(token string) *client {
	d := *c
	d.Client = c.Client.As(token)
	return &d
}

// on returns a copy of c that reports to t (a subtest's).
func (c *client) on(t *testing.T) *client {
	d := *c
	d.t, d.Client = t, c.Client.On(t)
	return &d
}

// newServer starts a server on a fresh store from open.
func newServer(t *testing.T, open Opener, opts ...testenv.Option) *client {
	t.Helper()
	store := open(t)
	t.Cleanup(func() { store.Close() })
	env := testenv.Start(t, append([]testenv.Option{testenv.OnStore(store)}, opts...)...)
	return &client{Client: env.Client, t: t, env: env}
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
	c.Expect(http.StatusCreated, "POST", "/flags", body).JSON(c.t, &f)
	return f
}

func (c *client) get(id string) apiFlag {
	c.t.Helper()
	var f apiFlag
	c.Expect(http.StatusOK, "GET", "/flags/"+id, nil).JSON(c.t, &f)
	return f
}

// state is everything the API shows, to prove a failed request changed nothing.
func (c *client) state() string {
	c.t.Helper()
	flags := c.Expect(http.StatusOK, "GET", "/flags", nil)
	envs := c.Expect(http.StatusOK, "GET", "/environments", nil)
	return string(flags.Body) + string(envs.Body)
}

// expectError checks an error answer: status, JSON {"error"} with a message,
// the field when one is named, and the state unchanged.
func (c *client) expectError(status int, field, method, path string, body any, headers ...string) {
	c.t.Helper()
	before := c.state()
	r := c.Expect(status, method, path, body, headers...)
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
