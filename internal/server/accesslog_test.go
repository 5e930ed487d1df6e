package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/logbuf"
)

func TestTraceID(t *testing.T) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	for header, want := range map[string]string{
		"00-" + id + "-00f067aa0ba902b7-01":          id,
		"01-" + id + "-00f067aa0ba902b7-01-whatever": id, // a later version may add fields
		"":                                    "",
		"00-" + id + "-00f067aa0ba902b7-01-x": "", // version 00 has exactly four fields
		"ff-" + id + "-00f067aa0ba902b7-01":   "", // version ff is invalid
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01": "",
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01": "", // upper case
		"00-" + id + "_00f067aa0ba902b7-01":                       "",
		"00-" + id[:31] + "g-00f067aa0ba902b7-01":                 "",
		"00-" + id + "-00f067aa0ba902bz-01":                       "",
	} {
		if got := traceID(header); got != want {
			t.Errorf("traceID(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestClientAddress(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 127.0.0.1,::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		trusted   bool
		remote    string
		forwarded []string
		want      string
	}{
		{false, "10.1.2.3:5000", []string{"203.0.113.9"}, "10.1.2.3"},                      // no trusted proxies configured
		{true, "198.51.100.7:5000", []string{"203.0.113.9"}, "198.51.100.7"},               // peer not trusted
		{true, "10.1.2.3:5000", []string{"203.0.113.9"}, "203.0.113.9"},                    // one trusted proxy
		{true, "10.1.2.3:5000", []string{"1.1.1.1, 203.0.113.9, 10.9.9.9"}, "203.0.113.9"}, // spoofed left part ignored
		{true, "10.1.2.3:5000", []string{"1.1.1.1", "203.0.113.9"}, "203.0.113.9"},         // several headers
		{true, "10.1.2.3:5000", []string{"10.4.4.4"}, "10.4.4.4"},                          // all trusted: the farthest
		{true, "10.1.2.3:5000", nil, "10.1.2.3"},                                           // no header
		{true, "10.1.2.3:5000", []string{"not-an-ip"}, "10.1.2.3"},                         // malformed
		{true, "[::1]:5000", []string{"2001:db8::1"}, "2001:db8::1"},                       // IPv6
	} {
		var a proxies
		if c.trusted {
			a = trusted
		}
		r := httptest.NewRequest("GET", "/flags", nil)
		r.RemoteAddr = c.remote
		for _, f := range c.forwarded {
			r.Header.Add("X-Forwarded-For", f)
		}
		if got := a.client(r); got != c.want {
			t.Errorf("client(remote %s, X-Forwarded-For %q) = %q, want %q", c.remote, c.forwarded, got, c.want)
		}
	}
}

func TestParseTrustedProxiesRejects(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "nonsense", "10.0.0/8"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) succeeded", bad)
		}
	}
}

// TestAccessLogLine asserts every field of the request log line, and that
// 5xx answers are logged at error level and others at info.
func TestAccessLogLine(t *testing.T) {
	var buf bytes.Buffer
	trusted, _ := ParseTrustedProxies("127.0.0.0/8")
	a := newAccessLog(slog.New(slog.NewJSONHandler(&buf, nil)), "1.2.3", trusted)
	r := httptest.NewRequest("POST", "/flags/x/toggle?environment=production", nil)
	r.RemoteAddr = "127.0.0.1:41000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	r.Header.Set("User-Agent", "curl/8.0")
	r.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	for status, level := range map[int]string{200: "INFO", 404: "INFO", 503: "ERROR"} {
		buf.Reset()
		a.write(r.Context(), r, entry{route: "/flags/{id}/toggle", id: "req-1", actor: "tok_1", status: status, bytes: 42})
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("%v: %s", err, buf.Bytes())
		}
		want := map[string]any{
			"level": level, "msg": "request", "service": "featureflags", "version": "1.2.3",
			"method": "POST", "route": "/flags/{id}/toggle", "path": "/flags/x/toggle", "status": float64(status),
			"bytes": float64(42), "request_id": "req-1", "token_id": "tok_1", "client": "203.0.113.9",
			"user_agent": "curl/8.0", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
		}
		for k, v := range want {
			if line[k] != v {
				t.Errorf("status %d: %s = %v, want %v", status, k, line[k], v)
			}
		}
		if _, ok := line["duration_ms"]; !ok {
			t.Errorf("status %d: no duration_ms in %s", status, buf.Bytes())
		}
	}
}

