package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/testenv"
)

// binary is the featureflags binary built once for the tests that run it.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "featureflags-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "featureflags")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic(fmt.Sprintf("build: %v\n%s", err, out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// process is a running featureflags serve: the binary (cmd), or a Main
// in this process (stopMain), for tests that need no process of their own.
type process struct {
	cmd      *exec.Cmd
	stopMain func() error
	base     string
	logs     *testenv.Logs
	copied   chan struct{} // closed once the binary's whole stderr is in logs
}

// wait waits for the binary to exit, its last log lines in logs: Wait
// closes the stderr pipe, so it may only be called once every line has
// been read from it (os/exec).
func (p *process) wait() error {
	<-p.copied
	return p.cmd.Wait()
}

// startMain runs a Main in this process on a free loopback port and a
// SQLite store in a temporary directory; args (which may replace both)
// and env (NAME=value) configure it as they would the binary, without the
// process's own environment.
func startMain(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	args = append([]string{"--listen", "127.0.0.1:0", "--store", filepath.Join(t.TempDir(), "flags.db")}, args...)
	p := &process{logs: &testenv.Logs{}}
	m, err := NewMain(args, func(k string) string { return vars[k] }, p.logs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		t.Fatalf("open: %v\n%s", err, p.logs)
	}
	_, port, _ := net.SplitHostPort(m.Addr().String())
	p.base = "http://127.0.0.1:" + port
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var once sync.Once
	var stopErr error
	p.stopMain = func() error {
		once.Do(func() { cancel(); stopErr = <-done })
		return stopErr
	}
	t.Cleanup(func() { p.stopMain() })
	return p
}

// start runs `featureflags serve` on a free port with extra args and waits
// until it logs that it is serving.
func start(t *testing.T, dir string, args ...string) *process {
	t.Helper()
	return startEnv(t, dir, nil, args...)
}

// startEnv is start with extra environment variables. A --listen in args
// replaces the free port; the process's base URL is then the address it
// logs, reached through 127.0.0.1.
func startEnv(t *testing.T, dir string, env []string, args ...string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary, append([]string{"serve", "--listen", addr}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, base: "http://" + addr, logs: &testenv.Logs{}, copied: make(chan struct{})}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	// The "serving" log line is written after the listener is open.
	ready := make(chan string, 1)
	go func() {
		defer close(p.copied)
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			fmt.Fprintln(p.logs, sc.Text())
			if !signalled && strings.Contains(sc.Text(), `"msg":"serving"`) {
				var line struct{ Addr string }
				json.Unmarshal(sc.Bytes(), &line)
				ready <- line.Addr
				signalled = true
			}
		}
		if !signalled {
			close(ready)
		}
	}()
	select {
	case served, ok := <-ready:
		if !ok {
			t.Fatalf("server exited without serving:\n%s", p.logs)
		}
		if _, port, err := net.SplitHostPort(served); err == nil {
			p.base = "http://127.0.0.1:" + port
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	return p
}

func (p *process) post(t *testing.T, path, body string) (int, []byte) {
	t.Helper()
	r := testenv.NewClient(t, p.base).Do("POST", path, body)
	return r.Status, r.Body
}

func (p *process) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	testenv.NewClient(t, p.base).Expect(http.StatusOK, "GET", path, nil).JSON(t, v)
}

