// Command featureflags is the feature-flag service: `featureflags serve`
// runs it; the other commands work on a server over its API (cli*.go) or
// on its store directly, for bootstrap and recovery.
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

// run runs the command args name (see commands).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return errUsage
	}
	cmd, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage())
		return errUsage
	}
	return cmd.run(ctx, args[1:], stdio{in: os.Stdin, out: stdout, err: stderr})
}
