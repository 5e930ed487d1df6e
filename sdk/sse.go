package sdk

import (
	"bufio"
	"bytes"
	"io"
	"time"
)

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	id, event string
	data      []byte
}

// sseReader parses text/event-stream as the WHATWG spec says, for the
// fields this protocol uses. Lines may be of any length: a snapshot is one
// data line.
type sseReader struct {
	br *bufio.Reader
}

func newSSEReader(r io.Reader) *sseReader { return &sseReader{br: bufio.NewReaderSize(r, 64<<10)} }

// next returns the next event that has data; comments (heartbeats) and
// retry hints are skipped.
func (r *sseReader) next() (sseEvent, error) {
	var ev sseEvent
	var data []byte
	hasData := false
	for {
		line, err := r.br.ReadBytes('\n')
		if err != nil {
			return sseEvent{}, err
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		if len(line) == 0 {
			if hasData {
				ev.data = data
				return ev, nil
			}
			ev = sseEvent{}
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			ev.event = string(value)
		case "id":
			ev.id = string(value)
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data = append(data, value...)
			hasData = true
		}
	}
}

// liveReader resets a watchdog on every read that returns data, so that a
// connection is ended only after ReadTimeout of silence, however long a
// snapshot takes to arrive.
type liveReader struct {
	r     io.Reader
	timer *time.Timer
	d     time.Duration
	got   bool
}

func (l *liveReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		l.got = true
		l.timer.Reset(l.d)
	}
	return n, err
}
