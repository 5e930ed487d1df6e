// Command featureflags is the feature-flag service: `featureflags serve`
// runs it; other subcommands work on its store directly.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version and commit are set at build time with
// -ldflags "-X main.version=... -X main.commit=..." (see the Makefile).
var (
	version = "dev"
	commit  = "unknown"
)

const usage = `featureflags is a self-hosted feature-flag service.

Usage:
  featureflags serve [flags]            run the service (API, evaluation, UI)
  featureflags export [--store S]       write the store's environments, segments and flags as JSON to stdout
  featureflags import [--store S] FILE  load a file written by export (- for stdin): all of it or nothing
  featureflags token create --role R    create an API token or environment key; prints its secret once
  featureflags token list | revoke ID   list tokens, or revoke one
  featureflags healthcheck [--addr A]   exit 0 if the server at A is ready (/readyz), 1 if not
  featureflags stale [--url U]          list a running service's stale flags as JSON; exit 1 when any
  featureflags version                  print the version

Run 'featureflags <command> --help' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, errStale) {
		os.Exit(1)
	}
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "featureflags:", err)
		}
		os.Exit(exitCode(err))
	}
}

var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr)
	case "export":
		return exportData(ctx, args[1:], stdout, stderr)
	case "import":
		return importData(ctx, args[1:], os.Stdin, stderr)
	case "token":
		return tokenCommand(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args[1:], stdout, stderr)
	case "stale":
		return staleCommand(ctx, args[1:], os.Getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, version, commit)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
}
