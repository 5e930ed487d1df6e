package server

import (
	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
)

// auditQuery documents auditParams, in their order.
var auditQuery = []param{
	{Name: "flag", In: "query", Description: "a flag's id or name"},
	{Name: "environment", In: "query", Description: "an environment"},
	{Name: "actor", In: "query", Description: "a token's id or name"},
	{Name: "since", In: "query", Description: "RFC 3339 time, inclusive"},
	{Name: "until", In: "query", Description: "RFC 3339 time, exclusive"},
	{Name: "limit", In: "query", Description: "events per page, 1-1000 (default 50)"},
	{Name: "cursor", In: "query", Description: "nextCursor of the previous page"},
}

// manageDocs documents segments, environments, tokens, the audit log and /me.
var manageDocs = map[string]op{
	"GET /segments": {Summary: "List segments", Responses: map[int]res{200: {Body: []ff.Segment{}}}},
	"POST /segments": {Summary: "Create a segment", Body: segmentRequest{},
		Responses: map[int]res{201: {Body: ff.Segment{}, Headers: []string{"Location", "ETag"}}, 409: {Description: "the name is taken", Body: errorBody}}},
	"GET /segments/{id}": {Summary: "Get a segment by id or name", Responses: map[int]res{200: {Body: ff.Segment{}, Headers: []string{"ETag"}}}},
	"PUT /segments/{id}": {Summary: "Update a segment partially", Params: ifMatch, Body: segmentRequest{},
		Responses: map[int]res{200: {Body: ff.Segment{}, Headers: []string{"ETag"}}, 409: {Description: "the new name is taken", Body: errorBody},
			412: {Description: "If-Match does not match the current version", Body: errorBody}}},
	"GET /segments/{id}/used-by": {Summary: "The flags (with the environments where) and segments that refer to a segment; while any do, it cannot be deleted or renamed",
		Responses: map[int]res{200: {Body: service.SegmentUsers{}}, 404: {Description: "no such segment", Body: errorBody}}},
	"GET /segment-users": {Summary: "What refers to each segment (as GET /segments/{id}/used-by answers), for every segment in the order of GET /segments",
		Responses: map[int]res{200: {Body: []service.SegmentUsers{}}}},
	"DELETE /segments/{id}": {Summary: "Delete a segment", Params: ifMatch,
		Responses: map[int]res{204: {Description: "deleted"}, 409: {Description: "a flag still uses the segment", Body: errorBody},
			412: {Description: "If-Match does not match the current version", Body: errorBody}}},

	"GET /environments": {Summary: "List environments, in creation order", Responses: map[int]res{200: {Body: []ff.Environment{}}}},
	"POST /environments": {Summary: "Create an environment (every flag is off there)", Body: environmentRequest{},
		Responses: map[int]res{201: {Body: ff.Environment{}}, 409: {Description: "the name is taken", Body: errorBody}}},
	"DELETE /environments/{name}": {Summary: "Delete an environment with its state and targeting on every flag",
		Responses: map[int]res{204: {Description: "deleted"}, 400: {Description: "it is the last environment", Body: errorBody}}},

	"GET /tokens": {Summary: "List tokens (never their secrets)", Responses: map[int]res{200: {Body: []ff.Token{}}}},
	"POST /tokens": {Summary: "Create a token or environment key; the answer shows its secret once", Body: createTokenRequest{},
		Responses: map[int]res{201: {Body: createdToken{}}, 409: {Description: "the name is taken", Body: errorBody}}},
	"DELETE /tokens/{id}": {Summary: "Revoke a token", Responses: map[int]res{204: {Description: "revoked"}}},

	"GET /export": {Summary: "Every environment, segment and flag, read at one revision; the schedules still to run, the open change requests and the webhooks (without secrets)",
		Responses: map[int]res{200: {Body: ff.Dataset{}}}},
	"POST /import": {Summary: "Load an exported dataset: all of it, or nothing", Body: ff.Dataset{},
		Description: "Environments are added; segments and flags replace those of the same id or name, so importing twice changes nothing. Schedules, change requests and webhooks are checked with the data and loaded after it, each unless its id is there; a new webhook is imported disabled with a new secret.",
		Responses:   map[int]res{200: {Body: imported{}}, 409: {Description: "--max-flags would be exceeded (limit names it)", Body: errorBody}}},

	"GET /audit": {Summary: "Audit events, newest first", Params: auditQuery,
		Responses: map[int]res{200: {Body: auditPage{}}, 400: {Description: "a bad parameter (field names it)", Body: errorBody}}},
	"GET /me": {Summary: "Who the caller is", Responses: map[int]res{200: {Body: meResponse{}}}},
}
