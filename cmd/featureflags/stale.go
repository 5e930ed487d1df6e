package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/url"
)

// errStale ends `featureflags stale` with exit code 1: stale flags exist.
var errStale = errors.New("stale flags found")

// staleCommand asks a running service for its stale flags (GET
// /flags?stale=) and writes its JSON answer to stdout. It exits 1 when
// there are any, so a CI job can fail on them, 0 when none, and 2 or more
// when it could not tell (the command line's codes: 2 usage or a refused
// request, 3 unreachable).
func staleCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	r := connFlags(fs)
	kinds := fs.String("stale", "any", "which staleness: unused, constant, overdue, any, or a comma-separated list")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	r.tokenFromEnv()
	body, err := r.call(ctx, http.MethodGet, "/flags?stale="+url.QueryEscape(*kinds), nil, nil)
	var flags []json.RawMessage
	if err == nil {
		err = json.Unmarshal(body, &flags)
	}
	if err != nil {
		return &exitError{max(exitCode(err), exitUsage), err}
	}
	if _, err := stdout.Write(body); err != nil {
		return err
	}
	if len(flags) > 0 {
		return &exitError{1, errStale}
	}
	return nil
}
