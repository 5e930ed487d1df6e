package server

// Live updates: the routes that push changes as they are committed.
//
//   - GET /sdk/v1/stream: the SDK snapshot stream (package wire): a
//     snapshot of the environment, then every change. Server keys (of
//     their environment) and viewer, editor and admin tokens: it carries
//     targeting rules, so client keys get 403.
//   - GET /sdk/v1/config: the same snapshot for polling, with ETag.
//   - GET /ofrep/v1/events: OFREP's change notifications (refetchEvaluation
//     messages, no flag data): anyone who may evaluate.
//   - GET /events: the management API's change stream, for the web UI:
//     "change" events whose data is {"revision": R}. Viewers and above.
//
// One hub per server fans the service's changes out (see Publish), never
// waiting for a stream: a subscriber that falls behind is dropped and its
// client reconnects. Streams read the service's latest view, never the
// store, so they keep working while the database is away.

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/stream"
	"github.com/featureflags/featureflags/internal/view"
	"github.com/featureflags/featureflags/wire"
)

// The kinds of stream, as the metrics label them.
const (
	streamSDK    = "sdk"
	streamOFREP  = "ofrep"
	streamEvents = "events"
)

// EventsPath is the management change stream's route.
const EventsPath = "/events"

// manageTopic is the hub topic of /events: no environment has an empty
// name, and the stream handlers refuse one.
const manageTopic = ""

// eventStreamsJSON is the eventStreams member of bulk OFREP answers: where
// providers hear of changes (OFREP's ADR 0008), relative to the OFREP base
// URL's origin.
const eventStreamsJSON = `"eventStreams":[{"type":"sse","endpoint":{"requestUri":"` + wire.OFREPEventsPath + `"}}]`

// live is a server's streams: the hub, the handlers and what they share.
type live struct {
	svc     *service.Service
	metrics *metrics
	hub     *stream.Hub
	proxies proxies // name the client for the per-address stream limits
	opts    stream.Options
	remove  func() // stops publishing

	snapshot, config, ofrep, events http.Handler

	// The Config of each environment at cacheRev, built once per revision
	// however many streams ask.
	mu       sync.Mutex
	cacheRev int64
	configs  map[string]*wire.Config

	known revisionSet

	// slots bound the open streams (stream.Limits).
	slots *stream.Slots

	// Open streams by the hash of the token they were opened with ("" for
	// none, while access control is off), ended when it stops being valid.
	streamsMu sync.Mutex
	byToken   map[string]map[*context.CancelFunc]struct{}
}

// newLive makes a server's hub and stream handlers and starts publishing
// the service's changes to them.
func newLive(svc *service.Service, m *metrics, heartbeat time.Duration, limits stream.Limits, trusted proxies) *live {
	l := &live{svc: svc, metrics: m, proxies: trusted, byToken: map[string]map[*context.CancelFunc]struct{}{}, slots: stream.NewSlots(limits)}
	bind := func(kind, event string) func() { return m.streamEvents.WithLabelValues(kind, event).Inc }
	incSnapshot, incChange, incRefetch := bind(streamSDK, wire.EventSnapshot), bind(streamSDK, wire.EventChange), bind(streamOFREP, wire.OFREPRefetchEvent)
	incManage := bind(streamEvents, stream.EventChange)
	l.hub = stream.NewHub(stream.HubOptions{Metrics: stream.Metrics{
		EventSent: func(topic, event string) {
			switch {
			case topic == manageTopic:
				incManage()
			case event == wire.EventSnapshot:
				incSnapshot()
			case event == wire.EventChange:
				incChange()
			case event == wire.OFREPRefetchEvent:
				incRefetch()
			}
		},
		Dropped: func(string) { m.streamDropped.Inc() },
		Lag:     func(d time.Duration) { m.streamLag.Observe(d.Seconds()) },
	}})
	l.opts = stream.Options{Config: l.configOf, Revision: l.revisionOf, Heartbeat: heartbeat}
	l.snapshot = stream.SnapshotHandler(l.hub, l.opts)
	l.config = stream.ConfigHandler(l.opts)
	l.ofrep = stream.OFREPHandler(l.hub, l.opts)
	l.events = stream.EventsHandler(l.hub, manageTopic, l.latestRevision, l.opts)
	l.remove = svc.AddPublisher(l)
	if v, ok := svc.Live(); ok {
		l.known.add(v.Revision)
	}
	return l
}

