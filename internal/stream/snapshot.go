package stream

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/wire"
)

// SnapshotHandler serves the SDK snapshot stream (wire.StreamPath): a
// snapshot, or on resume only the changes after Last-Event-ID, then every
// change as it is published, with heartbeats in between. The caller has
// authorised the request for its environment's targeting rules (a server
// key or a reading token, never a client key).
func SnapshotHandler(hub *Hub, opts Options) http.Handler {
	return &snapshotHandler{hub: hub, o: opts.withDefaults()}
}

type snapshotHandler struct {
	hub *Hub
	o   Options
}

func (h *snapshotHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	env, last, sub, ok := h.o.subscribe(h.hub, w, r)
	if !ok {
		return
	}
	defer sub.Close()
	resumed := sub.Resumed() && !slices.ContainsFunc(sub.Replay(), func(e *Event) bool { return e.Reset })
	var first []byte
	sent := last // when resumed, everything up to it is the client's
	if !resumed {
		// Taken after subscribing: events published in between are in the
		// subscription and skipped below when the snapshot has them.
		cfg, err := h.o.Config(r.Context(), env)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		if first, err = json.Marshal(cfg); err != nil {
			httpx.Error(w, r, err)
			return
		}
		sent = cfg.Revision
	}
	s, err := startSSE(w, &h.o, resumed)
	if err != nil {
		return
	}
	m := &h.hub.opts.Metrics
	if first != nil {
		if s.event(wire.EventSnapshot, sent, first) != nil {
			return
		}
		m.observe(env, wire.EventSnapshot, nil)
	} else {
		for _, ev := range sub.Replay() {
			if h.send(r.Context(), s, env, ev, &sent) != nil {
				return
			}
		}
	}
	h.o.pump(r, s, sub, false, func(ev *Event) error { return h.send(r.Context(), s, env, ev, &sent) })
}

var errUnencodable = errors.New("stream: a flag of the change cannot be encoded as JSON")

// send writes ev unless the client already has it; a Reset sends a snapshot.
func (h *snapshotHandler) send(ctx context.Context, s *sseWriter, env string, ev *Event, sent *int64) error {
	m := &h.hub.opts.Metrics
	if ev.Reset {
		if ev.Revision < *sent {
			return nil
		}
		cfg, err := h.o.Config(ctx, env)
		if err != nil {
			return err // the environment is gone, say: the client reconnects and hears why
		}
		data, err := json.Marshal(cfg)
		if err != nil {
			return err
		}
		if err := s.event(wire.EventSnapshot, cfg.Revision, data); err != nil {
			return err
		}
		*sent = cfg.Revision
		m.observe(env, wire.EventSnapshot, ev)
		return nil
	}
	if ev.Revision <= *sent {
		return nil
	}
	data := ev.changeJSON()
	if data == nil {
		return errUnencodable
	}
	if err := s.event(wire.EventChange, ev.Revision, data); err != nil {
		return err
	}
	*sent = ev.Revision
	m.observe(env, wire.EventChange, ev)
	return nil
}
