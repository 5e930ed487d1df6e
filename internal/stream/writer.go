package stream

import (
	"bytes"
	"net"
	"net/http"
	"time"

	"github.com/featureflags/featureflags/wire"
)

// NewWriter returns the Writer of a stream request, and lifts the server's
// read and write deadlines from its connection: a stream sets its own per
// write.
func NewWriter(w http.ResponseWriter, r *http.Request) *Writer {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	return &Writer{w: w, rc: rc, get: r.Method == http.MethodGet}
}

// Writer is the ResponseWriter of an event stream. A stream on an
// HTTP/1.x connection answers 200 and then only writes; when it starts, the
// writer takes the connection over from net/http (Hijack) and writes the
// response itself, unchunked and ended by closing the connection. That
// frees what net/http keeps per connection and request (its buffers, about
// 10 KB, and a goroutine reading the connection), which is most of what
// each of ten thousand open streams would cost. A client that goes away is
// then noticed at the next write, a heartbeat at the latest. Anything else
// (errors, HTTP/2, HEAD) goes through net/http as usual.
type Writer struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	get bool

	conn   net.Conn // once taken over
	header http.Header
	wrote  bool
	err    error // the first write error on conn
}

func (s *Writer) Header() http.Header {
	if s.conn != nil {
		return s.header
	}
	return s.w.Header()
}

func (s *Writer) WriteHeader(status int) {
	if s.wrote {
		return
	}
	s.wrote = true
	h := s.w.Header()
	if status != http.StatusOK || !s.get || h.Get("Content-Type") != wire.ContentTypeSSE {
		s.w.WriteHeader(status)
		return
	}
	conn, rw, err := s.rc.Hijack()
	if err != nil { // HTTP/2, say: stream through net/http
		s.w.WriteHeader(status)
		return
	}
	_ = rw // holds nothing a GET stream needs; dropping it frees its buffers
	_ = conn.SetDeadline(time.Time{})
	s.conn, s.header = conn, h.Clone()
	s.header.Set("Connection", "close")
	s.header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\n")
	_ = s.header.Write(&b)
	b.WriteString("\r\n")
	_, s.err = conn.Write(b.Bytes())
}

func (s *Writer) Write(p []byte) (int, error) {
	if !s.wrote {
		s.WriteHeader(http.StatusOK)
	}
	if s.conn == nil {
		return s.w.Write(p)
	}
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.conn.Write(p)
	if err != nil {
		s.err = err
	}
	return n, err
}

// FlushError flushes; a connection taken over is written unbuffered.
func (s *Writer) FlushError() error {
	if s.conn == nil {
		return s.rc.Flush()
	}
	return s.err
}

func (s *Writer) SetWriteDeadline(t time.Time) error {
	if s.conn == nil {
		return s.rc.SetWriteDeadline(t)
	}
	return s.conn.SetWriteDeadline(t)
}

func (s *Writer) SetReadDeadline(t time.Time) error {
	if s.conn == nil {
		return s.rc.SetReadDeadline(t)
	}
	return s.conn.SetReadDeadline(t)
}

// Close ends the response of a connection taken over; call it when the
// stream ends.
func (s *Writer) Close() {
	if s.conn != nil {
		s.conn.Close()
	}
}
