package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
)

// hostRequest sends method path to p with the Host header host and returns
// the status.
func (p *process) hostRequest(t *testing.T, method, path, host string, headers ...string) int {
	t.Helper()
	req, err := http.NewRequest(method, p.base+path, strings.NewReader(`{"name":"f`+method+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// On loopback the server answers only the loopback names (against DNS
// rebinding), and --allowed-hosts adds names and trusted origins.
func TestAllowedHosts(t *testing.T) {
	p := startMain(t, nil)
	port := p.base[strings.LastIndexByte(p.base, ':'):]
	for host, want := range map[string]int{
		"evil.example" + port: http.StatusForbidden, "flags.example.com": http.StatusForbidden,
		"localhost" + port: http.StatusOK, "127.0.0.1" + port: http.StatusOK, "[::1]" + port: http.StatusOK,
	} {
		if got := p.hostRequest(t, "GET", "/flags", host); got != want {
			t.Errorf("Host %s: %d, want %d", host, got, want)
		}
	}

	p = startMain(t, []string{"FEATUREFLAGS_ALLOWED_HOSTS=flags.example.com, ui.example.com:8443"})
	if got := p.hostRequest(t, "GET", "/flags", "flags.example.com"); got != http.StatusOK {
		t.Errorf("allowed host: %d", got)
	}
	if got := p.hostRequest(t, "POST", "/flags", "localhost"+port, "Origin", "https://ui.example.com:8443", "Sec-Fetch-Site", "cross-site"); got != http.StatusCreated {
		t.Errorf("write from a trusted origin: %d", got)
	}
	if got := p.hostRequest(t, "POST", "/flags", "localhost"+port, "Origin", "https://ui.example.com", "Sec-Fetch-Site", "cross-site"); got != http.StatusForbidden {
		t.Errorf("write from another port of a trusted host: %d", got)
	}

	p = startMain(t, nil, "--allowed-hosts", "*")
	if got := p.hostRequest(t, "GET", "/flags", "anything.example"); got != http.StatusOK {
		t.Errorf("--allowed-hosts '*': %d", got)
	}
}

func TestAllowedHostsInvalid(t *testing.T) {
	for _, bad := range []string{"http://x.example", "x.example/ui", "a b"} {
		_, err := NewMain([]string{"--allowed-hosts", bad}, func(string) string { return "" }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--allowed-hosts") {
			t.Errorf("%q: %v, want an error naming --allowed-hosts", bad, err)
		}
	}
}

// net/http's own error lines (TLS handshakes, accept errors, superfluous
// headers) went to the standard logger in plain text, whatever the log
// format and level; they go through the configured logger.
func TestHTTPErrorLogUsesLogger(t *testing.T) {
	logs := &testenv.Logs{}
	dir := t.TempDir()
	m, err := NewMain([]string{"--listen", "127.0.0.1:0", "--store", dir + "/flags.db", "--log-level", "error"}, func(string) string { return "" }, logs)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.http.ErrorLog == nil {
		t.Fatal("http.Server.ErrorLog is not set: its lines bypass the configured logger")
	}
	m.http.ErrorLog.Print("http: TLS handshake error from 127.0.0.1:1: EOF")
	out := logs.String()
	if !strings.Contains(out, `"level":"ERROR","msg":"http: TLS handshake error`) || strings.Contains(out, `"level":"INFO"`) {
		t.Fatalf("log: %s", out)
	}
}

// Headers over --max-header-bytes were refused by net/http in plain text.
func TestHeaderLimitAnswersJSON(t *testing.T) {
	p := startMain(t, nil, "--max-header-bytes", "1024")
	req, err := http.NewRequest("GET", p.base+"/flags", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Big", strings.Repeat("b", 8000))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge || res.Header.Get("Content-Type") != "application/json" ||
		!strings.Contains(string(body), `"limit":"max-header-bytes"`) || !strings.Contains(string(body), "1024") {
		t.Fatalf("%d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
}
