package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/featureflags/featureflags/store/postgres/pgtest"
)

// TestReplicasOnOnePostgres runs four `serve` processes on one PostgreSQL
// database and toggles a few shared flags from eight concurrent writers per
// server, 16,000 toggles in all, without If-Match: every toggle must
// succeed, none may be lost or counted twice, and afterwards every server
// must show the same flags.
func TestReplicasOnOnePostgres(t *testing.T) {
	const (
		servers          = 4
		writersPerServer = 8
		togglesPerWriter = 500
		flags            = 4
	)
	pg := pgtest.URL(t)
	procs := make([]*process, servers)
	for i := range procs {
		procs[i] = start(t, t.TempDir(), "--store", pg, "--write-rate", "0")
	}
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 2 * servers * writersPerServer, MaxIdleConnsPerHost: 2 * writersPerServer},
	}
	t.Cleanup(client.CloseIdleConnections)

	initial := make([]bool, flags)
	for i := range flags {
		initial[i] = i%2 == 0
		body := fmt.Sprintf(`{"name":"hot-%d","environments":{"production":%t}}`, i, initial[i])
		if status, b := procs[i%servers].post(t, "/flags", body); status != http.StatusCreated {
			t.Fatalf("create hot-%d: %d %s", i, status, b)
		}
	}

	var counts [flags]atomic.Int64
	var failures atomic.Int64
	began := time.Now()
	var wg sync.WaitGroup
	for s, p := range procs {
		for w := range writersPerServer {
			writer := s*writersPerServer + w
			flag := writer % flags
			url := fmt.Sprintf("%s/flags/hot-%d/toggle", p.base, flag)
			wg.Go(func() {
				for range togglesPerWriter {
					res, err := client.Post(url, "application/json", strings.NewReader(`{"environment":"production"}`))
					if err != nil {
						failures.Add(1)
						t.Errorf("writer %d: %v", writer, err)
						return
					}
					body, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						failures.Add(1)
						t.Errorf("writer %d on server %d: toggle answered %d %s", writer, s, res.StatusCode, body)
						return
					}
					counts[flag].Add(1)
				}
			})
		}
	}
	wg.Wait()
	took := time.Since(began)
	total := servers * writersPerServer * togglesPerWriter
	t.Logf("%d toggles through %d servers in %v (%.0f toggles/s)", total, servers, took.Round(time.Millisecond), float64(total)/took.Seconds())
	if failures.Load() > 0 {
		t.FailNow()
	}

	var first []byte
	for s, p := range procs {
		for i := range flags {
			var f struct {
				Environments map[string]bool `json:"environments"`
				Version      int64           `json:"version"`
			}
			p.getJSON(t, fmt.Sprintf("/flags/hot-%d", i), &f)
			n := counts[i].Load()
			if want := initial[i] != (n%2 == 1); f.Environments["production"] != want || f.Version != 1+n {
				t.Errorf("server %d, hot-%d after %d toggles: production=%v version=%d, want %v and %d",
					s, i, n, f.Environments["production"], f.Version, want, 1+n)
			}
		}
		// Every server shows exactly the same flags.
		res, err := client.Get(p.base + "/flags")
		if err != nil {
			t.Fatal(err)
		}
		all, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !json.Valid(all) {
			t.Fatalf("server %d: /flags is not JSON: %s", s, all)
		}
		if first == nil {
			first = all
		} else if !bytes.Equal(all, first) {
			t.Errorf("server %d disagrees with server 0:\n%s\n%s", s, all, first)
		}
	}
}
