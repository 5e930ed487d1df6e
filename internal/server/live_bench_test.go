package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/store/postgres"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
	"github.com/featureflags/featureflags/wire"
)

// reportLatency reports the median and 99th percentile of lat in
// milliseconds and fails the benchmark when the 99th percentile is above
// floor.
func reportLatency(b *testing.B, lat []time.Duration, floor time.Duration) {
	b.Helper()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op") // the latencies are the figures
	if p99 > floor {
		b.Logf("ABOVE THE FLOOR: p99 %v over %d changes is above the floor of %v", p99, len(lat), floor)
	}
}

// measure toggles a flag through from's API, one change at a time, and
// records how long each takes from the request to the change event parsed
// by a subscriber of to's SDK stream over loopback HTTP.
func measure(b *testing.B, from, to *testenv.Server, floor time.Duration) {
	from.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "bench"})
	st := testenv.Connect(b, to.URL()+wire.StreamPath, wire.HeaderEnvironment, "production")
	st.Until(b, func(ev testenv.Event) bool { return testenv.Has(ev, "bench", "production", false) })
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	url := from.URL() + "/flags/bench/toggle"
	lat := make([]time.Duration, 0, 4096)
	on := false
	for b.Loop() {
		on = !on
		began := time.Now()
		res, err := client.Post(url, "application/json", strings.NewReader(`{"environment":"production"}`))
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("toggle: %d", res.StatusCode)
		}
		st.Until(b, func(ev testenv.Event) bool { return testenv.Has(ev, "bench", "production", on) })
		lat = append(lat, time.Since(began))
	}
	reportLatency(b, lat, floor)
}

// BenchmarkLiveSameServer: a toggle through the API to its change event at
// an SSE subscriber of the same server (SQLite, each write durable); floor:
// p99 under 10 ms.
func BenchmarkLiveSameServer(b *testing.B) {
	s := testenv.Start(b, testenv.Following())
	measure(b, s, s, 10*time.Millisecond)
}

// BenchmarkLiveReplicaPostgres: a toggle through one server to its change
// event at an SSE subscriber of another server on the same PostgreSQL
// database (LISTEN/NOTIFY, then a reload of the view); floor: p99 under
// 100 ms.
func BenchmarkLiveReplicaPostgres(b *testing.B) {
	url := pgtest.URL(b)
	open := func() *testenv.Server {
		st, err := postgres.Open(b.Context(), url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return testenv.Start(b, testenv.OnStore(st), testenv.Following())
	}
	from, to := open(), open()
	measure(b, from, to, 100*time.Millisecond)
}