// TestAccessLogDirect holds the line appended by hand for logbuf's JSON
// handler to the one slog writes from the same request, byte for byte
// but for the time, with strings that need escaping and durations of
// every size; error lines still go through slog, and so are flushed.
func TestAccessLogDirect(t *testing.T) {
	var direct, viaSlog bytes.Buffer
	w := logbuf.New(&direct)
	defer w.Close()
	trusted, _ := ParseTrustedProxies("127.0.0.0/8")
	const version = `1.2.3 "dev"`
	fast := newAccessLog(slog.New(logbuf.JSONHandler(w, nil)), version, trusted)
	slow := newAccessLog(slog.New(slog.NewJSONHandler(&viaSlog, nil)), version, trusted)
	if fast.direct == nil || slow.direct != nil {
		t.Fatal("the direct path is not chosen by the handler")
	}
	r := httptest.NewRequest("GET", "/flags/x", nil)
	r.URL.Path = "/flags/\"q\"\\<tag>&\x01\t\n\u2028é\xff"
	r.RemoteAddr = "127.0.0.1:41000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	r.Header.Set("User-Agent", "agent/1 (\u2029; \x7f)")
	for i, e := range []entry{
		{route: "/flags/{id}", id: "req-1", status: 200, bytes: 0, elapsed: 0, start: time.Date(2026, 12, 3, 19, 0, 0, 0, time.UTC)},
		{route: "/flags/{id}", id: "req<2>", actor: "tok_1", status: 404, bytes: 93, elapsed: time.Microsecond, start: time.Date(2026, 12, 3, 19, 0, 0, 1, time.UTC)},
		{route: "/ofrep/v1/evaluate/flags/{key}", id: "r", status: 200, bytes: 1 << 40, elapsed: 1234567 * time.Microsecond, start: time.Date(2026, 12, 3, 19, 0, 1, 234567000, time.FixedZone("", 3600))},
		{route: "unmatched", id: "r", status: 429, bytes: 5, elapsed: 3 * time.Hour, start: time.Now()},
	} {
		if i%2 == 1 {
			r.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		} else {
			r.Header.Del("Traceparent")
		}
		direct.Reset()
		viaSlog.Reset()
		fast.write(r.Context(), r, e)
		slow.write(r.Context(), r, e)
		if direct.Len() != 0 {
			t.Fatalf("an info line was written before the batch: %s", direct.Bytes())
		}
		w.Flush()
		got, gotTime := cutTime(t, direct.String())
		want, _ := cutTime(t, viaSlog.String())
		if got != want {
			t.Errorf("entry %d:\n got %s\nwant %s", i, got, want)
		}
		end := e.start.Add(e.elapsed)
		if at, err := time.Parse(time.RFC3339Nano, gotTime); err != nil || !at.Equal(end) {
			t.Errorf("entry %d: time %q (%v), want the request's end %s", i, gotTime, err, end.Format(time.RFC3339Nano))
		}
	}
	direct.Reset()
	fast.write(r.Context(), r, entry{route: "/flags", id: "r", status: 503})
	if !bytes.Contains(direct.Bytes(), []byte(`"level":"ERROR"`)) {
		t.Errorf("an error line is not written at once: %q", direct.Bytes())
	}
}

// cutTime returns line without its time's value, and that value.
func cutTime(t *testing.T, line string) (string, string) {
	t.Helper()
	const key = `{"time":"`
	rest, ok := strings.CutPrefix(line, key)
	end := strings.IndexByte(rest, '"')
	if !ok || end < 0 {
		t.Fatalf("no time in %q", line)
	}
	return key + rest[end:], rest[:end]
}

