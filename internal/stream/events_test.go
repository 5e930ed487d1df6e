package stream

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/featureflags/featureflags/wire"
)

// TestEventsHandler: the management change stream names each published
// revision, tells a reconnecting client at once of a revision it missed,
// and reports each event to the metrics under its topic.
func TestEventsHandler(t *testing.T) {
	const topic = ""
	sent := make(chan [2]string, 16)
	h := NewHub(HubOptions{Metrics: Metrics{EventSent: func(topic, event string) { sent <- [2]string{topic, event} }}})
	rev := int64(1)
	srv := httptest.NewServer(EventsHandler(h, topic, func() (int64, bool) { return rev, true }, Options{}))
	t.Cleanup(srv.Close)
	t.Cleanup(h.Close)

	resumed := connect(t, srv.URL, "", wire.HeaderLastEventID, "0")
	if ev := resumed.next(t); ev.event != EventChange || ev.id != "1" || ev.data != `{"revision":1}` {
		t.Fatalf("on reconnecting after revision 0: %+v", ev)
	}
	fresh := connect(t, srv.URL, "")
	h.Publish(topic, Event{Revision: 2, Time: time.Now()})
	for _, s := range []*stream{resumed, fresh} {
		if ev := s.next(t); ev.event != EventChange || ev.id != "2" || ev.data != `{"revision":2}` {
			t.Fatalf("after revision 2: %+v", ev)
		}
	}
	for range 3 {
		if got, _ := recv(t, sent); got != [2]string{topic, EventChange} {
			t.Fatalf("metrics: %v", got)
		}
	}
}
