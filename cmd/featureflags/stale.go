package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// errStale ends `featureflags stale` with exit code 1: stale flags exist.
var errStale = errors.New("stale flags found")

// staleCommand asks a running service for its stale flags (GET
// /flags?stale=) and writes its JSON answer to stdout; it fails with
// errStale when there are any, so a CI job can fail on them.
func staleCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", envOr(getenv, "FEATUREFLAGS_URL", "http://127.0.0.1:8080"), "the service's base URL (FEATUREFLAGS_URL)")
	token := fs.String("token", getenv("FEATUREFLAGS_TOKEN"), "an API token that may read flags (FEATUREFLAGS_TOKEN)")
	kinds := fs.String("stale", "any", "which staleness: unused, constant, overdue, any, or a comma-separated list")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *base+"/flags?stale="+url.QueryEscape(*kinds), nil)
	if err != nil {
		return fmt.Errorf("--url %q: %w", *base, err)
	}
	if *token != "" {
		req.Header.Set("Authorization", "Bearer "+*token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /flags?stale=%s answered %d: %s", *kinds, resp.StatusCode, body)
	}
	var flags []json.RawMessage
	if err := json.Unmarshal(body, &flags); err != nil {
		return fmt.Errorf("GET /flags?stale: %w", err)
	}
	if _, err := stdout.Write(body); err != nil {
		return err
	}
	if len(flags) > 0 {
		return errStale
	}
	return nil
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}
