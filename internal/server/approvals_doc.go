package server

import (
	"maps"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
)

// approvalDocs documents environment settings and change requests.
var approvalDocs = map[string]op{
	"PATCH /environments/{name}": {Summary: "Change an environment's settings: protected, requireApproval, approvalAdminsBypass",
		Description: "Fields not given stay. requireApproval is 0 (off) to 10.", Body: environmentSettings{},
		Responses: map[int]res{200: {Body: ff.Environment{}}}},

	"GET /change-requests": {Summary: "List change requests, newest first, with their diffs",
		Params:    []param{{Name: "status", In: "query", Description: "open, applied or rejected (default: all)"}},
		Responses: map[int]res{200: {Body: []service.RequestView{}}, 400: {Description: "an unknown status", Body: errorBody}}},
	"POST /change-requests": {Summary: "Propose a change to a flag (as PUT /flags/{id} takes it) for approval", Body: createChangeRequestBody{},
		Description: "It needs the approvals the environments it touches require, and one at least.",
		Responses:   map[int]res{201: {Body: service.RequestView{}, Headers: []string{"Location", "ETag"}}}},
	"GET /change-requests/{id}": {Summary: "Get a change request, its diff and any conflict",
		Responses: map[int]res{200: {Body: service.RequestView{}, Headers: []string{"ETag"}}}},
	"PATCH /change-requests/{id}": {Summary: "Edit an open change request; the editor becomes its author and approvals start again",
		Description: "With change, the request holds that change to the current flag; with schedule (a request that proposes a schedule), those steps and, if given, that environment; without either, its change or schedule is proposed again on the current flag (after a conflict).",
		Params:      ifMatch, Body: editChangeRequestBody{},
		Responses: map[int]res{200: {Body: service.RequestView{}, Headers: []string{"ETag"}},
			400: {Description: "a field wrong, named (schedule.steps[0].runAt, ...), or change on a schedule's request, schedule on a flag change's", Body: errorBody},
			409: {Description: "the request is closed", Body: errorBody},
			412: {Description: "If-Match does not match the request's version", Body: errorBody}}},
	"POST /change-requests/{id}/approve": {Summary: "Approve an open change request (not your own)", Body: reviewBody{},
		Responses: map[int]res{200: {Body: service.RequestView{}, Headers: []string{"ETag"}},
			403: {Description: "the caller proposed it", Body: errorBody},
			409: {Description: "the request is closed, or the flag changed since it was proposed", Body: errorBody}}},
	"POST /change-requests/{id}/reject": {Summary: "Reject (or, as its author, withdraw) an open change request", Body: reviewBody{},
		Responses: map[int]res{200: {Body: service.RequestView{}, Headers: []string{"ETag"}}, 409: {Description: "the request is closed", Body: errorBody}}},
	"POST /change-requests/{id}/apply": {Summary: "Make an approved change, atomically, if the flag has not changed since", Body: reviewBody{},
		Responses: map[int]res{200: {Body: service.RequestView{}, Headers: []string{"ETag"}},
			409: {Description: "too few approvals, the request is closed, or the flag changed since it was proposed (for a schedule: a step's time passed or a step no longer applies); nothing changed", Body: errorBody}}},
}

// heldWrites are the flag writes that a change request holds when they
// touch an environment requiring approval (service.ChangedEnvironments).
var heldWrites = []string{
	"PUT /flags/{id}", "DELETE /flags/{id}", "POST /flags/{id}/toggle",
	"PUT /flags/{id}/targeting/{environment}", "DELETE /flags/{id}/targeting/{environment}",
	"POST /flags/{id}/archive", "POST /flags/{id}/restore", "POST /flags/{id}/revert",
	"POST /flags/{id}/promote", "POST /flags/{id}/schedules",
}

// withHeldWrites adds to docs the 202 of the writes held for approval.
func withHeldWrites(docs map[string]op) {
	for _, key := range heldWrites {
		doc, ok := docs[key]
		if !ok {
			continue
		}
		doc.Responses = maps.Clone(doc.Responses)
		doc.Responses[202] = res{Description: "the change needs approval: it was not made but held in this change request", Body: service.RequestView{}}
		docs[key] = doc
	}
	if doc, ok := docs["POST /promote"]; ok {
		doc.Responses = maps.Clone(doc.Responses)
		doc.Responses[202] = res{Description: "the target requires approval: nothing was made, a change request per flag holds it", Body: promoteHeld{}}
		docs["POST /promote"] = doc
	}
}
