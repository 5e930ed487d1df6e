package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/store/sqlite"
)

// unreachable is a store whose Ping fails with a driver's kind of text.
type unreachable struct{ ff.Store }

const driverText = `failed to connect to host=db.internal user=flags: password authentication failed (secret s3cr3t)`

func (unreachable) Ping(context.Context) error { return errors.New(driverText) }

// logLines receives each log record the server writes, one Write each.
type logLines chan string

func (c logLines) Write(p []byte) (int, error) {
	c <- string(p)
	return len(p), nil
}

// TestReadyzHidesDriverText: /readyz is public, so a store that cannot be
// reached is answered "store unreachable"; the driver's text goes to the
// log with the request id.
func TestReadyzHidesDriverText(t *testing.T) {
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "flags.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := service.New(unreachable{store})
	if err := svc.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	logs := make(logLines, 100)
	ts := httptest.NewServer(server.New(server.Config{Service: svc, Version: "test",
		Logger: slog.New(slog.NewJSONHandler(logs, nil))}))
	t.Cleanup(ts.Close)

	req, _ := http.NewRequest("GET", ts.URL+"/readyz", nil)
	req.Header.Set("X-Request-Id", "readyz-probe-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "store unreachable") ||
		strings.Contains(string(body), "s3cr3t") || strings.Contains(string(body), "db.internal") {
		t.Fatalf("/readyz: %d %s", res.StatusCode, body)
	}
	// The record is written before the answer: it is in the channel.
	for {
		select {
		case line := <-logs:
			if !strings.Contains(line, `"msg":"store unreachable"`) {
				continue
			}
			if !strings.Contains(line, "s3cr3t") || !strings.Contains(line, `"request_id":"readyz-probe-1"`) {
				t.Fatalf("log line %q", line)
			}
			return
		default:
			t.Fatal("no log line says store unreachable")
		}
	}
}

// TestReadyGauge: featureflags_ready says what /readyz would: 1 while the
// store answers, 0 when it does not.
func TestReadyGauge(t *testing.T) {
	for _, c := range []struct {
		name string
		wrap func(ff.Store) ff.Store
		want string
	}{
		{"reachable", func(s ff.Store) ff.Store { return s }, "featureflags_ready 1\n"},
		{"unreachable", func(s ff.Store) ff.Store { return unreachable{s} }, "featureflags_ready 0\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "flags.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			svc := service.New(c.wrap(store))
			if err := svc.Init(t.Context()); err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(server.New(server.Config{Service: svc, Version: "test", Commit: "abc123",
				Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}))
			t.Cleanup(ts.Close)
			res, err := http.Get(ts.URL + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if !strings.Contains(string(body), c.want) ||
				!strings.Contains(string(body), `featureflags_build_info{commit="abc123",version="test"} 1`) {
				t.Fatalf("/metrics lacks %q or the build info:\n%s", c.want, body)
			}
		})
	}
}
