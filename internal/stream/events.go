package stream

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// EventsHandler serves the management API's change stream for the web UI:
// a "change" event for every revision published to topic, whose id and
// data name the revision and, when the event says, the revision it was made
// on and the names of the flags it created, changed or deleted
// ({"revision": R, "from": F, "flags": ["a"]}): a client at F reads just
// those. A reset or coalesced change names no flags or an older "from". Changes that queue up while the
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
	if err := s.event(EventChange, ev.Revision, changeData(ev)); err != nil {
		return err
	}
	h.hub.opts.Metrics.observe(h.topic, EventChange, ev)
	return nil
}

// maxNamedFlags bounds the flags a change event names; a larger change
// names none, and clients read the whole list instead.
const maxNamedFlags = 100

// changeData is the data of a management change event.
func changeData(ev *Event) []byte {
	b := append([]byte(`{"revision":`), strconv.FormatInt(ev.Revision, 10)...)
	n := len(ev.Upsert) + len(ev.Delete)
	if ev.Reset || ev.From < 0 || n == 0 || n > maxNamedFlags {
		return append(b, '}')
	}
	names := make([]string, 0, n)
	for _, f := range ev.Upsert {
		names = append(names, f.Name)
	}
	names = append(names, ev.Delete...)
	b = append(b, `,"from":`...)
	b = strconv.AppendInt(b, ev.From, 10)
	list, _ := json.Marshal(names) // strings always marshal
	b = append(b, `,"flags":`...)
	return append(append(b, list...), '}')
}
