package server

import (
	"github.com/featureflags/featureflags/wire"
)

// probe is the answer of /healthz and /readyz.
type probe struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// eventStream is an answer of server-sent events (see the README's live
// updates for the events of each stream).
var eventStream = res{Description: "server-sent events until the client leaves", ContentType: "text/event-stream", Body: ""}

// streamParams are the headers every event stream reads.
var streamParams = []param{environmentParam,
	{Name: wire.HeaderLastEventID, In: "header", Description: "the id of the last event received, to resume"}}

// liveDocs documents the event streams, the SDK configuration, the probes,
// the metrics, the web UI and this document.
var liveDocs = map[string]op{
	"GET " + wire.StreamPath: {Summary: "SDK stream: the environment's configuration, then its changes", Params: streamParams,
		Responses: map[int]res{200: eventStream, 400: {Description: "unknown environment", Body: errorBody}}},
	"GET " + wire.ConfigPath: {Summary: "SDK configuration of one environment (polling fallback)",
		Params: []param{environmentParam, {Name: "If-None-Match", In: "header", Description: "the ETag of the last answer"}},
		Responses: map[int]res{200: {Body: wire.Config{}, Headers: []string{"ETag"}}, 304: {Description: "unchanged"},
			400: {Description: "unknown environment", Body: errorBody}}},
	"GET " + wire.OFREPEventsPath: {Summary: "OFREP change events of one environment", Params: streamParams,
		Responses: map[int]res{200: eventStream, 400: {Description: "unknown environment", Body: ofrepError{}}}},
	"OPTIONS " + wire.OFREPEventsPath: preflight,
	"GET " + EventsPath: {Summary: "Every change, for the web UI", Params: streamParams[1:],
		Responses: map[int]res{200: eventStream}},

	"GET /healthz": {Summary: "Liveness", Responses: map[int]res{200: {Body: probe{}}}},
	"GET /readyz": {Summary: "Readiness: the store answers",
		Responses: map[int]res{200: {Body: probe{}}, 503: {Description: "the store is unreachable, or the server serves from its snapshot", Body: probe{}}}},
	"GET /metrics":       {Summary: "Prometheus metrics", Responses: map[int]res{200: {ContentType: "text/plain", Body: ""}}},
	"GET /ui/":           {Summary: "The web UI's files (the page itself is at /)", Responses: map[int]res{200: {Description: "a file"}, 404: {Description: "no such file"}}},
	"GET " + OpenAPIPath: {Summary: "This OpenAPI document", Responses: map[int]res{200: {Body: map[string]any{}}}},
}