// TestWritesSurviveKill writes through the real binary, kills it with
// SIGKILL right after the answers, starts it again and reads every write.
func TestWritesSurviveKill(t *testing.T) {
	dir := t.TempDir()
	p := start(t, dir, "--write-rate", "0")
	const n = 50
	for i := 0; i < n; i++ {
		if status, body := p.post(t, "/flags", fmt.Sprintf(`{"name":"flag-%d"}`, i)); status != 201 {
			t.Fatalf("create: %d %s", status, body)
		}
	}
	// The last answered writes are toggles of the same flag.
	for i := 0; i < 3; i++ {
		if status, body := p.post(t, "/flags/flag-7/toggle", `{"environment":"production"}`); status != 200 {
			t.Fatalf("toggle: %d %s", status, body)
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait()

	q := start(t, dir)
	var flags []struct {
		Name         string          `json:"name"`
		Environments map[string]bool `json:"environments"`
		Version      int             `json:"version"`
	}
	q.getJSON(t, "/flags", &flags)
	if len(flags) != n {
		t.Fatalf("%d flags after SIGKILL, want %d", len(flags), n)
	}
	for _, f := range flags {
		if f.Name == "flag-7" && (!f.Environments["production"] || f.Version != 4) {
			t.Fatalf("flag-7 after SIGKILL: %+v, want on at version 4", f)
		}
	}
	var envs []struct{ Name string }
	q.getJSON(t, "/environments", &envs)
	if len(envs) != 3 {
		t.Fatalf("environments after restart: %v", envs)
	}
}

// TestGracefulShutdown sends SIGTERM and expects a clean exit 0.
func TestGracefulShutdown(t *testing.T) {
	p := start(t, t.TempDir(), "--store", filepath.Join(t.TempDir(), "x", "flags.db"))
	if status, _ := p.post(t, "/flags", `{"name":"a"}`); status != 201 {
		t.Fatalf("create: %d", status)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.logs)
	}
	if !strings.Contains(p.logs.String(), `"msg":"stopped"`) {
		t.Fatalf("no stop log line:\n%s", p.logs)
	}
}

// TestBadConfiguration checks that each bad setting fails at start with a
// message naming it.
func TestBadConfiguration(t *testing.T) {
	cases := []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"--listen", "nonsense"}, nil, "--listen"},
		{nil, []string{"FEATUREFLAGS_LISTEN=nonsense"}, "FEATUREFLAGS_LISTEN"},
		{[]string{"--log-level", "loud"}, nil, "--log-level"},
		{[]string{"--log-format", "xml"}, nil, "--log-format"},
		{nil, []string{"FEATUREFLAGS_SHUTDOWN_TIMEOUT=soon"}, "FEATUREFLAGS_SHUTDOWN_TIMEOUT"},
		{[]string{"--store", ""}, nil, "--store"},
		{[]string{"--store", "postgres://u:secret@127.0.0.1:1/db?connect_timeout=1"}, nil, "--store"},
		{[]string{"extra"}, nil, "unexpected argument"},
	}
	for _, tc := range cases {
		cmd := exec.Command(binary, append([]string{"serve"}, tc.args...)...)
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), tc.env...)
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("%v %v: started", tc.args, tc.env)
		}
		if !strings.Contains(string(out), tc.want) {
			t.Fatalf("%v %v: message %q does not name %s", tc.args, tc.env, out, tc.want)
		}
		if strings.Contains(string(out), "secret") {
			t.Fatalf("a password reached the output: %s", out)
		}
	}
}

// TestEnvironmentConfiguration checks that FEATUREFLAGS_* variables apply
// and that a command-line flag wins over them.
func TestEnvironmentConfiguration(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"FEATUREFLAGS_LOG_FORMAT": "text", "FEATUREFLAGS_STORE": "/tmp/a.db"}[k]
	}
	cfg, err := parseConfig("serve", []string{"--store", "/tmp/b.db"}, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LogFormat != "text" || cfg.Store != "/tmp/b.db" || cfg.Listen != "127.0.0.1:8080" {
		t.Fatalf("config %+v", cfg)
	}
}

func TestDefaultDataDirectory(t *testing.T) {
	dir := t.TempDir()
	p := start(t, dir)
	if status, _ := p.post(t, "/flags", `{"name":"a"}`); status != 201 {
		t.Fatal("create failed")
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "featureflags.db")); err != nil {
		t.Fatalf("default store not in ./data: %v", err)
	}
}
