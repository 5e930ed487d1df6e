package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// remote is the little HTTP client of the flags-as-code commands: the
// server's base URL and the bearer token (--server, --token or
// FEATUREFLAGS_SERVER, FEATUREFLAGS_TOKEN).
type remote struct {
	server, token string
	timeout       time.Duration
}

// defineRemote adds --server, --token and --timeout to fs.
func defineRemote(fs *flag.FlagSet) *remote {
	r := &remote{}
	server := os.Getenv(envName("server"))
	if server == "" {
		server = "http://127.0.0.1:8080"
	}
	fs.StringVar(&r.server, "server", server, "base URL of the server ("+envName("server")+")")
	fs.StringVar(&r.token, "token", os.Getenv(envName("token")), "access token ("+envName("token")+")")
	fs.DurationVar(&r.timeout, "timeout", 30*time.Second, "how long to wait for the server")
	return r
}

// post sends body as JSON and decodes a 200 answer into out; any other
// answer becomes an error carrying the server's message.
func (r *remote) post(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(r.server, "/")+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return serverError(resp.StatusCode, data)
	}
	return json.Unmarshal(data, out)
}

// apiError is the server's JSON error.
type apiError struct {
	Status  int
	Message string `json:"error"`
	Field   string `json:"field"`
}

func (e *apiError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("server answered %d: %s (field %s)", e.Status, e.Message, e.Field)
	}
	return fmt.Sprintf("server answered %d: %s", e.Status, e.Message)
}

func serverError(status int, body []byte) error {
	e := &apiError{Status: status}
	if json.Unmarshal(body, e) != nil || e.Message == "" {
		return fmt.Errorf("server answered %d: %.200s", status, body)
	}
	return e
}

// exitError carries a command's exit code: plan exits 2 when there are
// changes, flags-as-code commands 1 on errors.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func failed(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) || errors.Is(err, errUsage) {
		return err
	}
	return &exitError{1, err}
}
