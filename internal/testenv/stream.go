package testenv

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/wire"
)

// Event is one server-sent event.
type Event struct {
	ID, Event, Data string
}

// Stream is an open event stream, read by a goroutine.
type Stream struct {
	Resp   *http.Response
	events chan Event
	cancel context.CancelFunc
	err    error // why reading ended; set before events closes
}

// Connect opens the event stream at url with the given header pairs and
// fails the test unless it answers 200 with text/event-stream. It is closed
// when the test ends.
func Connect(t testing.TB, url string, headers ...string) *Stream {
	t.Helper()
	s, status, body := Dial(t, url, headers...)
	if s == nil {
		t.Fatalf("GET %s: %d %s", url, status, body)
	}
	return s
}

// Dial opens the event stream at url; when it does not answer 200 with
// text/event-stream it returns nil with the status and body.
func Dial(t testing.TB, url string, headers ...string) (*Stream, int, []byte) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", wire.ContentTypeSSE)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", url, err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != wire.ContentTypeSSE {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		cancel()
		return nil, res.StatusCode, body
	}
	s := &Stream{Resp: res, events: make(chan Event, 1<<14), cancel: cancel}
	go s.read()
	t.Cleanup(s.Close)
	return s, res.StatusCode, nil
}

// Close closes the stream.
func (s *Stream) Close() {
	s.cancel()
	s.Resp.Body.Close()
}

func (s *Stream) read() {
	defer close(s.events)
	br := bufio.NewReaderSize(s.Resp.Body, 1<<16)
	var ev Event
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			s.err = err
			return
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if ev.Event != "" || ev.Data != "" {
				s.events <- ev
			}
			ev = Event{}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			ev.ID = value
		case "event":
			ev.Event = value
		case "data":
			ev.Data += value
		}
	}
}

// Next returns the next event (not a heartbeat or retry hint).
func (s *Stream) Next(t testing.TB) Event {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatalf("the stream ended: %v", s.err)
		}
		return ev
	case <-time.After(Wait):
		t.Fatal("no event in time")
	}
	return Event{}
}

// Until returns the first event for which ok is true, skipping others.
func (s *Stream) Until(t testing.TB, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.After(Wait)
	for {
		select {
		case ev, open := <-s.events:
			if !open {
				t.Fatalf("the stream ended: %v", s.err)
			}
			if ok(ev) {
				return ev
			}
		case <-deadline:
			t.Fatal("no such event in time")
		}
	}
}

// Ended waits for the stream to end, skipping events.
func (s *Stream) Ended(t testing.TB) {
	t.Helper()
	deadline := time.After(Wait)
	for {
		select {
		case _, open := <-s.events:
			if !open {
				return
			}
		case <-deadline:
			t.Fatal("the stream did not end")
		}
	}
}

// Change decodes a change event of the SDK stream.
func Change(t testing.TB, ev Event) wire.Change {
	t.Helper()
	return decode[wire.Change](t, ev, wire.EventChange)
}

// Snapshot decodes a snapshot event of the SDK stream.
func Snapshot(t testing.TB, ev Event) wire.Config {
	t.Helper()
	return decode[wire.Config](t, ev, wire.EventSnapshot)
}

// decode decodes the data of ev, failing unless it is an event of kind.
func decode[T any](t testing.TB, ev Event, kind string) T {
	t.Helper()
	var v T
	if ev.Event != kind || json.Unmarshal([]byte(ev.Data), &v) != nil {
		t.Fatalf("not a %s: %+v", kind, ev)
	}
	return v
}

// Has reports whether ev, a snapshot or change, carries flag with the
// state on in env.
func Has(ev Event, flag, env string, on bool) bool {
	var body struct {
		Flags  []*ff.Flag `json:"flags"`
		Upsert []*ff.Flag `json:"upsert"`
	}
	if json.Unmarshal([]byte(ev.Data), &body) != nil {
		return false
	}
	for _, f := range append(body.Flags, body.Upsert...) {
		if f != nil && f.Name == flag {
			state, ok := f.Environments[env]
			return ok && state == on
		}
	}
	return false
}
