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
  featureflags validate FILE...         check flags-as-code files offline (exit 0 valid, 1 not)
  featureflags plan FILE [--prune]      show what apply would change on --server (exit 0 none, 2 changes, 1 error)
  featureflags apply FILE [--prune] [--revision N]
                                        apply a flags-as-code file to --server in one transaction
  featureflags import --from flagd|goff|unleash FILE [--apply]
                                        convert another system's flags (to stdout, or applied)
  featureflags export --format flagd [--env E]
                                        write one environment as flagd flag definitions
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
		if hasOption(args[1:], "format") {
			return exportFlagd(ctx, args[1:], stdout, stderr)
		}
		return exportData(ctx, args[1:], stdout, stderr)
	case "import":
		if hasOption(args[1:], "from") {
			return importFrom(ctx, args[1:], os.Stdin, stdout, stderr)
		}
		return importData(ctx, args[1:], os.Stdin, stderr)
	case "validate":
		return validateFiles(args[1:], os.Stdin, stdout, stderr)
	case "plan", "apply":
		return planOrApply(ctx, args[0], args[1:], os.Stdin, stdout, stderr)
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
