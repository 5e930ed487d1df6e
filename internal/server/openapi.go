package server

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"

	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/openapi"
)

// OpenAPIPath serves the OpenAPI 3.1 document of every route. It is
// public: it describes the API and holds no data.
const OpenAPIPath = "/openapi.json"

// op is a route's documentation; each area keeps its set beside its
// handlers (flags_doc.go, manage_doc.go, ofrep_doc.go, live_doc.go). A new
// route needs one entry there, keyed "METHOD pattern": the route-table
// test fails for a route without one. The statuses every route of a kind
// answers (401, 403, 429, 503, the body and path errors, 500) are added by
// withCommon, so an entry lists only its own.
type op = openapi.Operation

// res is one documented status; param a query or header parameter.
type (
	res   = openapi.Response
	param = openapi.Param
)

// errorBody is every error answer but OFREP's.
var errorBody = httpx.ErrorBody{}

// routeDocs merges the areas' documentation.
func routeDocs() map[string]op {
	all := map[string]op{}
	for _, set := range []map[string]op{flagDocs, manageDocs, ofrepDocs, liveDocs, lifecycleDocs, webhookDocs, scheduleDocs, promoteDocs, approvalDocs, usageSummaryDocs} {
		maps.Copy(all, set)
	}
	withHeldWrites(all)
	return all
}

// Undocumented returns the routes of the table that lack documentation.
func (s *Server) Undocumented() []Route {
	docs := routeDocs()
	var out []Route
	for _, rt := range s.Routes() {
		if _, ok := docs[rt.Method+" "+rt.Pattern]; !ok {
			out = append(out, rt)
		}
	}
	return out
}

// OpenAPI returns the OpenAPI document as JSON.
func (s *Server) OpenAPI() []byte { return s.openapi }

const apiDescription = "The management API, OFREP evaluation and live updates of featureflags. " +
	"Access control is on once the server holds a token; until then no credentials are needed. " +
	"Every error but OFREP's is {\"error\", \"field\"?, \"limit\"?}."

// buildOpenAPI documents the route table.
func buildOpenAPI(table []route, version string) []byte {
	docs := routeDocs()
	b := openapi.NewBuilder("featureflags", version, apiDescription)
	for _, rt := range table {
		if doc, ok := docs[rt.method+" "+rt.pattern]; ok {
			b.Add(rt.method, rt.pattern, rt.perm != public, withCommon(rt, doc))
		}
	}
	data, err := json.MarshalIndent(b.Document(), "", "  ")
	if err != nil {
		panic(err) // maps of plain values always encode
	}
	return data
}

// withCommon adds to doc the statuses every route of rt's kind answers.
func withCommon(rt route, doc op) op {
	r := maps.Clone(doc.Responses)
	var errBody, either any = httpx.ErrorBody{}, httpx.ErrorBody{}
	if rt.perm == evaluate {
		errBody, either = ofrepError{}, ofrepOrAPIError{}
	}
	add := func(status int, body any, desc string, headers ...string) {
		if _, ok := r[status]; !ok {
			r[status] = res{Description: desc, Body: body, Headers: headers}
		}
	}
	if rt.perm != public {
		add(http.StatusUnauthorized, errBody, "no token, or an unknown, expired or revoked one (with access control on)", "WWW-Authenticate")
	}
	add(http.StatusForbidden, either, "the token's role lacks the permission, or the Host or Origin is not allowed (limit names it)")
	stream := r[http.StatusOK].ContentType == "text/event-stream"
	if stream || rt.perm == evaluate || (rt.method != http.MethodGet && (rt.perm == write || rt.perm == admin)) {
		add(http.StatusTooManyRequests, either, "over a rate or stream limit (limit names it)", "Retry-After")
	}
	if rt.pattern != "/healthz" {
		add(http.StatusServiceUnavailable, either, "the service is starting (with Retry-After), or its database cannot be reached", "Retry-After")
	}
	if doc.Body != nil {
		add(http.StatusBadRequest, errBody, "malformed JSON, unknown fields, wrong types or an invalid value (field names it)")
		add(http.StatusRequestEntityTooLarge, errBody, "the body is over its limit (limit names it)")
	}
	if doc.Body != nil || rt.method == http.MethodPut || rt.method == http.MethodDelete || (rt.method == http.MethodPost && rt.perm != evaluate) {
		add(http.StatusUnsupportedMediaType, either, "a body declared as something other than JSON")
	}
	if strings.Contains(rt.pattern, "{") {
		add(http.StatusNotFound, errBody, "no such item")
	}
	add(http.StatusInternalServerError, either, "an internal error; the server log has it under the request id")
	doc.Responses = r
	return doc
}

// serveOpenAPI answers GET /openapi.json.
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.openapi)
}

// ofrepOrAPIError is an error of an OFREP route answered in OFREP's shape
// or, before OFREP's handlers run (a starting service, the Host guard,
// stream limits), the management API's.
type ofrepOrAPIError struct {
	Error        string `json:"error,omitempty"`
	Field        string `json:"field,omitempty"`
	Limit        string `json:"limit,omitempty"`
	Key          string `json:"key,omitempty"`
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorDetails string `json:"errorDetails,omitempty"`
}

// ofrepError is OFREP's error answer: the key and errorCode for an
// evaluation that failed, only errorDetails when access is refused.
type ofrepError struct {
	Key          string `json:"key,omitempty"`
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorDetails string `json:"errorDetails"`
	// Metadata is the flag's, for a flag that exists (OFREP allows it).
	Metadata map[string]any `json:"metadata,omitempty"`
}
