package server_test

// BenchmarkScale100k holds the service to issue 17's floors at 100,000
// flags, on the real binary with SQLite and its default configuration (but
// --write-rate 0, as the load comes from one client):
//
//	go test -run '^$' -bench Scale100k -benchtime 1x -timeout 30m ./internal/server/
//
// It imports 90,000 flags (nine in ten without targeting, the rest of
// benchFlags' kinds) and creates the last 10,000 through the API from
// concurrent clients (creates/s: floor 1,000; creates-100k/1k compares with
// 2,000 creates on a store of 1,000 flags in the same run, and
// server-cpu-ms/create is the server's CPU per create). It toggles a flag
// 200 times, timing each until the SDK's stream shows it (toggle-p99-ms:
// floor 10; OFREP is checked to show it at once), restarts the server
// (ready-s: floor 3; ready-cpu-s the CPU that took, ready-runqueue-s the
// time its threads waited for a core meanwhile; idle-MB at ready,
// settled-MB once it has rewritten the snapshot file), and sends 8
// concurrent bulk requests of 100,000 flags (bulk-rss-MB, bulk-peak-MB:
// floor 400). The CPU of one bulk answer is BenchmarkBulkEncode100k's.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/wire"
)

// scaleFlags returns n flags of which nine in ten have no targeting.
func scaleFlags(n int) []*ff.Flag {
	flags := benchFlags(n)
	for i, f := range flags {
		if i%10 != 0 {
			f.Type, f.Variants, f.Targeting = ff.TypeBoolean, nil, nil
		}
	}
	return flags
}

func BenchmarkScale100k(b *testing.B) {
	const seeded, created = 90000, 10000
	bin, c := buildBinary(b), benchClient(b)
	small := startBinary(b, bin, seedStore(b, scaleFlags(1000)), "--write-rate", "0")
	smallRate, _ := createThrough(b, c, small, 2000)
	small.stop()

	db := seedStore(b, scaleFlags(seeded))
	p := startBinary(b, bin, db, "--write-rate", "0")
	rate, cpu := createThrough(b, c, p, created)
	b.ReportMetric(rate, "creates/s")
	b.ReportMetric(rate/smallRate, "creates-100k/1k")
	b.ReportMetric(cpu, "server-cpu-ms/create")
	b.ReportMetric(toggleP99(b, "http://"+p.addr), "toggle-p99-ms")

	p.stop()
	restarted := time.Now()
	p = startBinary(b, bin, db, "--write-rate", "0")
	b.ReportMetric(p.ready.Seconds(), "ready-s")
	b.ReportMetric(procCPU(b, p.pid).Seconds(), "ready-cpu-s")
	b.ReportMetric(runQueueWait(b, p.pid).Seconds(), "ready-runqueue-s")
	b.ReportMetric(procStatusMB(b, p.pid, "VmRSS"), "idle-MB")
	waitSaved(b, filepath.Join(filepath.Dir(db), "snapshot.json"), restarted)
	b.ReportMetric(procStatusMB(b, p.pid, "VmRSS"), "settled-MB")
	bulkLoad(b, c, "http://"+p.addr+"/ofrep/v1/evaluate/flags", 8, 3)
	b.ReportMetric(procStatusMB(b, p.pid, "VmRSS"), "bulk-rss-MB")
	b.ReportMetric(procStatusMB(b, p.pid, "VmHWM"), "bulk-peak-MB")
}

// createThrough creates n flags through p's API from concurrent clients and
// returns the rate and the server's CPU time per create in milliseconds.
func createThrough(b *testing.B, c *http.Client, p *binary, n int) (perSec, cpuMS float64) {
	cpu := procCPU(b, p.pid)
	d := load(b, c, "http://"+p.addr+"/flags", http.StatusCreated, n, func(w, i int) string {
		return fmt.Sprintf(`{"name":"new-%02d-%05d","environments":{"production":true}}`, w, i)
	})
	return perSecond(n, d), float64((procCPU(b, p.pid) - cpu).Microseconds()) / 1000 / float64(n)
}

// procCPU is the CPU time (user and system) process pid has used: on a
// shared machine, what a start or a write cost, whatever the wait.
func procCPU(b *testing.B, pid string) time.Duration {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command's closing parenthesis; utime and stime
	// are the 14th and 15th of the line, in clock ticks of 1/100 s.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	user, _ := strconv.Atoi(f[11])
	sys, _ := strconv.Atoi(f[12])
	return time.Duration(user+sys) * 10 * time.Millisecond
}

// runQueueWait is how long the threads of process pid have been ready to
// run but waiting for a core (schedstat's second field): on a shared
// machine, most of a start's wall time beyond its CPU time.
func runQueueWait(b *testing.B, pid string) time.Duration {
	tasks, err := os.ReadDir("/proc/" + pid + "/task")
	if err != nil {
		b.Fatal(err)
	}
	var wait time.Duration
	for _, t := range tasks {
		data, err := os.ReadFile("/proc/" + pid + "/task/" + t.Name() + "/schedstat")
		if f := strings.Fields(string(data)); err == nil && len(f) == 3 {
			ns, _ := strconv.ParseInt(f[1], 10, 64)
			wait += time.Duration(ns)
		}
	}
	return wait
}

// toggleP99 toggles flag-00001 200 times, timing each from the request to
// the SDK stream showing it, checks that OFREP shows it at once, and
// returns the 99th percentile in milliseconds.
func toggleP99(b *testing.B, base string) float64 {
	events := testenv.Connect(b, base+wire.StreamPath)
	defer events.Close()
	client := testenv.NewClient(b, base)
	var took []time.Duration
	for i := range 200 {
		on := i%2 == 1 // flag-00001 starts on
		start := time.Now()
		client.Expect(http.StatusOK, "POST", "/flags/flag-00001/toggle", `{"environment":"production"}`)
		events.Until(b, func(ev testenv.Event) bool { return testenv.Has(ev, "flag-00001", "production", on) })
		took = append(took, time.Since(start))
		r := client.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/flag-00001", `{"context":{}}`)
		if want := fmt.Sprintf(`"value":%t`, on); !strings.Contains(string(r.Body), want) {
			b.Fatalf("toggle %d: OFREP answers %s, want %s", i, r.Body, want)
		}
	}
	slices.Sort(took)
	return float64(took[len(took)*99/100].Microseconds()) / 1000
}

// waitSaved waits until the snapshot file at path was written after since:
// the last of a start's work.
func waitSaved(b *testing.B, path string, since time.Time) {
	for deadline := time.Now().Add(time.Minute); ; {
		if fi, err := os.Stat(path); err == nil && fi.ModTime().After(since) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the snapshot file %s was not rewritten within a minute", path)
		}
		time.Sleep(50 * time.Millisecond) // polling a file the server writes; nothing to wait on
	}
}

// bulkLoad sends rounds bulk requests from each of workers concurrent
// clients.
func bulkLoad(b *testing.B, c *http.Client, url string, workers, rounds int) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			load := func(i int) {
				res, err := c.Post(url, "application/json", strings.NewReader(benchContext(fmt.Sprint("user-", w, "-", i))))
				if err != nil {
					b.Error(err)
					return
				}
				defer res.Body.Close()
				if n, _ := io.Copy(io.Discard, res.Body); res.StatusCode != http.StatusOK || n < 100000*40 {
					b.Errorf("bulk: %d, %d bytes", res.StatusCode, n)
				}
			}
			for i := range rounds {
				load(i)
			}
		})
	}
	wg.Wait()
}
