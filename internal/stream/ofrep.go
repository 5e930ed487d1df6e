package stream

import (
	"encoding/json"
	"net/http"

	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/wire"
)

// OFREPHandler serves OFREP's SSE change notifications (ADR 0008) for an
// environment: "message" events whose data is {"type":"refetchEvaluation",
// "etag":"\"<revision>\"","lastModified":<unix seconds>}, with the revision
// as the event id. They carry no flag data, so client keys may use it.
// Events that queue up while a client is slow are coalesced into one. A
// client reconnecting with Last-Event-ID is told to re-fetch at once if
// anything changed since.
func OFREPHandler(hub *Hub, opts Options) http.Handler {
	return &ofrepHandler{hub: hub, o: opts.withDefaults()}
}

type ofrepHandler struct {
	hub *Hub
	o   Options
}

func (h *ofrepHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	env, last, sub, ok := h.o.subscribe(h.hub, w, r)
	if !ok {
		return
	}
	defer sub.Close()
	rev, err := h.o.Revision(r.Context(), env) // also checks that env exists
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var missed *Event
	if replay := sub.Replay(); len(replay) > 0 {
		missed = replay[len(replay)-1]
	} else if last >= 0 && !sub.Resumed() && rev != last {
		missed = &Event{Revision: rev}
	}
	s, err := startSSE(w, &h.o, sub.Resumed())
	if err != nil {
		return
	}
	if missed != nil && h.send(s, env, missed) != nil {
		return
	}
	// One re-fetch covers all the changes that queued up: coalesce.
	h.o.pump(r, s, sub, true, func(ev *Event) error { return h.send(s, env, ev) })
}

func (h *ofrepHandler) send(s *sseWriter, env string, ev *Event) error {
	data := wire.OFREPEvent{Type: wire.OFREPRefetchEvent, ETag: wire.ETag(ev.Revision)}
	if !ev.Time.IsZero() {
		data.LastModified = ev.Time.Unix()
	}
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	if err := s.event(wire.OFREPEventName, ev.Revision, b); err != nil {
		return err
	}
	h.hub.opts.Metrics.observe(env, wire.OFREPRefetchEvent, ev)
	return nil
}
