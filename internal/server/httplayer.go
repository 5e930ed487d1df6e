package server

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"

	"github.com/featureflags/featureflags/internal/httpx"
)

// Errors net/http answers itself. Before a handler runs, net/http refuses
// requests it cannot parse (headers over MaxHeaderBytes, malformed framing,
// a missing Host) with a canned plain-text answer written straight to the
// connection. Listener rewrites those answers as JSON, like every other
// error of the API.

// LimitHeaderBytes names the limit on request headers, as the command line
// does.
const LimitHeaderBytes = "max-header-bytes"

// cannedHeaders ends the header of every answer net/http writes itself.
const cannedHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// Listener returns ln whose connections answer net/http's own errors as
// JSON; maxHeaderBytes is the server's MaxHeaderBytes, for the message.
func Listener(ln net.Listener, maxHeaderBytes int) net.Listener {
	return &jsonErrListener{Listener: ln, maxHeader: maxHeaderBytes}
}

type jsonErrListener struct {
	net.Listener
	maxHeader int
}

func (l *jsonErrListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrConn{Conn: c, maxHeader: l.maxHeader}, nil
}

type jsonErrConn struct {
	net.Conn
	maxHeader int
}

// Write passes p on, unless it is one of net/http's canned answers, which
// it rewrites.
func (c *jsonErrConn) Write(p []byte) (int, error) {
	if out, ok := rewriteCanned(p, c.maxHeader); ok {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// rewriteCanned turns a whole canned answer "HTTP/1.1 <status> <text>"
// + cannedHeaders + "<body>" into the same status with a JSON body.
func rewriteCanned(p []byte, maxHeader int) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !ok || len(p) > 1024 || len(rest) == 0 || (rest[0] != '4' && rest[0] != '5') {
		return nil, false // most often a handler's answer, seen at its first digit
	}
	statusLine, body, ok := bytes.Cut(rest, []byte(cannedHeaders))
	if !ok || len(statusLine) < 4 || bytes.ContainsAny(body, "\r\n") || bytes.ContainsAny(statusLine, "\r\n") {
		return nil, false
	}
	code, err := strconv.Atoi(string(statusLine[:3]))
	if err != nil || code < 400 {
		return nil, false
	}
	detail := "malformed request"
	if _, d, ok := bytes.Cut(body, []byte(": ")); ok {
		detail = string(d)
	}
	e := httpx.ErrorBody{Error: "the request is not valid HTTP (" + detail + "); the server could not read it"}
	switch code {
	case 431:
		e = httpx.ErrorBody{Limit: LimitHeaderBytes, Error: "the request headers are larger than the limit of " +
			strconv.Itoa(maxHeader) + " bytes (limit " + LimitHeaderBytes + ")"}
	case 501:
		e.Error = "the request's Transfer-Encoding is not supported; send the body with Content-Length or chunked"
	}
	b, _ := json.Marshal(e)
	out := make([]byte, 0, 200+len(b))
	out = append(out, "HTTP/1.1 "...)
	out = append(out, statusLine[:3]...)
	out = append(out, ' ')
	out = append(out, http.StatusText(code)...)
	out = append(out, "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(b)+1), 10)
	out = append(out, "\r\n\r\n"...)
	out = append(append(out, b...), '\n')
	return out, true
}
