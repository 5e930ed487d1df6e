package server_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
)

// rawServer serves s's API through server.Listener with small header and
// body limits, as `featureflags serve` does, and returns its address.
func rawServer(t *testing.T) string {
	s := testenv.Start(t, testenv.WithConfig(func(c *server.Config) { c.MaxBodyBytes = 1024 }))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: s.API(), MaxHeaderBytes: 1024}
	go hs.Serve(server.Listener(ln, 1024))
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// exchange writes raw to a new connection and reads every answer until
// the server closes it (or after the first when one is enough).
func exchange(t *testing.T, addr, raw string) (first string, res *http.Response) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	line, err := br.Peek(12)
	if err != nil {
		t.Fatal(err)
	}
	res, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(line), res
}

// expectJSONError checks an error answer: status, JSON type and a body
// {"error"} with limit when one is named.
func expectJSONError(t *testing.T, what string, res *http.Response, status int, limit string) {
	t.Helper()
	defer res.Body.Close()
	var body struct{ Error, Limit string }
	err := json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != status || res.Header.Get("Content-Type") != "application/json" || err != nil || body.Error == "" || body.Limit != limit {
		t.Errorf("%s: %d %s %+v (%v), want %d JSON with limit %q", what, res.StatusCode, res.Header.Get("Content-Type"), body, err, status, limit)
	}
}

// net/http answered these itself, in plain text, before any handler ran.
func TestHTTPLayerErrorsAreJSON(t *testing.T) {
	addr := rawServer(t)
	big := "GET /flags HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 10000) + "\r\n\r\n"
	_, res := exchange(t, addr, big)
	expectJSONError(t, "headers too large", res, 431, "max-header-bytes")
	_, res = exchange(t, addr, "GET /flags HTTP/1.1\r\n\r\n")
	expectJSONError(t, "no Host", res, 400, "")
	_, res = exchange(t, addr, "NONSENSE\r\n\r\n")
	expectJSONError(t, "no request line", res, 400, "")
	_, res = exchange(t, addr, "POST /flags HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
	expectJSONError(t, "two lengths", res, 400, "")
	_, res = exchange(t, addr, "POST /flags HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")
	expectJSONError(t, "unknown transfer encoding", res, 501, "")

	// After a good request on the same connection, too.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	ok, err := http.ReadResponse(br, nil)
	if err != nil || ok.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", ok, err)
	}
	io.Copy(io.Discard, ok.Body)
	io.WriteString(c, big)
	res, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	expectJSONError(t, "second request too large", res, 431, "max-header-bytes")
}

// A client that asks before sending a body over the limit is refused at
// once, without "100 Continue".
func TestExpectContinueOverLimit(t *testing.T) {
	addr := rawServer(t)
	for _, path := range []string{"/flags", "/tokens", "/segments"} {
		first, res := exchange(t, addr, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
			"Content-Length: 5000000\r\nExpect: 100-continue\r\n\r\n")
		if strings.HasPrefix(first, "HTTP/1.1 100") {
			t.Errorf("%s: the server asked for the body", path)
		}
		expectJSONError(t, path, res, 413, "max-body-bytes")
	}
}
