package server

import "github.com/featureflags/featureflags/internal/service"

// promoteDocs documents compare and promote (promote.go).
var promoteDocs = map[string]op{
	"GET /environments/{a}/compare/{b}": {Summary: "Compare two environments: per flag, what differs (state, prerequisites, rules, default, off variant), as JSON and in words",
		Responses: map[int]res{200: {Body: service.Comparison{}, Headers: []string{"ETag"}},
			400: {Description: "an unknown environment, or the same one twice", Body: errorBody}}},
	"POST /flags/{id}/promote": {Summary: "Copy a flag's state and targeting from one environment to another: one audited write (flag.promote)",
		Params: ifMatch, Body: promoteRequest{},
		Responses: map[int]res{200: {Body: flagOut{}, Headers: []string{"ETag"}},
			400: {Description: "an unknown environment, the same one twice, an archived flag, or targeting the target refuses (a prerequisite that would close a cycle there)", Body: errorBody},
			412: {Description: "If-Match does not match the flag's version", Body: errorBody}}},
	"POST /promote": {Summary: "Promote several flags in one transaction, audited as one event per flag changed",
		Params: ifMatch, Body: promoteRequest{},
		Responses: map[int]res{200: {Body: promoteAnswer{}},
			400: {Description: "no flags, an unknown environment, the same one twice, an archived flag, or targeting the target refuses", Body: errorBody},
			404: {Description: "a flag named does not exist", Body: errorBody},
			412: {Description: "If-Match does not match the store's revision (the comparison's ETag)", Body: errorBody}}},
}
