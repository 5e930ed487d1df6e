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

// defaultServer is where the commands over the API go without --server.
const defaultServer = "http://127.0.0.1:8080"

// remote is a server the commands talk to over its API.
type remote struct {
	server, token, output string
	io                    stdio
}

// remoteFlags adds --server, --token and --output to fs.
func remoteFlags(fs *flag.FlagSet) *remote {
	r := connFlags(fs)
	fs.StringVar(&r.output, "output", "table", "table, json or yaml")
	fs.StringVar(&r.output, "o", "table", "short for --output")
	return r
}

// connFlags adds --server and --token to fs. The token's default is read
// after parsing (tokenFromEnv), so that --help never shows the secret.
func connFlags(fs *flag.FlagSet) *remote {
	r := &remote{}
	server := os.Getenv("FEATUREFLAGS_SERVER")
	if server == "" {
		server = defaultServer
	}
	fs.StringVar(&r.server, "server", server, "the server's base URL (FEATUREFLAGS_SERVER)")
	fs.StringVar(&r.token, "token", "", "an API token (default: FEATUREFLAGS_TOKEN)")
	return r
}

// tokenFromEnv sets the token from FEATUREFLAGS_TOKEN unless --token gave one.
func (r *remote) tokenFromEnv() {
	if r.token == "" {
		r.token = os.Getenv("FEATUREFLAGS_TOKEN")
	}
}

// parseRemote parses the flags of a command over the API: --server,
// --token, --output and those define adds. It returns the positional
// arguments, nil after --help.
func parseRemote(name string, args []string, io stdio, define func(*flag.FlagSet)) (*remote, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	r := remoteFlags(fs)
	r.io = io
	if define != nil {
		define(fs)
	}
	rest, err := parseInterleaved(fs, args)
	if err == nil && rest != nil {
		err = r.check()
	}
	r.tokenFromEnv()
	return r, rest, err
}

// parseInterleaved parses fs from args, which may put flags after the
// positional arguments, and returns those. A nil slice and nil error mean
// --help was answered.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	rest := []string{}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, nil
			}
			return nil, errUsage
		}
		if args = fs.Args(); len(args) == 0 {
			return rest, nil
		}
		rest, args = append(rest, args[0]), args[1:]
	}
}

// check refuses an output format the commands cannot write.
func (r *remote) check() error {
	switch r.output {
	case "table", "json", "yaml":
		return nil
	}
	return fmt.Errorf("--output %q: use table, json or yaml", r.output)
}

// call sends a request with a JSON body (nil for none) and returns the
// answer's body; an error answer becomes an *apiError with the server's
// message, a failed connection an *unreachableError.
func (r *remote) call(ctx context.Context, method, path string, body any, headers map[string]string) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(r.server, "/")+path, rd)
	if err != nil {
		return nil, fmt.Errorf("--server %q: %w", r.server, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, &unreachableError{err}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, &unreachableError{err}
	}
	if res.StatusCode >= 400 {
		return nil, newAPIError(res.StatusCode, data)
	}
	return data, nil
}

// newAPIError reads an error answer: the API's "error" (with the field it
// blames), OFREP's "errorDetails", or the status.
func newAPIError(status int, data []byte) *apiError {
	var e struct {
		Error        string `json:"error"`
		Field        string `json:"field"`
		ErrorCode    string `json:"errorCode"`
		ErrorDetails string `json:"errorDetails"`
	}
	json.Unmarshal(data, &e)
	out := &apiError{status: status, field: e.Field, message: e.Error}
	switch {
	case e.Error != "" && e.Field != "" && !strings.Contains(e.Error, e.Field):
		out.msg = fmt.Sprintf("%s (at %s)", e.Error, e.Field)
	case e.Error != "":
		out.msg = e.Error
	case e.ErrorDetails != "":
		out.msg = strings.TrimSpace(e.ErrorCode + ": " + e.ErrorDetails)
	default:
		out.msg = fmt.Sprintf("the server answered %d %s", status, http.StatusText(status))
	}
	return out
}

// readInput reads a file, or standard input for "-".
func readInput(name string, in io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(in)
	}
	return os.ReadFile(name)
}
