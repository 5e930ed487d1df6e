package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
)

// A web page can send a "simple" cross-origin POST (text/plain or a form)
// without a preflight; without a token the server would act on it.
func TestSimpleCrossOriginWritesRefused(t *testing.T) {
	s := testenv.Start(t)
	for _, tc := range []struct{ path, ct, body string }{
		{"/flags", "text/plain", `{"name":"evil"}`},
		{"/tokens", "text/plain;charset=UTF-8", `{"name":"evil","role":"admin"}`},
		{"/tokens", "application/x-www-form-urlencoded", `name=evil&role=admin`},
		{"/environments", "multipart/form-data; boundary=x", "--x--"},
		{"/flags", "", `{"name":"evil"}`},
	} {
		r := s.Client.Do("POST", tc.path, tc.body, "Content-Type", tc.ct)
		if r.Status != http.StatusUnsupportedMediaType || !strings.Contains(string(r.Body), "application/json") {
			t.Errorf("POST %s as %q: %d %s, want 415 naming application/json", tc.path, tc.ct, r.Status, r.Body)
		}
	}
	var flags []json.RawMessage
	s.Client.Expect(http.StatusOK, "GET", "/flags", nil).JSON(t, &flags)
	if len(flags) != 0 || s.Svc.AuthRequired() {
		t.Fatalf("refused writes changed something: %d flags, access control %v", len(flags), s.Svc.AuthRequired())
	}
}

// A bodiless POST (no Content-Type at all) is a write too.
func TestBodilessPostRefused(t *testing.T) {
	s := testenv.Start(t)
	s.Client.Expect(http.StatusCreated, "POST", "/flags", map[string]string{"name": "f"})
	s.Client.Expect(http.StatusUnsupportedMediaType, "POST", "/flags/f/toggle", nil)
	s.Client.Expect(http.StatusNoContent, "DELETE", "/flags/f", nil)
}

func TestCrossOriginWritesRefused(t *testing.T) {
	s := testenv.Start(t, testenv.WithConfig(func(c *server.Config) { c.TrustedOrigins = []string{"ui.example.com"} }))
	body := map[string]string{"name": "f"}
	for _, h := range [][]string{
		{"Origin", "http://evil.example"},
		{"Origin", "null"},
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
	} {
		r := s.Client.Expect(http.StatusForbidden, "POST", "/flags", body, h...)
		if !strings.Contains(string(r.Body), "allowed-hosts") {
			t.Errorf("%v: %s does not name allowed-hosts", h, r.Body)
		}
	}
	s.Client.Expect(http.StatusForbidden, "DELETE", "/flags/f", nil, "Sec-Fetch-Site", "cross-site")
	// The server's own pages, a trusted origin and non-browsers may write.
	s.Client.Expect(http.StatusCreated, "POST", "/flags", body, "Origin", s.URL())
	s.Client.Expect(http.StatusCreated, "POST", "/flags", map[string]string{"name": "g"}, "Origin", "https://ui.example.com")
	s.Client.Expect(http.StatusOK, "POST", "/flags/g/toggle", map[string]string{"environment": "production"}, "Sec-Fetch-Site", "same-origin")
	// Reads and OFREP, open to every origin, are unaffected.
	s.Client.Expect(http.StatusOK, "GET", "/flags", nil, "Origin", "http://evil.example")
	r := s.Client.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/f", `{"context":{}}`,
		"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site")
	if r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("OFREP lost its CORS header: %v", r.Header)
	}
}

// DNS rebinding: the attacker's name resolves to 127.0.0.1, so the browser
// sends it in Host.
func TestHostAllowList(t *testing.T) {
	s := testenv.Start(t, testenv.WithConfig(func(c *server.Config) { c.AllowedHosts = []string{"127.0.0.1", "localhost", "::1"} }))
	send := func(host, method, body string) (int, string) {
		req, err := http.NewRequest(method, s.URL()+"/flags", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, host := range []string{"evil.example:8080", "evil.example", "127.0.0.1.evil.example"} {
		for _, m := range []string{"GET", "POST"} {
			status, body := send(host, m, `{"name":"evil"}`)
			if status != http.StatusForbidden || !strings.Contains(body, `"limit":"allowed-hosts"`) {
				t.Errorf("%s with Host %q: %d %s, want 403 naming allowed-hosts", m, host, status, body)
			}
		}
	}
	for _, host := range []string{"localhost:8080", "LOCALHOST", "[::1]:80", s.URL()[len("http://"):]} {
		if status, body := send(host, "GET", ""); status != http.StatusOK {
			t.Errorf("GET with Host %q: %d %s", host, status, body)
		}
	}
}

func TestValidateOrigin(t *testing.T) {
	for _, ok := range []string{"flags.example.com", "flags.example.com:8443", "10.0.0.5", "[::1]:8080"} {
		if err := server.ValidateOrigin(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "http://x", "x/y", "a b", "*"} {
		if server.ValidateOrigin(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
