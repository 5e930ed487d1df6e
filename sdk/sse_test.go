package sdk

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestSSEReader(t *testing.T) {
	in := "retry: 2000\n\n: hb\n\nid: 1\r\nevent: snapshot\r\ndata: {\"a\":\r\ndata:1}\r\n\r\n" +
		"data: no event name\nunknown: x\n\nid: 2\nevent: change\n\n" + // no data: not dispatched
		"event: change\ndata:" + strings.Repeat("x", 200<<10) + "\n\nid: 3\nevent: change\ndata: cut"
	r := newSSEReader(strings.NewReader(in))
	for i, want := range []sseEvent{
		{id: "1", event: "snapshot", data: []byte("{\"a\":\n1}")},
		{data: []byte("no event name")},
		{event: "change", data: []byte(strings.Repeat("x", 200<<10))},
	} {
		ev, err := r.next()
		if err != nil || ev.id != want.id || ev.event != want.event || string(ev.data) != string(want.data) {
			t.Fatalf("event %d: %q %q %.40q %v", i, ev.id, ev.event, ev.data, err)
		}
	}
	if _, err := r.next(); !errors.Is(err, io.EOF) { // an unterminated event is not dispatched
		t.Fatalf("after the last event: %v", err)
	}
}
