package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
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
