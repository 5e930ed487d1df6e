package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// Client sends requests to one server's API and fails its test on a
// transport error. With Token set, every request carries it as a bearer
// token unless the request sets Authorization or X-API-Key itself.
type Client struct {
	t     testing.TB
	Base  string // the server's base URL
	Token string
	HTTP  *http.Client // http.DefaultClient when nil
	// Unchecked turns off checking answers against the server's OpenAPI
	// document (openapi.go), for a server that plays a different one.
	Unchecked bool
}

// NewClient returns a client of the server at base that reports to t.
func NewClient(t testing.TB, base string) *Client { return &Client{t: t, Base: base} }

// As returns a copy of c that sends token instead (none for "").
func (c *Client) As(token string) *Client {
	d := *c
	d.Token = token
	return &d
}

// On returns a copy of c that reports to t (a subtest's).
func (c *Client) On(t testing.TB) *Client {
	d := *c
	d.t = t
	return &d
}

// Response is an answer with its body read (not an event stream's).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body %q is not the expected JSON: %v", r.Body, err)
	}
}

// Send sends a request and returns the answer or why there is none. body
// is sent as is when it is a string or []byte, else marshalled; headers
// are name, value pairs and override the JSON Content-Type.
func (c *Client) Send(method, path string, body any, headers ...string) (*Response, error) {
	rd, err := reader(body)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if c.Token != "" && req.Header.Get("Authorization") == "" && req.Header.Get("X-API-Key") == "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	r := &Response{Status: res.StatusCode, Header: res.Header}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		c.checkContract(req, r)
		return r, nil // an event stream: never read to its end
	}
	if r.Body, err = io.ReadAll(res.Body); err != nil {
		return r, err
	}
	c.checkContract(req, r)
	return r, nil
}

func reader(body any) (io.Reader, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case string:
		return strings.NewReader(b), nil
	case []byte:
		return bytes.NewReader(b), nil
	}
	data, err := json.Marshal(body)
	return bytes.NewReader(data), err
}

// Do is Send, failing the test when there is no answer.
func (c *Client) Do(method, path string, body any, headers ...string) *Response {
	c.t.Helper()
	r, err := c.Send(method, path, body, headers...)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// Expect is Do, failing the test unless the status is want.
func (c *Client) Expect(want int, method, path string, body any, headers ...string) *Response {
	c.t.Helper()
	r := c.Do(method, path, body, headers...)
	if r.Status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// NewToken creates a token of role (in env, for an environment key)
// through the API and returns its secret. The client must be an admin's,
// or access control off. An empty name gets a unique one.
func (c *Client) NewToken(role ff.Role, env, name string) string {
	c.t.Helper()
	if name == "" {
		name = fmt.Sprintf("%s-%s-%d", role, env, time.Now().UnixNano())
	}
	body := map[string]any{"role": role, "name": name}
	if env != "" {
		body["environment"] = env
	}
	var tok struct {
		Secret string `json:"secret"`
	}
	c.Expect(http.StatusCreated, "POST", "/tokens", body).JSON(c.t, &tok)
	return tok.Secret
}

// Toggle toggles a flag in env and returns its new version.
func (c *Client) Toggle(flag, env string) int64 {
	c.t.Helper()
	c.Expect(http.StatusOK, "POST", "/flags/"+flag+"/toggle", map[string]string{"environment": env})
	var f struct {
		Version int64 `json:"version"`
	}
	c.Expect(http.StatusOK, "GET", "/flags/"+flag, nil).JSON(c.t, &f)
	return f.Version
}
