package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// errUnhealthy is the error of a failed healthcheck: the process exits 1,
// which container runtimes read as "unhealthy" (2 is reserved there).
var errUnhealthy = errors.New("unhealthy")

// healthcheck asks a running server's /readyz and succeeds on 200. Images
// without a shell or curl use it for Docker's HEALTHCHECK and Compose.
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", healthcheckAddr(os.Getenv(envName("listen"))), "host:port of the server to check (default: from FEATUREFLAGS_LISTEN, through loopback)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	url := "http://" + *addr + "/readyz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", *addr, err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "featureflags healthcheck:", err)
		return errUnhealthy
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "featureflags healthcheck: %s answered %d\n", url, res.StatusCode)
		return errUnhealthy
	}
	fmt.Fprintln(stdout, "ready")
	return nil
}

// healthcheckAddr is the address to reach a server listening on listen:
// its port through loopback when it listens on every address.
func healthcheckAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return defaultConfig().Listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
