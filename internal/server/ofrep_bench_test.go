package server_test

// OFREP benchmarks over real loopback listeners. Every benchmark starts its
// server with httptest.NewServer and drives it with the same client setup
// from 8 concurrent client goroutines per P (see load), so the
// server is saturated and the numbers compare: BenchmarkOFREPSingle against
// BenchmarkOFREPBaseline, a bare handler writing a fixed JSON body with no
// middleware at all. The servers log through slog to io.Discard; metrics
// and request ids are live.
//
//	go test -run '^$' -bench OFREP -benchtime 3s ./internal/server/
//	go test -run '^$' -bench 'OFREPBulk' -cpu 1 -benchtime 3s ./internal/server/
//
// The floors: single ≥ 75 % of the baseline's requests/s (the ratio is
// reported as single/baseline by BenchmarkOFREPSingle, which runs a
// baseline of its own first); bulk of 1,000 flags ≥ 5,000 requests/s with
// -cpu 1; resident memory under 40 MB (with the garbage collector's floor
// off, --gc-headroom-bytes 0 or GOGC set; the floor lets the heap grow by
// 32 MiB more, see the README's Memory section), which the server no longer
// meets: about 42 MB, 19 of them the binary's own code pages. rss-MB in
// BenchmarkOFREPSingle and BenchmarkOFREPBulk1000 is VmRSS of the whole
// test process (server, client and 1,000 flags) read from /proc/self/status
// after the load: an overestimate of the server's own.
// BenchmarkOFREPServerRSS measures the real thing: it builds
// cmd/featureflags, serves 1,000 flags from it with its default
// configuration (JSON request logs included, drained) and reads the
// child's VmRSS (after the load) and VmHWM (its peak).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/store/sqlite"
)

// benchParallelism is the client goroutines per P: enough in-flight
// requests to keep the server busy while clients wait on the network.
const benchParallelism = 8

