package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestDebugListen: profiles are served on --debug-listen's own loopback
// port only, never on the API's, and a non-loopback address is refused.
func TestDebugListen(t *testing.T) {
	if _, err := NewMain([]string{"--debug-listen", "0.0.0.0:6060"}, func(string) string { return "" }, io.Discard); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("--debug-listen on every interface: %v", err)
	}
	args := []string{"--listen", "127.0.0.1:0", "--store", filepath.Join(t.TempDir(), "flags.db"), "--debug-listen", "127.0.0.1:0"}
	m, err := NewMain(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	get := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("http://" + m.DebugAddr() + "/debug/pprof/heap"); code != http.StatusOK {
		t.Fatalf("heap profile on --debug-listen: %d", code)
	}
	if code := get("http://" + m.Addr().String() + "/debug/pprof/heap"); code == http.StatusOK {
		t.Fatal("the API's port serves profiles")
	}
}
