package server_test

import (
	"testing"

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
	dOff, dOn, n := alternate(b, benchClient(b), off, on)
	b.ReportMetric(float64(dOn.Nanoseconds())/float64(n), "ns/op")
	b.ReportMetric(perSecond(n, dOn), "req/s")
	b.ReportMetric(perSecond(n, dOff), "off-req/s")
	b.ReportMetric(dOff.Seconds()/dOn.Seconds(), "counting/off")
}
