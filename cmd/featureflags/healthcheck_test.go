package main

import (
	"errors"
	"net"
	"os/exec"
	"strings"
	"testing"
)

// healthcheckExit runs `featureflags healthcheck` against addr and returns
// its exit status.
func healthcheckExit(t *testing.T, addr string) int {
	t.Helper()
	out, err := exec.Command(binary, "healthcheck", "--addr", addr, "--timeout", "5s").CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "ready") {
		t.Errorf("healthcheck output %q", out)
	}
	return 0
}

func TestHealthcheck(t *testing.T) {
	ready := start(t, t.TempDir())
	if code := healthcheckExit(t, strings.TrimPrefix(ready.base, "http://")); code != 0 {
		t.Errorf("ready server: exit %d, want 0", code)
	}
	// Listening, but waiting for an unreachable store: /readyz answers 503.
	waiting := start(t, t.TempDir(), "--store", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", "--store-wait", "1m")
	if code := healthcheckExit(t, strings.TrimPrefix(waiting.base, "http://")); code != 1 {
		t.Errorf("server not ready: exit %d, want 1", code)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if code := healthcheckExit(t, closed); code != 1 {
		t.Errorf("nothing listening: exit %d, want 1", code)
	}
}

func TestHealthcheckAddr(t *testing.T) {
	for listen, want := range map[string]string{
		"0.0.0.0:8080":   "127.0.0.1:8080",
		":9000":          "127.0.0.1:9000",
		"[::]:8080":      "127.0.0.1:8080",
		"10.0.0.5:8080":  "10.0.0.5:8080",
		"127.0.0.1:8081": "127.0.0.1:8081",
		"":               "127.0.0.1:8080",
	} {
		if got := healthcheckAddr(listen); got != want {
			t.Errorf("healthcheckAddr(%q) = %q, want %q", listen, got, want)
		}
	}
}
