package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
)

// BenchmarkOFREPSingleCounting is BenchmarkOFREPSingle with usage counting
// on, against a second server with counting off, alternating in the same
// run; it reports the ratio of their request rates (the floor is 0.97).
func BenchmarkOFREPSingleCounting(b *testing.B) {
	const path = "/ofrep/v1/evaluate/flags/flag-00000"
	on := startOFREP(b, 1000) + path
	off := startOFREP(b, 1000, testenv.WithConfig(func(c *server.Config) { c.Usage.Off = true })) + path
	c := benchClient(b)
	const rounds = 4
	n := max(b.N/rounds, 1)
	var dOn, dOff time.Duration
	b.ResetTimer()
	for range rounds {
		dOff += load(b, c, off, http.StatusOK, n, userBody)
		dOn += load(b, c, on, http.StatusOK, n, userBody)
	}
	b.StopTimer()
	b.ReportMetric(float64(dOn.Nanoseconds())/float64(rounds*n), "ns/op")
	b.ReportMetric(perSecond(rounds*n, dOn), "req/s")
	b.ReportMetric(perSecond(rounds*n, dOff), "off-req/s")
	b.ReportMetric(dOff.Seconds()/dOn.Seconds(), "counting/off")
}
