package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
)

// evalRun evaluates over OFREP: one flag, or all of them.
func evalRun(ctx context.Context, args []string, io stdio) error {
	var env, evalCtx, key *string
	r, rest, err := parseRemote("eval", args, io, func(fs *flag.FlagSet) {
		env = fs.String("environment", "", "the environment (X-Environment); an environment key's own, else the server's default")
		evalCtx = fs.String("context", "{}", "the evaluation context, a JSON object")
		key = fs.String("targeting-key", "", "the context's targetingKey")
	})
	if err != nil || rest == nil {
		return err
	}
	if len(rest) > 1 {
		return fmt.Errorf("eval: give one flag, or none for all of them")
	}
	c := map[string]any{}
	if err := json.Unmarshal([]byte(*evalCtx), &c); err != nil {
		return fmt.Errorf("eval: --context: not a JSON object: %v", err)
	}
	if *key != "" {
		c["targetingKey"] = *key
	}
	path, columns := "/ofrep/v1/evaluate/flags", []string{"key", "value", "variant", "reason", "errorCode"}
	if len(rest) == 1 {
		path += "/" + url.PathEscape(rest[0])
	}
	headers := map[string]string{}
	if *env != "" {
		headers["X-Environment"] = *env
	}
	data, err := r.call(ctx, "POST", path, map[string]any{"context": c}, headers)
	if err != nil {
		return err
	}
	if len(rest) == 0 && r.output == "table" {
		var bulk struct{ Flags json.RawMessage }
		json.Unmarshal(data, &bulk)
		data = bulk.Flags
	}
	return r.write(data, columns)
}

// remoteChosen tells whether export or import go to a server: --server
// given, or FEATUREFLAGS_SERVER set without --store.
func remoteChosen(args []string) bool {
	for _, a := range args {
		switch {
		case a == "--store" || a == "-store" || hasPrefix(a, "--store=") || hasPrefix(a, "-store="):
			return false
		case a == "--server" || a == "-server" || hasPrefix(a, "--server=") || hasPrefix(a, "-server="):
			return true
		}
	}
	return os.Getenv("FEATUREFLAGS_SERVER") != ""
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// exportCommand is `featureflags export`: from a server's API, or from a
// store directly.
func exportCommand(ctx context.Context, args []string, io stdio) error {
	if hasOption(args, "format") {
		return exportFlagd(ctx, args, io.out, io.err)
	}
	if !remoteChosen(args) {
		return exportData(ctx, args, io.out, io.err)
	}
	r, rest, err := parseRemote("export", args, io, nil)
	if err != nil || rest == nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("export: unexpected argument %q", rest[0])
	}
	data, err := r.call(ctx, "GET", "/export", nil, nil)
	if err != nil {
		return err
	}
	if r.output == "table" {
		r.output = "json" // a dataset has no table
	}
	return r.write(data, nil)
}

// importCommand is `featureflags import FILE`: through a server's API, or
// into a store directly.
func importCommand(ctx context.Context, args []string, io stdio) error {
	if hasOption(args, "from") {
		return importFrom(ctx, args, io.in, io.out, io.err)
	}
	if !remoteChosen(args) {
		return importData(ctx, args, io.in, io.err)
	}
	r, rest, err := parseRemote("import", args, io, nil)
	if err != nil || rest == nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("import: give exactly one file to import, or - for standard input")
	}
	data, err := readInput(rest[0], io.in)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if !json.Valid(data) {
		return fmt.Errorf("import %s: not JSON; expected a file written by featureflags export", rest[0])
	}
	out, err := r.call(ctx, "POST", "/import", json.RawMessage(data), nil)
	if err != nil {
		return fmt.Errorf("import %s: %w; nothing was imported", rest[0], err)
	}
	return r.write(out, []string{"environments", "segments", "flags"})
}