// BenchmarkAccessLogLine measures one evaluation's log line through slog's
// JSON handler and appended by hand, both into logbuf's batches.
func BenchmarkAccessLogLine(b *testing.B) {
	r := httptest.NewRequest("POST", "/ofrep/v1/evaluate/flags/flag-00000", nil)
	r.Header.Set("User-Agent", "OpenFeature-Go/1.0")
	e := entry{route: "/ofrep/v1/evaluate/flags/{key}", id: "0123456789abcdef01234567", status: 200, bytes: 93, elapsed: 42 * time.Microsecond, start: time.Now()}
	for name, direct := range map[string]bool{"slog": false, "direct": true} {
		b.Run(name, func(b *testing.B) {
			w := logbuf.New(io.Discard)
			defer w.Close()
			h := logbuf.Handler(slog.NewJSONHandler(w, nil), w)
			if direct {
				h = logbuf.JSONHandler(w, nil)
			}
			a := newAccessLog(slog.New(h), "1.0.0", nil)
			b.ReportAllocs()
			for b.Loop() {
				a.write(r.Context(), r, e)
			}
		})
	}
}

// TestAccessLogTime: the line of a served request, appended by hand, is
// dated by the request's end, which the middleware takes from its start
// and duration rather than reading the clock again.
func TestAccessLogTime(t *testing.T) {
	var out bytes.Buffer
	logs := logbuf.New(&out)
	defer logs.Close()
	s, _ := newBenchServer(t, false, slog.New(logbuf.JSONHandler(logs, nil)), 1)
	before := time.Now()
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/flags", nil))
	after := time.Now()
	logs.Flush()
	line := out.String()
	if !strings.Contains(line, `"route":"/flags"`) {
		t.Fatalf("no line for the request: %q", line)
	}
	_, at := cutTime(t, line[strings.LastIndex(line[:len(line)-1], "\n")+1:])
	end, err := time.Parse(time.RFC3339Nano, at)
	if err != nil || end.Before(before) || end.After(after) {
		t.Fatalf("the line's time %q (%v) is not within the request (%s to %s)", at, err, before.Format(time.RFC3339Nano), after.Format(time.RFC3339Nano))
	}
}

// TestAppendTimeAndMS holds the log line's hand-made time and duration to
// time.RFC3339Nano and strconv's shortest 'f' format, over zones, seconds
// that repeat and change, and fractions with and without trailing zeros.
func TestAppendTimeAndMS(t *testing.T) {
	a := newAccessLog(slog.New(logbuf.JSONHandler(logbuf.New(io.Discard), nil)), "1", nil)
	rng := rand.New(rand.NewPCG(1, 2))
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("", -(9*3600 + 30*60)), time.FixedZone("", 5*3600+45*60)}
	base := time.Date(2026, 12, 3, 19, 0, 0, 0, time.UTC)
	for i := range 20000 {
		ns := []int{0, 1, 100, 999999999, rng.IntN(1e9), rng.IntN(1000) * 1e6}[i%6]
		at := base.Add(time.Duration(rng.IntN(3))*time.Second + time.Duration(ns)).In(zones[i/5000])
		if got, want := string(a.appendTime(nil, at)), at.Format(time.RFC3339Nano); got != want {
			t.Fatalf("time %s, want %s", got, want)
		}
		d := []time.Duration{0, time.Microsecond, 999 * time.Microsecond, -1500 * time.Microsecond, time.Duration(rng.Int64N(int64(time.Hour))), time.Duration(rng.Int64N(1 << 62))}[i%6]
		if got, want := string(appendMS(nil, d)), strconv.FormatFloat(durationMS(d), 'f', -1, 64); got != want {
			t.Fatalf("duration %v: %s ms, want %s", d, got, want)
		}
	}
}
