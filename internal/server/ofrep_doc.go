package server

import (
	"github.com/featureflags/featureflags/wire"
)

// The shapes of the OFREP answers that ofrepjson writes by hand, for the
// document only.
type (
	ofrepEvaluationRequest struct {
		Context map[string]any `json:"context"`
	}
	// ofrepItem is a bulk item: a success, or a failure with errorCode.
	ofrepItem struct {
		Key          string `json:"key"`
		Value        any    `json:"value,omitempty"`
		Reason       string `json:"reason,omitempty"`
		Variant      string `json:"variant,omitempty"`
		ErrorCode    string `json:"errorCode,omitempty"`
		ErrorDetails string `json:"errorDetails,omitempty"`
		// Metadata is the flag's owner, kind, tags (comma-separated) and
		// version, as in wire.OFREPSuccess.
		Metadata map[string]any `json:"metadata,omitempty"`
	}
	ofrepBulk struct {
		Flags        []ofrepItem        `json:"flags"`
		EventStreams []ofrepEventStream `json:"eventStreams,omitempty"`
	}
	ofrepEventStream struct {
		Type     string `json:"type"`
		Endpoint struct {
			RequestURI string `json:"requestUri"`
		} `json:"endpoint"`
	}
)

// environmentParam is the X-Environment header of evaluation and streams.
var environmentParam = param{Name: environmentHeader, In: "header",
	Description: "the environment; an environment key's own, else --default-environment when absent"}

// preflight documents the CORS preflight of an OFREP route.
var preflight = op{Summary: "CORS preflight", Responses: map[int]res{204: {Description: "allowed"}}}

// ofrepDocs documents the routes of ofrep.go.
var ofrepDocs = map[string]op{
	"POST /ofrep/v1/evaluate/flags/{key}": {Summary: "Evaluate one flag (OFREP)", Params: []param{environmentParam},
		Body: ofrepEvaluationRequest{},
		Responses: map[int]res{200: {Body: wire.OFREPSuccess{}},
			400: {Description: "PARSE_ERROR, INVALID_CONTEXT, TARGETING_KEY_MISSING or an unknown environment", Body: ofrepError{}},
			404: {Description: "FLAG_NOT_FOUND", Body: ofrepError{}}}},
	"OPTIONS /ofrep/v1/evaluate/flags/{key}": preflight,
	"POST /ofrep/v1/evaluate/flags": {Summary: "Evaluate every flag (OFREP bulk)",
		Params: []param{environmentParam, {Name: "If-None-Match", In: "header", Description: "the ETag of the last answer; 304 while it holds"}},
		Body:   ofrepEvaluationRequest{},
		Responses: map[int]res{200: {Body: ofrepBulk{}, Headers: []string{"ETag"}}, 304: {Description: "nothing changed for this caller"},
			400: {Description: "PARSE_ERROR, INVALID_CONTEXT or an unknown environment", Body: ofrepError{}}}},
	"OPTIONS /ofrep/v1/evaluate/flags": preflight,
}
