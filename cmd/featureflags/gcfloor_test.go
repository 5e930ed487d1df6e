package main

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
)

// TestGCFloor: a server raises GOGC above Go's default for its small heap
// before it serves, unless --gc-headroom-bytes is 0 or the environment
// sets GOGC, which stays as set; a headroom below 0 or above 1 TiB is
// refused.
func TestGCFloor(t *testing.T) {
	for _, c := range []struct {
		name string
		env  []string
		args []string
		want func(percent int) bool
	}{
		{"default", []string{"GOGC="}, nil, func(p int) bool { return p > 100 }},
		{"off", []string{"GOGC="}, []string{"--gc-headroom-bytes", "0"}, func(p int) bool { return p == 100 }},
		{"GOGC", []string{"GOGC=150"}, nil, func(p int) bool { return p == 150 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := startEnv(t, t.TempDir(), c.env, c.args...)
			if got := gogcPercent(t, p); !c.want(got) {
				t.Fatalf("GOGC %d", got)
			}
		})
	}
	for _, bad := range []string{"-1", "1099511627777"} {
		if _, err := NewMain([]string{"--gc-headroom-bytes", bad}, func(string) string { return "" }, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--gc-headroom-bytes") {
			t.Fatalf("a headroom of %s: %v", bad, err)
		}
	}
}

// gogcPercent is the GOGC p's metrics report.
func gogcPercent(t *testing.T, p *process) int {
	t.Helper()
	r := testenv.NewClient(t, p.base).Expect(http.StatusOK, "GET", "/metrics", nil)
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_gc_gogc_percent "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no go_gc_gogc_percent in\n%s", r.Body)
	return 0
}
