package server

import (
	"github.com/featureflags/featureflags/internal/ascode"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/wire"
)

// lifecycleDocs documents usage, archive and restore (usage.go,
// lifecycle.go), explain and revert (flagextra.go) and apply (apply.go).
var lifecycleDocs = map[string]op{
	"GET /flags/{id}/usage": {Summary: "A flag's evaluations over time, per variant and reason",
		Params: []param{{Name: "environment", In: "query", Description: "only this environment"},
			{Name: "since", In: "query", Description: "RFC 3339 start (default: 7 days ago)"},
			{Name: "until", In: "query", Description: "RFC 3339 end (default: now)"},
			{Name: "step", In: "query", Description: "bucket width, a whole number of hours such as 1h or 24h"}},
		Responses: map[int]res{200: {Body: UsageAnswer{}}, 400: {Description: "a bad parameter, or more steps than --usage-max-points (limit names it)", Body: errorBody}}},
	"POST " + wire.UsagePath: {Summary: "An SDK's batched evaluation counts", Body: wire.UsageReport{},
		Responses: map[int]res{204: {Description: "counted"}, 400: {Description: "a bad report, or more counts than --usage-max-report-counts", Body: errorBody}}},
	"POST /flags/{id}/archive": {Summary: "Archive a flag: it evaluates as FLAG_NOT_FOUND and leaves the list; history and name are kept", Params: ifMatch,
		Responses: map[int]res{200: {Body: flagOut{}}, 409: {Description: "another flag requires it", Body: errorBody},
			412: {Description: "If-Match does not match the current version", Body: errorBody}}},
	"POST /flags/{id}/restore": {Summary: "Restore an archived flag", Params: ifMatch,
		Responses: map[int]res{200: {Body: flagOut{}}, 412: {Description: "If-Match does not match the current version", Body: errorBody}}},
	"POST /flags/{id}/explain": {Summary: "Evaluate a flag and say which rule matched and why the others did not (management only)",
		Params: []param{{Name: "environment", In: "query", Description: "the environment (default: the server's default)"}}, Body: ofrepRequest{},
		Responses: map[int]res{200: {Body: explainResponse{}}, 400: {Description: "a bad context or unknown environment", Body: errorBody}}},
	"POST /flags/{id}/revert": {Summary: "Make a flag as it was at a version: one audited write", Params: ifMatch, Body: revertRequest{},
		Responses: map[int]res{200: {Body: flagOut{}, Headers: []string{"ETag"}}, 400: {Description: "no such version in the history", Body: errorBody},
			412: {Description: "If-Match does not match the current version", Body: errorBody}}},
	"POST /apply": {Summary: "Plan, and unless dryRun apply in one transaction, a flags-as-code dataset", Body: service.ApplyRequest{},
		Responses: map[int]res{200: {Body: ascode.Plan{}}, 400: {Description: "an invalid dataset (field names the item)", Body: errorBody},
			409: {Description: "over the flag limit", Body: errorBody}, 412: {Description: "the store is no longer at the plan's revision", Body: errorBody}}},
}
