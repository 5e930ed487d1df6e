package server_test

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/store/sqlite"
)

// buildBinary builds cmd/featureflags and returns its path.
func buildBinary(b *testing.B) string {
	return buildPackage(b, "github.com/featureflags/featureflags/cmd/featureflags")
}

// buildPackage builds the main package pkg and returns the binary's path.
func buildPackage(b *testing.B, pkg string) string {
	gotool, err := exec.LookPath("go")
	if err != nil {
		gotool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(b.TempDir(), filepath.Base(pkg))
	if out, err := exec.Command(gotool, "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\\n%s", err, out)
	}
	return bin
}

// seedStore returns a new SQLite file holding flags, imported in one
// transaction.
func seedStore(b *testing.B, flags []*ff.Flag) string {
	db := filepath.Join(b.TempDir(), "flags.db")
	store, err := sqlite.Open(b.Context(), db)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if err := service.New(store).Init(b.Context()); err != nil {
		b.Fatal(err)
	}
	if err := store.Import(b.Context(), &ff.Dataset{Flags: flags}); err != nil {
		b.Fatal(err)
	}
	return db
}

// binary is a running server binary.
type binary struct {
	addr, pid string
	ready     time.Duration // from start to serving
	cmd       *exec.Cmd
}

// startBinary serves db from the binary with its default configuration
// but args. It is serving once the store's view is loaded. The process is
// stopped when the benchmark ends, or by stop.
func startBinary(b *testing.B, bin, db string, args ...string) *binary {
	return startCmd(b, exec.Command(bin, append([]string{"serve", "--store", db, "--listen", "127.0.0.1:0"}, args...)...))
}

// startCmd starts a server process that logs {"msg":"serving","addr"} in
// JSON to stderr once it listens.
func startCmd(b *testing.B, cmd *exec.Cmd) *binary {
	cmd.Env = slices.DeleteFunc(append(os.Environ(), cmd.Env...), func(kv string) bool { return strings.HasPrefix(kv, "FEATUREFLAGS_") })
	logs, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &binary{cmd: cmd, pid: strconv.Itoa(cmd.Process.Pid)}
	b.Cleanup(p.stop)
	dec := json.NewDecoder(logs)
	for p.addr == "" {
		var line struct{ Msg, Addr string }
		if err := dec.Decode(&line); err != nil {
			b.Fatalf("the server stopped before serving: %v", err)
		}
		if line.Msg == "serving" {
			p.addr = line.Addr
		}
	}
	p.ready = time.Since(start)
	go io.Copy(io.Discard, io.MultiReader(dec.Buffered(), logs)) // request logs
	return p
}

// stop stops the process and waits for it to exit.
func (p *binary) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	p.cmd.Wait()
}
