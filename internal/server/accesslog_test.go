package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"testing"
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
