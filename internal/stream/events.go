package stream

import (
	"net/http"
	"strconv"
)

// EventsHandler serves the management API's change stream for the web UI:
// a "change" event for every revision published to topic, whose id and
// data name the revision ({"revision": R}). Changes that queue up while the
// client is slow are coalesced into the latest. A client reconnecting with
// Last-Event-ID hears at once of the current revision, if revision knows it
// and it differs. The caller has authorised the request.
func EventsHandler(hub *Hub, topic string, revision func() (int64, bool), opts Options) http.Handler {
	return &eventsHandler{hub: hub, topic: topic, revision: revision, o: opts.withDefaults()}
}

// EventChange is the name of the change stream's events.
const EventChange = "change"

type eventsHandler struct {
	hub      *Hub
	topic    string
	revision func() (int64, bool)
	o        Options
}

func (h *eventsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	last := lastEventID(r)
	sub := h.hub.Subscribe(h.topic, -1)
	defer sub.Close()
	s, err := startSSE(w, &h.o, false)
	if err != nil {
		return
	}
	if rev, ok := h.revision(); ok && last >= 0 && rev != last {
		if h.send(s, &Event{Revision: rev}) != nil {
			return
		}
	}
	h.o.pump(r, s, sub, true, func(ev *Event) error { return h.send(s, ev) })
}

func (h *eventsHandler) send(s *sseWriter, ev *Event) error {
	id := strconv.FormatInt(ev.Revision, 10)
	if err := s.event(EventChange, ev.Revision, []byte(`{"revision":`+id+`}`)); err != nil {
		return err
	}
	h.hub.opts.Metrics.observe(h.topic, EventChange, ev)
	return nil
}
