package server

import (
	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/usage"
)

// ifMatch is the optimistic-concurrency header of the flag and segment writes.
var ifMatch = openapiHeader("If-Match", `the version last read, as its ETag ("3", or a flag's "3.x"); the write answers 412 if it changed since`)

// openapiHeader is a request header parameter.
func openapiHeader(name, desc string) []param {
	return []param{{Name: name, In: "header", Description: desc}}
}

// listedFlag is an item of GET /flags: a flag, with enabled when the
// request names an environment.
type listedFlag struct {
	flagOut
	Enabled *bool             `json:"enabled,omitempty"`
	Stale   []usage.Staleness `json:"stale,omitempty"` // with ?stale=
}

// flagDocs documents the routes of flags.go and the flag history.
var flagDocs = map[string]op{
	"GET /flags": {Summary: "List flags", Description: "With environment, each flag carries enabled, its state there.",
		Params: []param{{Name: "environment", In: "query", Description: "an environment whose state each flag carries as enabled"},
			{Name: "names", In: "query", Description: "comma-separated names or ids: only those flags (unknown ones are left out)"},
			{Name: "archived", In: "query", Description: "true: archived flags only"},
			{Name: "limit", In: "query", Description: "1-1000: only the first flags of the list, by name (a first screen while the whole list loads); the ETag names the limit"},
			{Name: "stale", In: "query", Description: "unused, constant, overdue or any (comma-separated): stale flags with the reasons"},
			{Name: "If-None-Match", In: "header", Description: "the list's ETag; 304 while it is current"}},
		Responses: map[int]res{200: {Body: []listedFlag{}, Headers: []string{"ETag"}}, 304: {Description: "the list has not changed"},
			400: {Description: "unknown environment or a bad parameter (field names it; a limit out of range also names list-limit)", Body: errorBody}}},
	"POST /flags": {Summary: "Create a flag", Body: createFlagRequest{},
		Responses: map[int]res{201: {Body: flagOut{}, Headers: []string{"Location", "ETag"}},
			409: {Description: "the name is taken, or --max-flags is reached (limit names it)", Body: errorBody}}},
	"GET /flags/{id}": {Summary: "Get a flag by id or name",
		Params:    openapiHeader("If-None-Match", "an ETag of the flag; 304 while it is current"),
		Responses: map[int]res{200: {Body: flagOut{}, Headers: []string{"ETag"}}, 304: {Description: "the flag has not changed"}}},
	"PUT /flags/{id}": {Summary: "Update a flag partially", Description: "Fields not given stay; a partial environments map changes only the environments given.",
		Params: ifMatch, Body: updateFlagRequest{},
		Responses: map[int]res{200: {Body: flagOut{}, Headers: []string{"ETag"}}, 409: {Description: "the new name is taken, or other flags require the flag by its old name", Body: errorBody},
			412: {Description: "If-Match does not match the current version", Body: errorBody}}},
	"DELETE /flags/{id}": {Summary: "Delete a flag", Params: ifMatch,
		Responses: map[int]res{204: {Description: "deleted"}, 409: {Description: "other flags require it (prerequisites); the message names them", Body: errorBody},
			412: {Description: "If-Match does not match the current version", Body: errorBody}}},
	"POST /flags/{id}/toggle": {Summary: "Toggle a flag in one environment, atomically", Params: ifMatch, Body: toggleRequest{},
		Responses: map[int]res{200: {Body: toggleResponse{}, Headers: []string{"ETag"}},
			412: {Description: "If-Match does not match the current version", Body: errorBody}}},
	"PUT /flags/{id}/targeting/{environment}": {Summary: "Replace one environment's targeting", Params: ifMatch, Body: ff.Targeting{},
		Responses: map[int]res{200: {Body: flagOut{}, Headers: []string{"ETag"}}, 412: {Description: "If-Match does not match the current version", Body: errorBody}}},
	"DELETE /flags/{id}/targeting/{environment}": {Summary: "Remove one environment's targeting", Params: ifMatch,
		Responses: map[int]res{200: {Body: flagOut{}, Headers: []string{"ETag"}}, 412: {Description: "If-Match does not match the current version", Body: errorBody}}},
	"GET /flags/{id}/history": {Summary: "A flag's audit events, newest first", Params: auditQuery[1:],
		Responses: map[int]res{200: {Body: auditPage{}}, 400: {Description: "a bad parameter (field names it)", Body: errorBody}}},
}
