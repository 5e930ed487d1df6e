// Package wire defines the protocol shared by the server and its clients:
// the snapshot stream's routes, headers, SSE event names and JSON bodies, and
// the shapes of OFREP evaluation answers (OFREPSuccess, OFREPFailure). It depends
// only on the standard library and the root featureflags package, so that
// applications can import it without anything internal.
//
// A client holding an environment key (or, without access control, naming an
// environment in the X-Environment header) reads the environment's flags in
// one of three ways:
//
//   - GET StreamPath: a text/event-stream of "snapshot" and "change" events
//     whose id is the store revision. A reconnecting client sends
//     Last-Event-ID; when the server still holds every change after it, it
//     sends only those (and HeaderResumed: true), else a full snapshot.
//   - GET ConfigPath: the Config as JSON with ETag "<revision>"; If-None-Match
//     with the current ETag answers 304.
//   - GET OFREPEventsPath: OFREP's SSE change notifications (ADR 0008):
//     "message" events whose data is an OFREPEvent of type refetchEvaluation.
package wire

import (
	"strconv"
	"strings"

	"github.com/featureflags/featureflags"
)

// Routes, relative to the service's base URL.
const (
	StreamPath = "/sdk/v1/stream"
	ConfigPath = "/sdk/v1/config"
	// UsagePath takes an SDK's counts of in-process evaluations (POST, a
	// UsageReport; 204).
	UsagePath       = "/sdk/v1/usage"
	OFREPEventsPath = "/ofrep/v1/events"
)

// Headers and media types.
const (
	ContentTypeSSE  = "text/event-stream"
	ContentTypeJSON = "application/json"
	// HeaderEnvironment names the environment when the server runs without
	// access control; with it, the environment key decides.
	HeaderEnvironment = "X-Environment"
	HeaderLastEventID = "Last-Event-ID"
	// HeaderResumed is "true" on a stream that continues after the client's
	// Last-Event-ID without a snapshot: the client is up to date once the
	// replayed changes that follow are applied.
	HeaderResumed = "X-Stream-Resumed"
)

// SSE event names of the snapshot stream.
const (
	EventSnapshot = "snapshot" // data: Config
	EventChange   = "change"   // data: Change
)

// OFREP event stream (ADR 0008): the SSE envelope's event is always
// "message"; the data's type says what to do.
const (
	OFREPEventName    = "message"
	OFREPRefetchEvent = "refetchEvaluation"
)

// HeartbeatComment is the SSE comment line the server sends between events so
// that proxies keep the connection open and clients notice a dead one.
const HeartbeatComment = ": hb"

// Config is everything an SDK needs to evaluate one environment's flags in
// process. Every flag is projected to Environment (see Project).
type Config struct {
	Revision    int64                   `json:"revision"`
	Environment string                  `json:"environment"`
	Flags       []*featureflags.Flag    `json:"flags"`
	Segments    []*featureflags.Segment `json:"segments"`
}

// Change is one committed change of an environment's flags: Upsert holds new
// or changed flags (projected), Delete the names of removed ones; a renamed
// flag appears in both. Segment changes are sent as snapshots instead.
type Change struct {
	Revision int64                `json:"revision"`
	Upsert   []*featureflags.Flag `json:"upsert"`
	Delete   []string             `json:"delete"`
}

// OFREPEvent is the JSON data of an OFREP event-stream message.
type OFREPEvent struct {
	Type string `json:"type"`
	// ETag is the revision as an entity tag, for the flagConfigEtag query
	// parameter of the re-fetch.
	ETag string `json:"etag,omitempty"`
	// LastModified is the change's commit time in Unix seconds.
	LastModified int64 `json:"lastModified,omitempty"`
}

// Project returns a copy of f that carries only env's state and targeting, so
// that an environment's key never sees another environment's rules. The copy
// shares Variants and Tags with f: treat both as read-only.
func Project(f *featureflags.Flag, env string) *featureflags.Flag {
	p := *f
	p.Environments = nil
	if on, ok := f.Environments[env]; ok {
		p.Environments = map[string]bool{env: on}
	}
	p.Targeting = nil
	if t, ok := f.Targeting[env]; ok {
		p.Targeting = map[string]*featureflags.Targeting{env: t}
	}
	return &p
}

// NewConfig returns env's Config at revision, with every flag projected.
func NewConfig(revision int64, env string, flags []*featureflags.Flag, segments []*featureflags.Segment) *Config {
	c := &Config{Revision: revision, Environment: env, Flags: make([]*featureflags.Flag, 0, len(flags)), Segments: segments}
	for _, f := range flags {
		if f != nil {
			c.Flags = append(c.Flags, Project(f, env))
		}
	}
	if c.Segments == nil {
		c.Segments = []*featureflags.Segment{}
	}
	return c
}

// ETag returns the entity tag of a revision: the decimal revision, quoted.
func ETag(revision int64) string { return `"` + strconv.FormatInt(revision, 10) + `"` }

// ParseETag reads an ETag made by ETag, weak or not.
func ParseETag(tag string) (int64, bool) {
	tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
	if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return 0, false
	}
	rev, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64)
	return rev, err == nil
}
