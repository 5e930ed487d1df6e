package sdk_test

import (
	"net/http"
	"testing"

	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/sdk"
)

func sdkUsage(t *testing.T, s *testenv.Server, flag string) map[string]int64 {
	t.Helper()
	var a server.UsageAnswer
	s.Expect(http.StatusOK, "GET", "/flags/"+flag+"/usage?environment=production", nil).JSON(t, &a)
	out := map[string]int64{}
	for _, x := range a.Series {
		out[x.Variant+"/"+x.Reason] += x.Total
	}
	return out
}

// The SDK reports what it evaluated in-process, once per evaluation,
// including the evaluations of configurations it replaced since.
func TestSDKReportsUsage(t *testing.T) {
	s := testenv.Start(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "reported", "environments": map[string]bool{"production": true}})
	c := testenv.SDKClient(t, sdk.Options{URL: s.URL(), Environment: "production"})
	testenv.Value(t, c, "reported", true) // evaluates at least once
	if err := c.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	base := sdkUsage(t, s, "reported")["on/STATIC"]
	if base < 1 {
		t.Fatalf("first report: %v", sdkUsage(t, s, "reported"))
	}
	for i := 0; i < 5; i++ {
		c.Bool("reported", false, sdk.Context{})
	}
	s.Toggle("reported", "production") // a new configuration replaces the one just counted
	testenv.Value(t, c, "reported", false)
	if err := c.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := sdkUsage(t, s, "reported")
	if got["on/STATIC"] < base+5 || got["off/DISABLED"] < 1 {
		t.Fatalf("after 5 more evaluations and a toggle: %v (first report %d)", got, base)
	}
	if err := c.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	if again := sdkUsage(t, s, "reported"); again["on/STATIC"] != got["on/STATIC"] || again["off/DISABLED"] != got["off/DISABLED"] {
		t.Errorf("a report without new evaluations changed counts: %v -> %v", got, again)
	}
}

// A report the service refuses costs nothing but its counts.
func TestSDKUsageReportFailureKeepsEvaluating(t *testing.T) {
	s := testenv.Start(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "kept", "environments": map[string]bool{"production": true}})
	c := testenv.SDKClient(t, sdk.Options{URL: s.URL(), Environment: "production"})
	testenv.Value(t, c, "kept", true)
	s.Stop()
	if err := c.FlushUsage(t.Context()); err == nil {
		t.Fatal("a report to a stopped service succeeded")
	}
	if r := c.Bool("kept", false, sdk.Context{}); !r.Value {
		t.Errorf("evaluation after a failed report: %+v", r)
	}
}
