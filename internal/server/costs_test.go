package server_test

// What an attacker can cost the server at most, measured. Benchmarks
// only (go test -run '^$' -bench Cost ./internal/server/): each is bounded
// in count and reports its figure with b.ReportMetric.

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/store/sqlite"
	"github.com/featureflags/featureflags/wire"
)

// worstRules are rules of the costliest accepted pattern. Two suffice:
// the first match costs all of --max-eval-work and the second is refused,
// so more rules (which take seconds to compile) add nothing.
func worstRules() []any {
	conds := make([]any, 2)
	for i := range conds {
		conds[i] = condition("ua", "matches", strings.Repeat(`[a-z]{300}`, 3)+"x")
	}
	rules := make([]any, 1)
	for i := range rules {
		rules[i] = map[string]any{"conditions": conds, "serve": map[string]any{"variant": "on"}}
	}
	return rules
}

// BenchmarkCostWorstOFREPRequest measures the CPU of the worst single OFREP
// request under the default bounds: the worst flag against the attribute
// length that makes one match cost all of --max-eval-work, the rest of the
// 64 KiB body filled with other attributes.
func BenchmarkCostWorstOFREPRequest(b *testing.B) {
	s := testenv.Start(b, testenv.WithConfig(func(c *server.Config) { c.EvalRate = 0 }))
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "worst", "environments": map[string]bool{"production": true},
		"targeting": map[string]any{"production": map[string]any{"rules": worstRules()}}})
	n := eval.MaxEvalWork()/912 - 1 // 912: the pattern's instructions
	ctx := map[string]any{"targetingKey": "u", "ua": strings.Repeat("a", n)}
	for i := 0; len(fmt.Sprint(ctx)) < 60<<10; i++ {
		ctx[fmt.Sprint("pad", i)] = strings.Repeat("b", 1000)
	}
	body := map[string]any{"context": ctx}
	b.ReportMetric(float64(n), "ua-bytes")
	for b.Loop() {
		s.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/worst", body)
	}
}

// BenchmarkCostAuditDiskLargestFlag measures the store's growth (SQLite
// file and write-ahead log) per change of the largest accepted flag, each
// change one audit event holding the flag.
func BenchmarkCostAuditDiskLargestFlag(b *testing.B) {
	dir := b.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "flags.db"))
	if err != nil {
		b.Fatal(err)
	}
	s := testenv.Start(b, testenv.OnStore(st))
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "largest", "description": longest(4096),
		"targeting": map[string]any{"production": map[string]any{"rules": largest()}}})
	before := dirSize(b, dir)
	i := 0
	for b.Loop() {
		i++
		s.Expect(http.StatusOK, "PUT", "/flags/largest", map[string]any{"description": longest(4096 - i%2)})
	}
	b.ReportMetric(float64(dirSize(b, dir)-before)/float64(i), "disk-bytes/event")
}

func dirSize(b *testing.B, dir string) int64 {
	var n int64
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			n += info.Size()
		}
	}
	return n
}

// BenchmarkCostStreamSlots measures the server's memory per open event
// stream: 2000 streams (100 from each of 20 loopback addresses, the
// default per-address bound) held open with minimal raw clients; the
// heap growth is all charged to the server. Multiply by --max-streams
// (10000) for the bound.
func BenchmarkCostStreamSlots(b *testing.B) {
	const addrs, perAddr = 20, 100
	s := testenv.Start(b)
	host := s.URL()[len("http://"):]
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		conns := make([]net.Conn, 0, addrs*perAddr)
		for a := range addrs {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(a+1))}}
			for range perAddr {
				conns = append(conns, openStream(b, d, host))
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(conns)), "heap-bytes/stream")
		b.ReportMetric(float64(after.Sys)/(1<<20), "sys-MiB")
		for _, c := range conns {
			c.Close()
		}
	}
}

// openStream opens an SDK-less event stream over a raw connection and
// waits for its answer's status line.
func openStream(b *testing.B, d net.Dialer, host string) net.Conn {
	c, err := d.Dial("tcp", host)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: %s\r\n\r\n", server.EventsPath, host, wire.ContentTypeSSE)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.Contains(line, " 200 ") {
		b.Fatalf("stream: %q %v", line, err)
	}
	return c
}
