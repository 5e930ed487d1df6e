package server_test

// BenchmarkWrkFloors measures issue 17's ratios to the wire as the README's
// Performance section does: each server on one pinned core (taskset -c 0,
// GOMAXPROCS=1), wrk with 64 connections on the other core, every target
// in the same run, so that a shared machine slows all alike.
//
//	go test -run '^$' -bench WrkFloors -benchtime 1x ./internal/server/
//
// It is skipped without wrk and taskset. Reported: single-unlogged/baseline
// with evaluation logs off (one in a billion logged; floor 0.75: the
// issue's 0.58 was measured without them, its default-level figure
// apart), single-sampled/baseline
// with the default sampling (floor 0.70 with default logging),
// single-logged/baseline with every evaluation logged (no floor), and
// bulk/80KB, the bulk answer of 1,001 flags against a fixed body (floor
// 0.5). Each
// baseline answers as many bytes as the server's answer it stands for.
// Each ratio is given twice: from requests per second, and ("-cpu") from
// the server's CPU time per request, which other load disturbs less; each
// is the median of wrkRounds rounds in which the targets take turns.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// wrkSeconds is how long wrk loads each target in a round; the targets
// take turns for wrkRounds rounds, and each figure is the median of its
// rounds, so that the host slowing down for a few seconds (its speed moves
// by a third within minutes) disturbs one round of one target, not a ratio.
const wrkSeconds, wrkRounds = 3, 5

var (
	wrkRate     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
)

// wrkLoad is what one target did under wrk.
type wrkLoad struct {
	rate  float64 // requests per second
	cpuUS float64 // the server's CPU time (user and system) per request, in microseconds
}

// wrk loads p's url with POSTs of body and measures it.
func wrk(b *testing.B, p *binary, url, body string) wrkLoad {
	script := filepath.Join(b.TempDir(), "post.lua")
	lua := fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = %q\nwrk.headers[\"Content-Type\"] = \"application/json\"\n", body)
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime(b, p.pid)
	out, err := exec.Command("taskset", "-c", "1", "wrk", "-t1", "-c64", "-d"+strconv.Itoa(wrkSeconds)+"s", "-s", script, url).CombinedOutput()
	cpu = cpuTime(b, p.pid) - cpu
	m, n := wrkRate.FindSubmatch(out), wrkRequests.FindSubmatch(out)
	if err != nil || m == nil || n == nil || bytes.Contains(out, []byte("Non-2xx")) {
		b.Fatalf("wrk %s: %v\n%s", url, err, out)
	}
	rate, _ := strconv.ParseFloat(string(m[1]), 64)
	requests, _ := strconv.ParseFloat(string(n[1]), 64)
	return wrkLoad{rate: rate, cpuUS: float64(cpu.Microseconds()) / requests}
}

// cpuTime is the CPU time process pid has used, from /proc/<pid>/stat.
func cpuTime(b *testing.B, pid string) time.Duration {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command's name, which ends with the last ')':
	// utime and stime are the 12th and 13th, in clock ticks of 1/100 s.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// pinned runs bin with args on core 0 with GOMAXPROCS=1.
func pinned(b *testing.B, bin string, args ...string) *binary {
	cmd := exec.Command("taskset", append([]string{"-c", "0", bin}, args...)...)
	cmd.Env = []string{"GOMAXPROCS=1"}
	return startCmd(b, cmd)
}

// answerSize is the size of the body url answers body with.
func answerSize(b *testing.B, url, body string) int {
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d, %v", url, res.StatusCode, err)
	}
	return int(n)
}

func BenchmarkWrkFloors(b *testing.B) {
	for _, tool := range []string{"wrk", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("no %s", tool)
		}
	}
	bin, baseline := buildBinary(b), buildPackage(b, "./testdata/baseline")
	db := seedStore(b, benchFlags(1001))
	// wrk is one client address: past --eval-rate's default (10,000/s) the
	// server would answer most requests 429, which costs less than an
	// evaluation, so the limit is off here.
	serve := func(args ...string) *binary {
		return pinned(b, bin, append([]string{"serve", "--store", db, "--listen", "127.0.0.1:0", "--snapshot-file", "off", "--eval-rate", "0"}, args...)...)
	}
	body := benchContext("user-1234")
	single, bulk := "/ofrep/v1/evaluate/flags/flag-00000", "/ofrep/v1/evaluate/flags"
	logged, sampled, unlogged := serve("--eval-log-every", "1"), serve(), serve("--eval-log-every", "1000000000")
	// The baselines answer as many bytes as the server does (with these
	// flags 93 and 94,624; "80KB" in the names is the size they once had).
	singleSize, bulkSize := answerSize(b, "http://"+sampled.addr+single, body), answerSize(b, "http://"+sampled.addr+bulk, body)
	base, baseBulk := pinned(b, baseline, "-size", strconv.Itoa(singleSize)), pinned(b, baseline, "-size", strconv.Itoa(bulkSize))
	targets := []struct {
		name string
		p    *binary
		path string
	}{
		{"baseline", base, "/"},
		{"single-all-logged", logged, single},
		{"single", sampled, single},
		{"single-unlogged", unlogged, single},
		{"baseline-80KB", baseBulk, "/"},
		{"bulk1001", sampled, bulk},
	}
	rounds := make([]map[string]wrkLoad, wrkRounds)
	for i := range rounds {
		rounds[i] = map[string]wrkLoad{}
		for _, t := range targets {
			rounds[i][t.name] = wrk(b, t.p, "http://"+t.p.addr+t.path, body)
		}
	}
	for _, t := range targets {
		b.ReportMetric(median(rounds, func(r map[string]wrkLoad) float64 { return r[t.name].rate }), t.name+"-req/s")
		b.ReportMetric(median(rounds, func(r map[string]wrkLoad) float64 { return r[t.name].cpuUS }), t.name+"-cpu-us/req")
	}
	// Each ratio is the median of its rounds' ratios: the server and its
	// baseline measured a few seconds apart.
	ratio := func(name, server, base string) {
		b.ReportMetric(median(rounds, func(r map[string]wrkLoad) float64 { return r[server].rate / r[base].rate }), name)
		// The same ratio from CPU time, which other load on the machine
		// disturbs less than the rate.
		b.ReportMetric(median(rounds, func(r map[string]wrkLoad) float64 { return r[base].cpuUS / r[server].cpuUS }), name+"-cpu")
	}
	ratio("single-unlogged/baseline", "single-unlogged", "baseline")
	ratio("single-sampled/baseline", "single", "baseline")
	ratio("single-logged/baseline", "single-all-logged", "baseline")
	ratio("bulk/80KB", "bulk1001", "baseline-80KB")
}

// median is the median of f over the rounds.
func median(rounds []map[string]wrkLoad, f func(map[string]wrkLoad) float64) float64 {
	v := make([]float64, len(rounds))
	for i, r := range rounds {
		v[i] = f(r)
	}
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}