// close ends every stream and stops publishing.
func (l *live) close() {
	l.remove()
	l.hub.Close()
}

// Publish passes one change of the service's view on to the hub: the flags
// it touched, projected to each environment, or a reset; and its revision
// to /events. The service calls it in revision order, after the view shows
// the change.
func (l *live) Publish(c *view.Change) {
	l.known.add(c.From)
	l.known.add(c.Revision)
	switch {
	case c.Reset:
		l.hub.PublishReset(c.Environments, c.Revision, c.Time)
	case len(c.Upsert) == 1 && len(c.Delete) <= 1: // created, changed or renamed
		old := ""
		if len(c.Delete) == 1 {
			old = c.Delete[0]
		}
		l.hub.PublishFlag(c.Environments, c.Revision, c.Time, old, c.Upsert[0])
	case len(c.Upsert) == 0 && len(c.Delete) == 1: // deleted
		l.hub.PublishFlag(c.Environments, c.Revision, c.Time, c.Delete[0], nil)
	case len(c.Upsert) > 0 || len(c.Delete) > 0: // several, from other replicas
		for _, env := range c.Environments {
			ev := stream.Event{Revision: c.Revision, Time: c.Time, Delete: c.Delete, Upsert: make([]*ff.Flag, len(c.Upsert))}
			for i, f := range c.Upsert {
				ev.Upsert[i] = wire.Project(f, env)
			}
			l.hub.Publish(env, ev)
		}
	}
	l.hub.Publish(manageTopic, stream.Event{Revision: c.Revision, Time: c.Time, From: c.From,
		Upsert: c.Upsert, Delete: c.Delete, Reset: c.Reset})
	l.checkTokens()
}