// benchClient is the one client setup every benchmark uses.
func benchClient(b *testing.B) *http.Client {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// baselineBody is about as long as a single evaluation's answer.
var baselineBody = []byte(`{"key":"checkout-v2","value":true,"reason":"TARGETING_MATCH","variant":"on"}` + "\n")

func baselineHandler(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Write(baselineBody)
}

// startBaseline starts the bare handler behind a real listener.
func startBaseline(b *testing.B) string {
	ts := httptest.NewServer(http.HandlerFunc(baselineHandler))
	b.Cleanup(ts.Close)
	return ts.URL
}

// startOFREP starts the real server on a SQLite store holding n flags of
// assorted kinds (see benchFlags), loaded with Import in one transaction.
func startOFREP(b *testing.B, n int, opts ...testenv.Option) string {
	store, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "flags.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	svc := service.New(store)
	if err := svc.Init(b.Context()); err != nil {
		b.Fatal(err)
	}
	if err := store.Import(b.Context(), &ff.Dataset{Flags: benchFlags(n)}); err != nil {
		b.Fatal(err)
	}
	return testenv.Start(b, append(opts, testenv.OnStore(store))...).URL() // a fresh service loads what was imported
}

// benchFlags returns n valid flags, on in production, in four kinds: a
// boolean with five rules (none matching benchContext) and a 30/70 rollout,
// a static boolean, a string with a rule, and a number with a 50/50
// rollout. The single benchmark evaluates flag-00000, the first kind.
func benchFlags(n int) []*ff.Flag {
	now := time.Now().UTC().Truncate(time.Millisecond)
	envs := map[string]bool{"development": true, "staging": true, "production": true}
	cond := func(attr, op string, v any) ff.Condition {
		return ff.Condition{Attribute: attr, Operator: op, Value: v}
	}
	rule := func(variant string, conds ...ff.Condition) ff.Rule {
		return ff.Rule{Conditions: conds, Serve: ff.Serve{Variant: variant}}
	}
	split := func(a string, wa float64, c string, wc float64) *ff.Serve {
		return &ff.Serve{Rollout: &ff.Rollout{Variants: []ff.WeightedVariant{{Variant: a, Weight: wa}, {Variant: c, Weight: wc}}}}
	}
	flags := make([]*ff.Flag, n)
	for i := range flags {
		f := &ff.Flag{ID: ff.NewID(), Name: fmt.Sprintf("flag-%05d", i), Type: ff.TypeBoolean, Environments: envs,
			Description: "a flag used by the benchmark", Version: 1, CreatedAt: now, UpdatedAt: now}
		switch i % 4 {
		case 0:
			f.Targeting = map[string]*ff.Targeting{"production": {
				Rules: []ff.Rule{
					rule("on", cond("country", "eq", "NZ")),
					rule("on", cond("plan", "in", []any{"enterprise", "business", "team"})),
					rule("on", cond("age", "gte", 65.0)),
					rule("off", cond("appVersion", "semverLt", "2.0.0")),
					rule("on", cond("email", "endsWith", "@example.com"), cond("beta", "eq", true)),
				},
				DefaultServe: split("on", 30, "off", 70),
			}}
		case 1:
		case 2:
			f.Type = ff.TypeString
			f.Variants = map[string]any{"a": "Welcome back!", "b": "Kia ora"}
			f.Targeting = map[string]*ff.Targeting{"production": {
				Rules:        []ff.Rule{rule("b", cond("country", "in", []any{"NZ", "AU"}))},
				DefaultServe: &ff.Serve{Variant: "a"},
			}}
		case 3:
			f.Type = ff.TypeNumber
			f.Variants = map[string]any{"low": 1.0, "high": 100.0}
			f.Targeting = map[string]*ff.Targeting{"production": {DefaultServe: split("low", 50, "high", 50)}}
		}
		flags[i] = f
	}
	return flags
}

// benchContext is a realistic context; each request varies the key.
func benchContext(key string) string {
	return `{"context":{"targetingKey":"` + key + `","country":"US","plan":"free","age":30,"appVersion":"2.3.1","email":"jane@acme.io","beta":false}}`
}

// load sends n POSTs of body (made per worker and request by body) to url
// from benchParallelism × GOMAXPROCS concurrent clients, checking every
// status, and returns how long they took.
func load(b *testing.B, c *http.Client, url string, want, n int, body func(worker, i int) string, headers ...string) time.Duration {
	b.Helper()
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	start := time.Now()
	for worker := range benchParallelism * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var rd bytes.Reader
			for i := 0; left.Add(-1) >= 0; i++ {
				rd.Reset([]byte(body(worker, i)))
				req, err := http.NewRequestWithContext(context.Background(), "POST", url, &rd)
				if err != nil {
					b.Error(err)
					return
				}
				req.Header.Set("Content-Type", "application/json")
				for j := 0; j+1 < len(headers); j += 2 {
					req.Header.Set(headers[j], headers[j+1])
				}
				res, err := c.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != want {
					b.Errorf("POST %s: %d, want %d", url, res.StatusCode, want)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// perSecond is a request rate.
func perSecond(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }

func fixedBody(s string) func(int, int) string { return func(int, int) string { return s } }

// userBody gives every request its own targeting key.
func userBody(worker, i int) string {
	return benchContext("user-" + strconv.Itoa(worker) + "-" + strconv.Itoa(i))
}

// rssMB reads the resident set size of this process.
func rssMB(b *testing.B) float64 { return procStatusMB(b, "self", "VmRSS") }

// procStatusMB reads a field of /proc/<pid>/status in MB.
func procStatusMB(b *testing.B, pid, field string) float64 {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		b.Logf("no /proc/%s/status: %v", pid, err)
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkOFREPBaseline is the bare net/http handler writing a fixed JSON
// body: the ceiling for the single evaluation.
func BenchmarkOFREPBaseline(b *testing.B) {
	url, c := startBaseline(b), benchClient(b)
	b.ResetTimer()
	d := load(b, c, url, http.StatusOK, b.N, userBody)
	b.ReportMetric(perSecond(b.N, d), "req/s")
}

// alternate loads first and second in turns, so that both see the same
// machine (this one is shared), and returns their times and how many
// requests each was sent.
func alternate(b *testing.B, c *http.Client, first, second string) (dFirst, dSecond time.Duration, n int) {
	const rounds = 4
	per := max(b.N/rounds, 1)
	b.ResetTimer()
	for range rounds {
		dFirst += load(b, c, first, http.StatusOK, per, userBody)
		dSecond += load(b, c, second, http.StatusOK, per, userBody)
	}
	b.StopTimer()
	return dFirst, dSecond, rounds * per
}

// BenchmarkOFREPSingle evaluates one flag with five rules and a rollout
// through the whole server, a different targeting key each request, on a
// store of 1,000 flags. It first measures the baseline for as long, in the
// same process and with the same client setup, and reports the ratio.
func BenchmarkOFREPSingle(b *testing.B) {
	base := startBaseline(b)
	url := startOFREP(b, 1000) + "/ofrep/v1/evaluate/flags/flag-00000"
	dBase, dSingle, n := alternate(b, benchClient(b), base, url)
	rps, baseRPS := perSecond(n, dSingle), perSecond(n, dBase)
	b.ReportMetric(float64(dSingle.Nanoseconds())/float64(n), "ns/op")
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(baseRPS, "baseline-req/s")
	b.ReportMetric(rps/baseRPS, "single/baseline")
	b.ReportMetric(rssMB(b), "rss-MB")
}

// BenchmarkOFREPBulk1000 evaluates all 1,000 flags, a different targeting
// key each request, so nothing could be served from a cache.
func BenchmarkOFREPBulk1000(b *testing.B) {
	url, c := startOFREP(b, 1000)+"/ofrep/v1/evaluate/flags", benchClient(b)
	b.ResetTimer()
	d := load(b, c, url, http.StatusOK, b.N, userBody)
	b.StopTimer()
	b.ReportMetric(perSecond(b.N, d), "req/s")
	b.ReportMetric(rssMB(b), "rss-MB")
}

// BenchmarkOFREPBulk304 revalidates the bulk answer of 1,000 flags with its
// ETag: a 304 without evaluating.
func BenchmarkOFREPBulk304(b *testing.B) {
	url := startOFREP(b, 1000) + "/ofrep/v1/evaluate/flags"
	body := benchContext("user-1")
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	tag := res.Header.Get("ETag")
	if res.StatusCode != http.StatusOK || tag == "" {
		b.Fatalf("first bulk: %d, ETag %q", res.StatusCode, tag)
	}
	c := benchClient(b)
	b.ResetTimer()
	d := load(b, c, url, http.StatusNotModified, b.N, fixedBody(body), "If-None-Match", tag)
	b.ReportMetric(perSecond(b.N, d), "req/s")
}

// BenchmarkOFREPServerRSS measures the memory of the real server binary
// holding 1,000 flags while it answers bulk evaluations (the heaviest
// answers, ~65 kB each) from parallel clients. The parent builds and starts
// the server once; the sub-benchmark, run as often as the ramp-up needs,
// loads it and reads the child's /proc status.
func BenchmarkOFREPServerRSS(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc")
	}
	db := seedStore(b, benchFlags(1000))
	p := startBinary(b, buildBinary(b), db)
	addr, pid := p.addr, p.pid
	url := "http://" + addr + "/ofrep/v1/evaluate/flags"
	c := benchClient(b)
	idle := procStatusMB(b, pid, "VmRSS")
	b.Run("bulk1000", func(b *testing.B) {
		d := load(b, c, url, http.StatusOK, b.N, userBody)
		b.StopTimer()
		b.ReportMetric(perSecond(b.N, d), "req/s")
		b.ReportMetric(idle, "server-idle-MB")
		b.ReportMetric(procStatusMB(b, pid, "VmRSS"), "server-rss-MB")
		b.ReportMetric(procStatusMB(b, pid, "VmHWM"), "server-peak-MB")
	})
}
