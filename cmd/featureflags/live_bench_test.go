package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/wire"
)

// BenchmarkLiveFanout10k: 10,000 SSE subscribers of the SDK stream, on real
// loopback connections, to one `featureflags serve` process (a child of
// the benchmark, so that its memory is its own); each iteration toggles a
// flag through the API and waits until every subscriber has parsed the
// change event. Floors: every subscriber within 1 s (the p99 over
// iterations of the slowest one), and the server's RSS under 300 MB.
func BenchmarkLiveFanout10k(b *testing.B) {
	const subscribers = 10000
	raiseFileLimit(b, subscribers+1000)
	p := startTB(b, "--store", filepath.Join(b.TempDir(), "flags.db"), "--write-rate", "0")
	if status, body := post(b, p.base+"/flags", `{"name":"fanout"}`); status != http.StatusCreated {
		b.Fatalf("create: %d %s", status, body)
	}
	rssIdle := rss(b, p.cmd.Process.Pid)

	addr := strings.TrimPrefix(p.base, "http://")
	var (
		remaining atomic.Int64
		done      atomic.Pointer[chan struct{}]
		arrivals  = make([]atomic.Int64, subscribers)
		ready     sync.WaitGroup
		failed    atomic.Int64
		conns     = make([]net.Conn, subscribers)
	)
	b.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	})
	request := []byte("GET " + wire.StreamPath + " HTTP/1.1\r\nHost: " + addr + "\r\n" + wire.HeaderEnvironment + ": production\r\nAccept: text/event-stream\r\n\r\n")
	subscribe := func(i int) {
		defer ready.Done()
		c, err := net.DialTimeout("tcp", addr, 30*time.Second)
		if err != nil {
			failed.Add(1)
			return
		}
		conns[i] = c
		if _, err := c.Write(request); err != nil {
			failed.Add(1)
			return
		}
		br := bufio.NewReaderSize(c, 1024)
		lineStart, snapshot := true, false
		for !snapshot {
			line, err := br.ReadSlice('\n')
			if err != nil && err != bufio.ErrBufferFull {
				failed.Add(1)
				return
			}
			snapshot = lineStart && bytes.HasPrefix(line, []byte("event: "+wire.EventSnapshot))
			lineStart = err == nil
		}
		go func() { // the deferred Done counts this subscriber ready

			for {
				line, err := br.ReadSlice('\n')
				if err != nil && err != bufio.ErrBufferFull {
					return
				}
				if lineStart && bytes.HasPrefix(line, []byte("event: "+wire.EventChange)) {
					arrivals[i].Store(time.Now().UnixNano())
					if remaining.Add(-1) == 0 {
						close(*done.Load())
					}
				}
				lineStart = err == nil
			}
		}()
	}
	// Connect, at most 256 dials at a time (the listen backlog is finite).
	began := time.Now()
	sem := make(chan struct{}, 256)
	for i := range subscribers {
		ready.Add(1)
		sem <- struct{}{}
		go func() { defer func() { <-sem }(); subscribe(i) }()
	}
	waitGroup(b, &ready, time.Minute, "subscribers connecting")
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d subscribers failed to connect", n, subscribers)
	}
	b.Logf("%d subscribers connected and had their snapshot in %v", subscribers, time.Since(began).Round(time.Millisecond))
	rssConnected := rss(b, p.cmd.Process.Pid)
	if os.Getenv("FANOUT_DEBUG") != "" {
		res, err := http.Get(p.base + "/metrics")
		if err == nil {
			var buf bytes.Buffer
			buf.ReadFrom(res.Body)
			res.Body.Close()
			for _, l := range strings.Split(buf.String(), "\n") {
				if strings.HasPrefix(l, "go_memstats_") || strings.HasPrefix(l, "go_goroutines") || strings.HasPrefix(l, "process_resident") {
					b.Log(l)
				}
			}
		}
	}

	client := &http.Client{}
	var slowest []time.Duration
	var all []time.Duration
	for b.Loop() {
		ch := make(chan struct{})
		done.Store(&ch)
		remaining.Store(subscribers)
		start := time.Now()
		if status, body := postWith(b, client, p.base+"/flags/fanout/toggle", `{"environment":"production"}`); status != http.StatusOK {
			b.Fatalf("toggle: %d %s", status, body)
		}
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			b.Fatalf("%d of %d subscribers had no change after 30s", remaining.Load(), subscribers)
		}
		var worst time.Duration
		for i := range arrivals {
			d := time.Duration(arrivals[i].Load() - start.UnixNano())
			worst = max(worst, d)
			if len(all) < 1_000_000 {
				all = append(all, d)
			}
		}
		slowest = append(slowest, worst)
	}
	rssAfter := rss(b, p.cmd.Process.Pid)
	slices.Sort(slowest)
	slices.Sort(all)
	p99 := slowest[len(slowest)*99/100]
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "sub-p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "sub-p99-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "all-p99-ms")
	b.ReportMetric(float64(rssAfter)/(1<<20), "server-RSS-MB")
	b.Logf("server RSS: %.1f MB idle, %.1f MB with %d streams, %.1f MB after %d changes; slowest subscriber per change: median %v, p99 %v",
		float64(rssIdle)/(1<<20), float64(rssConnected)/(1<<20), subscribers, float64(rssAfter)/(1<<20), len(slowest),
		slowest[len(slowest)/2].Round(time.Microsecond), p99.Round(time.Microsecond))
	if p99 > time.Second {
		b.Logf("ABOVE THE FLOOR: a change took %v to reach all %d subscribers (p99 over %d changes); the floor is 1 s", p99, subscribers, len(slowest))
	}
	if rssAfter > 300<<20 {
		b.Logf("ABOVE THE FLOOR: server RSS %.1f MB with %d streams; the floor is 300 MB", float64(rssAfter)/(1<<20), subscribers)
	}
}

// raiseFileLimit raises this process's open-file limit (which the server
// it starts inherits) to at least n, as far as the hard limit allows.
func raiseFileLimit(b *testing.B, n uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	lim.Cur = min(max(n, lim.Cur), lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < n {
		b.Skipf("cannot raise the open-file limit to %d (hard limit %d): %v", n, lim.Max, err)
	}
}

// rss reads a process's resident set size in bytes from /proc.
func rss(b *testing.B, pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

func waitGroup(b *testing.B, wg *sync.WaitGroup, d time.Duration, what string) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		b.Fatalf("%s: not done within %v", what, d)
	}
}

func post(tb testing.TB, url, body string) (int, []byte) {
	return postWith(tb, http.DefaultClient, url, body)
}

func postWith(tb testing.TB, c *http.Client, url, body string) (int, []byte) {
	tb.Helper()
	r, err := (&testenv.Client{HTTP: c}).Send("POST", url, body)
	if err != nil {
		tb.Fatal(err)
	}
	return r.Status, r.Body
}

// startTB is start for benchmarks: `featureflags serve` on a free port,
// killed when the benchmark ends.
func startTB(tb testing.TB, args ...string) *process {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary, append([]string{"serve", "--listen", addr}, args...)...)
	cmd.Dir = tb.TempDir()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &process{cmd: cmd, base: "http://" + addr, logs: &testenv.Logs{}}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "request" {
				continue // a line per request: not worth keeping here
			}
			fmt.Fprintln(p.logs, sc.Text())
			if line.Msg == "serving" {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		tb.Fatalf("server did not start:\n%s", p.logs)
	}
	return p
}
