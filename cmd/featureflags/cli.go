package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// stdio is where a command reads and writes.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// command is one entry of the command line: adding a command is adding
// one entry to commands.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, io stdio) error
}

// commands lists every command, in the order usage shows them.
func commands() []command {
	cmds := []command{
		{"serve", "[flags]", "run the service (API, evaluation, UI)", func(ctx context.Context, a []string, io stdio) error { return serve(ctx, a, io.err) }},
	}
	cmds = append(cmds, apiCommands()...)
	return append(cmds,
		command{"export", "[--server S | --store S] [--format flagd --env E]", "write every environment, segment and flag as JSON (or one environment as flagd definitions) to stdout", exportCommand},
		command{"import", "[--server S | --store S] FILE | --from flagd|goff|unleash FILE [--apply]", "load a file written by export (- for stdin), all or nothing; or convert another system's flags", importCommand},
		command{"validate", "FILE...", "check flags-as-code files offline (exit 0 valid, 1 not)", func(_ context.Context, a []string, io stdio) error {
			return validateFiles(a, io.in, io.out, io.err)
		}},
		command{"plan", "FILE [--prune]", "show what apply would change on --server (exit 0 none, 2 changes, 1 error)", func(ctx context.Context, a []string, io stdio) error {
			return planOrApply(ctx, "plan", a, io.in, io.out, io.err)
		}},
		command{"apply", "FILE [--prune] [--revision N]", "apply a flags-as-code file to --server in one transaction", func(ctx context.Context, a []string, io stdio) error {
			return planOrApply(ctx, "apply", a, io.in, io.out, io.err)
		}},
		command{"stale", "[--stale KINDS]", "list a running service's stale flags as JSON; exit 1 when any", func(ctx context.Context, a []string, io stdio) error {
			return staleCommand(ctx, a, io.out, io.err)
		}},
		command{"token", "create|list|revoke", "tokens on the store directly (bootstrap and recovery)", func(ctx context.Context, a []string, io stdio) error {
			return tokenCommand(ctx, a, io.out, io.err)
		}},
		command{"healthcheck", "[--addr A]", "exit 0 if the server at A is ready (/readyz), 1 if not", func(ctx context.Context, a []string, io stdio) error {
			return healthcheck(ctx, a, io.out, io.err)
		}},
		command{"completion", "bash|zsh|fish", "print a shell completion script", completionCommand},
		command{"version", "", "print the version", func(_ context.Context, _ []string, io stdio) error {
			fmt.Fprintln(io.out, version, commit)
			return nil
		}},
		command{"help", "", "print this help", func(_ context.Context, _ []string, io stdio) error {
			fmt.Fprint(io.out, usage())
			return nil
		}},
	)
}

// findCommand returns the command called name.
func findCommand(name string) (command, bool) {
	if name == "-h" || name == "--help" {
		name = "help"
	}
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usage is the help of the whole command line.
func usage() string {
	var b strings.Builder
	b.WriteString("featureflags is a self-hosted feature-flag service.\n\nUsage:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  featureflags %-40s %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	b.WriteString(`
Commands over the API take --server URL (FEATUREFLAGS_SERVER, default
http://127.0.0.1:8080), --token T (FEATUREFLAGS_TOKEN) and --output
table|json|yaml. Exit codes: 0 done; 1 the server refused the request;
2 wrong usage or a local error; 3 the server is unreachable or failed (5xx);
4 not found.

Run 'featureflags <command> --help' for a command's flags.
`)
	return b.String()
}

// Exit codes that scripts can trust (see usage and the README).
const (
	exitRefused     = 1
	exitUsage       = 2
	exitUnavailable = 3
	exitNotFound    = 4
)

// apiError is an error answer of the server: its message, as it said it.
type apiError struct {
	status         int
	msg            string // for people: the message with the field it blames
	field, message string // as the server gave them
}

func (e *apiError) Error() string { return e.msg }

// unreachableError is a server that could not be reached.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return "the server is unreachable: " + e.err.Error() }

// exitCode is the process's exit status for the error run returned.
func exitCode(err error) int {
	var api *apiError
	var down *unreachableError
	var own *exitError
	switch {
	case errors.As(err, &own): // a command that chose its code (validate, plan, stale)
		return own.code
	case errors.Is(err, errUnhealthy):
		return exitRefused // what container runtimes read as "unhealthy"
	case errors.As(err, &down):
		return exitUnavailable
	case errors.As(err, &api) && api.status == http.StatusNotFound:
		return exitNotFound
	case errors.As(err, &api) && api.status >= 500:
		return exitUnavailable
	case errors.As(err, &api):
		return exitRefused
	}
	return exitUsage
}
