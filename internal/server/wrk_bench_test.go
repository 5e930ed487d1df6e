package server_test

// BenchmarkWrkFloors measures issue 17's ratios to the wire as the README's
// Performance section does: each server on one pinned core (taskset -c 0,
// GOMAXPROCS=1), wrk with 64 connections on the other core, every target
// in the same run, so that a shared machine slows all alike.
//
//	go test -run '^$' -bench WrkFloors -benchtime 1x ./internal/server/
//
// It is skipped without wrk and taskset. Reported: single/baseline (floor
// 0.75) with every evaluation logged, single-sampled/baseline with the
// default sampling (floor 0.70 with default logging), and bulk/80KB, the
// bulk answer of 1,001 flags against a fixed 80 KB body (floor 0.5).

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// wrkSeconds is how long wrk loads each target.
const wrkSeconds = 5

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// wrk loads url with POSTs of body and returns the requests per second.
func wrk(b *testing.B, url, body string) float64 {
	script := filepath.Join(b.TempDir(), "post.lua")
	lua := fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = %q\nwrk.headers[\"Content-Type\"] = \"application/json\"\n", body)
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		b.Fatal(err)
	}
	out, err := exec.Command("taskset", "-c", "1", "wrk", "-t1", "-c64", "-d"+strconv.Itoa(wrkSeconds)+"s", "-s", script, url).CombinedOutput()
	m := wrkRate.FindSubmatch(out)
	if err != nil || m == nil {
		b.Fatalf("wrk %s: %v\n%s", url, err, out)
	}
	rate, _ := strconv.ParseFloat(string(m[1]), 64)
	return rate
}

// pinned runs bin with args on core 0 with GOMAXPROCS=1.
func pinned(b *testing.B, bin string, args ...string) string {
	cmd := exec.Command("taskset", append([]string{"-c", "0", bin}, args...)...)
	cmd.Env = []string{"GOMAXPROCS=1"}
	return "http://" + startCmd(b, cmd).addr
}

func BenchmarkWrkFloors(b *testing.B) {
	for _, tool := range []string{"wrk", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("no %s", tool)
		}
	}
	bin, baseline := buildBinary(b), buildPackage(b, "./testdata/baseline")
	db := seedStore(b, benchFlags(1001))
	serve := func(args ...string) string {
		return pinned(b, bin, append([]string{"serve", "--store", db, "--listen", "127.0.0.1:0", "--snapshot-file", "off"}, args...)...)
	}
	body := benchContext("user-1234")
	single := "/ofrep/v1/evaluate/flags/flag-00000"
	rates := map[string]float64{}
	for _, t := range []struct{ name, url string }{
		{"baseline", pinned(b, baseline) + "/"},
		{"single-all-logged", serve("--eval-log-every", "1") + single},
		{"single", serve() + single},
		{"baseline-80KB", pinned(b, baseline, "-size", "81920") + "/"},
		{"bulk1001", serve() + "/ofrep/v1/evaluate/flags"},
	} {
		rates[t.name] = wrk(b, t.url, body)
		b.ReportMetric(rates[t.name], t.name+"-req/s")
	}
	b.ReportMetric(rates["single-all-logged"]/rates["baseline"], "single/baseline")
	b.ReportMetric(rates["single"]/rates["baseline"], "single-sampled/baseline")
	b.ReportMetric(rates["bulk1001"]/rates["baseline-80KB"], "bulk/80KB")
}
