package deploytest

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
	"testing"
	"time"
)

// repo is the repository's root, relative to this package.
const repo = "../.."

// adminToken is the admin token of the servers the tests start.
const adminToken = "deploytest-admin-token-0123456789abcdef"

// tool returns the path of an external program the tests run. Without it
// a developer's run skips the test with a message; CI (CI set) fails, so
// that nothing is skipped there (.ci/run installs every tool).
func tool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		// Where go install and Debian's nginx put them, when not on PATH.
		dirs := []string{"/usr/sbin"}
		if gopath, gerr := exec.Command("go", "env", "GOPATH").Output(); gerr == nil {
			dirs = append(dirs, filepath.Join(strings.TrimSpace(string(gopath)), "bin"))
		}
		for _, dir := range dirs {
			if candidate := filepath.Join(dir, name); isExecutable(candidate) {
				return candidate
			}
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (.ci/run installs it); CI skips nothing", name)
		}
		t.Skipf("SKIPPED: %s is not installed; .ci/run shows how to install it", name)
	}
	return path
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// serverBinary builds featureflags once for the tests that run it.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "featureflags-deploytest")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "featureflags")
		cmd := exec.Command("go", "build", "-o", binary, "./cmd/featureflags")
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// server is a running `featureflags serve`.
type server struct {
	addr string // host:port
	logs *lockedBuffer
}

// startServer runs featureflags on SQLite in a temporary directory with
// access control on, and waits until it logs that it is serving.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	s := &server{addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), logs: &lockedBuffer{}}
	dir := t.TempDir()
	cmd := exec.Command(serverBinary(t), append([]string{"serve", "--listen", s.addr, "--store", filepath.Join(dir, "flags.db"), "--write-rate", "0"}, args...)...)
	cmd.Env = append(os.Environ(), "FEATUREFLAGS_ADMIN_TOKEN="+adminToken)
	serving := startLogged(t, cmd, s.logs, `"msg":"serving"`)
	select {
	case <-serving:
	case <-time.After(30 * time.Second):
		t.Fatalf("featureflags did not start:\n%s", s.logs)
	}
	return s
}

// startLogged starts cmd with its output in logs and stops it at the end
// of the test; the channel closes when a line containing ready is written.
func startLogged(t *testing.T, cmd *exec.Cmd, logs *lockedBuffer, ready string) <-chan struct{} {
	t.Helper()
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		pw.Close()
		close(done)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	seen := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		signalled := false
		for sc.Scan() {
			logs.add(sc.Text() + "\n")
			if !signalled && strings.Contains(sc.Text(), ready) {
				close(seen)
				signalled = true
			}
		}
	}()
	return seen
}

// lockedBuffer collects a process's output while tests read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) add(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// call makes a request with the admin token and decodes a JSON answer
// into out (when not nil).
func call(t *testing.T, method, url, body string, out any, headers ...string) (int, http.Header) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
	return res.StatusCode, res.Header
}

// eventually polls cond until it holds, failing the test after d. It
// waits for processes the test does not control (nginx, Prometheus).
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		<-tick.C
	}
}

// readFile reads a file of the repository.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeTemp writes a file the test made.
func writeTemp(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// subscribe opens base's /events stream with the admin token and returns
// its lines once the stream is open (after its first line, retry:). The
// stream ends with the test.
func subscribe(t *testing.T, base string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		res.Body.Close()
	})
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("/events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	if line := <-lines; !strings.HasPrefix(line, "retry:") {
		t.Fatalf("/events: first line %q", line)
	}
	return lines
}
