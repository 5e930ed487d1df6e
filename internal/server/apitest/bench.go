package apitest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// BenchOpener returns a new, empty store for one benchmark.
type BenchOpener func(b *testing.B) ff.Store

// benchServer starts a server with a real listener on a fresh store.
func benchServer(b *testing.B, open BenchOpener) (string, ff.Store, *http.Client) {
	b.Helper()
	store := open(b)
	b.Cleanup(func() { store.Close() })
	s := testenv.Start(b, testenv.OnStore(store))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return s.URL(), store, client
}

func post(b *testing.B, c *http.Client, url, body string) {
	res, err := c.Post(url, "application/json", bytes.NewBufferString(body))
	if err != nil {
		b.Error(err)
		return
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Errorf("POST %s: %d", url, res.StatusCode)
	}
}

// BenchmarkToggleSequential toggles one flag over HTTP, one request after
// another; every answered toggle is durable.
func BenchmarkToggleSequential(b *testing.B, open BenchOpener) {
	base, store, c := benchServer(b, open)
	f := seed(b, store, 1)[0]
	url := base + "/flags/" + f.ID + "/toggle"
	b.ResetTimer()
	for b.Loop() {
		post(b, c, url, `{"environment":"production"}`)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "toggles/s")
}

// BenchmarkToggleConcurrent toggles 16 flags from 16 concurrent clients.
func BenchmarkToggleConcurrent(b *testing.B, open BenchOpener) {
	base, store, c := benchServer(b, open)
	flags := seed(b, store, 16)
	b.ResetTimer()
	var wg sync.WaitGroup
	work := make(chan string)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(url string) {
			defer wg.Done()
			for range work {
				post(b, c, url, `{"environment":"production"}`)
			}
		}(base + "/flags/" + flags[i].ID + "/toggle")
	}
	for b.Loop() {
		work <- ""
	}
	close(work)
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "toggles/s")
}

// BenchmarkList10k lists 10,000 flags for one environment over HTTP and
// reports the median and 95th percentile latency.
func BenchmarkList10k(b *testing.B, open BenchOpener) {
	base, store, c := benchServer(b, open)
	seed(b, store, 10_000)
	var durations []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		res, err := c.Get(base + "/flags?environment=production")
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || n < 10_000*100 {
			b.Fatalf("list: %d, %d bytes", res.StatusCode, n)
		}
		durations = append(durations, time.Since(start))
	}
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(durations[len(durations)*95/100].Microseconds())/1000, "p95-ms")
}

// seed stores n flags directly, bypassing HTTP.
func seed(b *testing.B, store ff.Store, n int) []*ff.Flag {
	b.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	flags := make([]*ff.Flag, n)
	for i := range flags {
		f := &ff.Flag{
			ID: ff.NewID(), Name: fmt.Sprintf("flag-%05d", i), Description: "a flag used by the benchmark",
			Type: ff.TypeBoolean, Environments: map[string]bool{"development": true, "staging": i%2 == 0, "production": i%3 == 0},
			Version: 1, CreatedAt: now, UpdatedAt: now,
		}
		if err := store.CreateFlag(b.Context(), f); err != nil {
			b.Fatal(err)
		}
		flags[i] = f
	}
	return flags
}
