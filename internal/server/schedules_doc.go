package server

import ff "github.com/featureflags/featureflags"

var pendingParam = []param{{Name: "pending", In: "query", Description: "true: only schedules with a step still to run"}}

// scheduleDocs documents scheduled changes (schedules.go).
var scheduleDocs = map[string]op{
	"GET /flags/{id}/schedules": {Summary: "A flag's scheduled changes, soonest first, with what became of each step", Params: pendingParam,
		Responses: map[int]res{200: {Body: []ff.Schedule{}}, 400: {Description: "a bad pending parameter", Body: errorBody}}},
	"POST /flags/{id}/schedules": {Summary: "Schedule changes to one environment of a flag: one step, or a ramp of rollout weights", Body: scheduleRequest{},
		Params: ifMatch, Description: "If-Match, the flag's version, makes sure a rules step replaces the rules the client saw.",
		Responses: map[int]res{201: {Body: ff.Schedule{}, Headers: []string{"Location"}},
			400: {Description: "a bad step (field names it: a past or missing runAt, steps out of order, an empty change, one that would not apply or would leave the flag invalid), an unknown environment, or more steps than the schedule-steps limit", Body: errorBody},
			409: {Description: "the flag is archived", Body: errorBody},
			412: {Description: "If-Match does not match the flag's version", Body: errorBody}}},
	"DELETE /flags/{id}/schedules/{schedule}": {Summary: "Cancel the steps of a schedule that have not run",
		Responses: map[int]res{200: {Body: ff.Schedule{}}, 409: {Description: "no step is left to cancel", Body: errorBody}}},
	"GET /schedules": {Summary: "Every flag's scheduled changes, soonest first", Params: pendingParam,
		Responses: map[int]res{200: {Body: []ff.Schedule{}}, 400: {Description: "a bad pending parameter", Body: errorBody}}},
}