// configOf is the handlers' Config: an environment's flags and segments at
// the latest view's revision.
func (l *live) configOf(_ context.Context, env string) (*wire.Config, error) {
	v, ok := l.svc.Live()
	if !ok {
		return nil, ff.Errorf(ff.EUNAVAILABLE, "no flags are loaded yet; retry later")
	}
	if !slices.Contains(v.Environments, env) {
		return nil, unknownEnvironment(env, v.Environments)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.configs == nil || l.cacheRev != v.Revision {
		l.configs, l.cacheRev = map[string]*wire.Config{}, v.Revision
	}
	c := l.configs[env]
	if c == nil {
		c = wire.NewConfig(v.Revision, env, v.Flags, v.Segments)
		l.configs[env] = c
	}
	return c, nil
}

// latestRevision is the revision of the latest view, for /events.
func (l *live) latestRevision() (int64, bool) {
	v, ok := l.svc.Live()
	if !ok {
		return 0, false
	}
	return v.Revision, true
}

// revisionOf is the OFREP stream's Revision: the latest view's, checking
// that env exists without building its Config.
func (l *live) revisionOf(_ context.Context, env string) (int64, error) {
	v, ok := l.svc.Live()
	if !ok {
		return 0, ff.Errorf(ff.EUNAVAILABLE, "no flags are loaded yet; retry later")
	}
	if !slices.Contains(v.Environments, env) {
		return 0, unknownEnvironment(env, v.Environments)
	}
	return v.Revision, nil
}

func unknownEnvironment(env string, envs []string) error {
	return ff.Errorf(ff.ENOTFOUND, "environment %q does not exist; existing environments: %s", env, strings.Join(envs, ", "))
}

// open prepares a stream request: its environment, its end when its token
// stops being valid (revoked, expired, or, without one, access control
// switched on), the open-streams gauge, and a writer that takes the
// connection over once the stream starts (see stream.Writer). done must be
// called when the stream ends. Past the stream limits it answers 429 and
// returns ok false.
func (l *live) open(w http.ResponseWriter, r *http.Request, kind, env string) (_ http.ResponseWriter, _ *http.Request, done func(), ok bool) {
	tokenID := ""
	if tok := auth.TokenFrom(r.Context()); tok != nil {
		tokenID = tok.ID
	}
	release, err := l.slots.Acquire(tokenID, l.proxies.client(r))
	if err != nil {
		httpx.Error(w, r, err)
		return w, r, nil, false
	}
	ctx := r.Context()
	if env != "" {
		ctx = stream.WithEnvironment(ctx, env)
	}
	hash, cancelAt := "", time.Time{}
	if tok := auth.TokenFrom(ctx); tok != nil {
		hash = tok.Hash
		if tok.ExpiresAt != nil {
			cancelAt = *tok.ExpiresAt
		}
	}
	var cancel context.CancelFunc
	if cancelAt.IsZero() {
		ctx, cancel = context.WithCancel(ctx)
	} else {
		ctx, cancel = context.WithDeadline(ctx, cancelAt)
	}
	l.streamsMu.Lock()
	set := l.byToken[hash]
	if set == nil {
		set = map[*context.CancelFunc]struct{}{}
		l.byToken[hash] = set
	}
	set[&cancel] = struct{}{}
	l.streamsMu.Unlock()

	gauge := l.metrics.streams.WithLabelValues(kind)
	gauge.Inc()
	sw := stream.NewWriter(w, r)
	return sw, r.WithContext(ctx), func() {
		defer release()
		sw.Close()
		gauge.Dec()
		cancel()
		l.streamsMu.Lock()
		delete(set, &cancel)
		if len(set) == 0 { // sets are dropped as soon as they empty: set is l.byToken[hash]
			delete(l.byToken, hash)
		}
		l.streamsMu.Unlock()
	}, true
}

// checkTokens ends the streams whose token is no longer valid.
func (l *live) checkTokens() {
	l.streamsMu.Lock()
	defer l.streamsMu.Unlock()
	for hash, set := range l.byToken {
		ok := l.svc.TokenActive(hash)
		if hash == "" {
			ok = !l.svc.AuthRequired()
		}
		if ok {
			continue
		}
		for cancel := range set {
			(*cancel)()
		}
	}
}

// sdkStream serves GET /sdk/v1/stream. A Last-Event-ID this server never
// had a view at (one another replica gave, say) is dropped, so that the
// client gets a snapshot: the changes this server published after other
// revisions do not add up to the client's state.
func (s *Server) sdkStream(w http.ResponseWriter, r *http.Request) {
	if id := r.Header.Get(wire.HeaderLastEventID); id != "" {
		rev, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
		if err != nil || !s.live.known.has(rev) {
			r.Header.Del(wire.HeaderLastEventID)
		}
	}
	w, r, done, ok := s.live.open(w, r, streamSDK, s.environment(w, r))
	if !ok {
		return
	}
	defer done()
	s.live.snapshot.ServeHTTP(w, r)
}

// sdkConfig serves GET /sdk/v1/config.
func (s *Server) sdkConfig(w http.ResponseWriter, r *http.Request) {
	s.live.config.ServeHTTP(w, r.WithContext(stream.WithEnvironment(r.Context(), s.environment(w, r))))
}

// ofrepEvents serves GET /ofrep/v1/events.
func (s *Server) ofrepEvents(w http.ResponseWriter, r *http.Request) {
	corsHeaders(w.Header())
	w, r, done, ok := s.live.open(w, r, streamOFREP, s.environment(w, r))
	if !ok {
		return
	}
	defer done()
	s.live.ofrep.ServeHTTP(w, r)
}

// events serves GET /events (stream.EventsHandler).
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	w, r, done, ok := s.live.open(w, r, streamEvents, "")
	if !ok {
		return
	}
	defer done()
	s.live.events.ServeHTTP(w, r)
}

// revisionSet is the revisions this server's views had, the last
// maxKnownRevisions of them: the revisions a stream can resume from here.
type revisionSet struct {
	mu   sync.Mutex
	ring [maxKnownRevisions]int64
	next int
	n    int
	set  map[int64]struct{}
}

const maxKnownRevisions = 4096

func (k *revisionSet) add(rev int64) {
	if rev < 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.set == nil {
		k.set = make(map[int64]struct{}, 64)
	}
	if _, ok := k.set[rev]; ok {
		return
	}
	if k.n == len(k.ring) {
		delete(k.set, k.ring[k.next])
	} else {
		k.n++
	}
	k.ring[k.next] = rev
	k.next = (k.next + 1) % len(k.ring)
	k.set[rev] = struct{}{}
}

func (k *revisionSet) has(rev int64) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.set[rev]
	return ok
}
