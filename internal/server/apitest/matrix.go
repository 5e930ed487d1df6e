package apitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/testenv"
)

// The identities of the matrix.
const (
	idNone      = "no token"
	idWrong     = "wrong token"
	idExpired   = "expired"
	idRevoked   = "revoked"
	idViewer    = "viewer"
	idEditor    = "editor"
	idAdmin     = "admin"
	idServerKey = "server key of this environment"
	idClientKey = "client key of this environment"
	idOtherKey  = "key of another environment"
)

var identities = []string{idNone, idWrong, idExpired, idRevoked, idViewer, idEditor, idAdmin, idServerKey, idClientKey, idOtherKey}

// Who may use a route, in this test's own terms (not the server's).
const (
	anyone      = "anyone"       // no token needed
	evaluators  = "evaluators"   // API tokens and keys of the environment
	readers     = "readers"      // viewer, editor, admin
	ruleReaders = "rule readers" // viewer, editor, admin and server keys: who may read targeting rules
	editors     = "editors"      // editor, admin
	admins      = "admins"       // admin only
)

// expected is the status an identity gets from a route open to who, whose
// success status is ok.
func expected(who, identity string, ok int) int {
	if who == anyone {
		return ok
	}
	switch identity {
	case idNone, idWrong, idExpired, idRevoked:
		return http.StatusUnauthorized
	}
	allowed := map[string][]string{
		evaluators:  {idViewer, idEditor, idAdmin, idServerKey, idClientKey},
		readers:     {idViewer, idEditor, idAdmin},
		ruleReaders: {idViewer, idEditor, idAdmin, idServerKey},
		editors:     {idEditor, idAdmin},
		admins:      {idAdmin},
	}[who]
	for _, id := range allowed {
		if id == identity {
			return ok
		}
	}
	return http.StatusForbidden
}

// matrixRoute is what the matrix knows of a route: who may use it, the
// status of success, and how to make a request of it (creating, as the
// admin, what the request needs, so that each request has its own).
type matrixRoute struct {
	who string
	ok  int
	req func(m *matrix) (path string, body any)
}

type matrix struct {
	c *client // the admin
	n atomic.Int64
}

// unique returns a fresh name.
func (m *matrix) unique(kind string) string { return fmt.Sprintf("%s-%d", kind, m.n.Add(1)) }

func fixed(path string, body any) func(*matrix) (string, any) {
	return func(*matrix) (string, any) { return path, body }
}

var evalBody = map[string]any{"context": map[string]any{"targetingKey": "u1"}}

// matrixRoutes is the one table of the authorization matrix: every route
// of the server must have an entry.
var matrixRoutes = map[string]matrixRoute{
	"GET /flags": {readers, 200, fixed("/flags", nil)},
	"POST /flags": {editors, 201, func(m *matrix) (string, any) {
		return "/flags", map[string]any{"name": m.unique("created")}
	}},
	"GET /flags/{id}": {readers, 200, fixed("/flags/matrix", nil)},
	"PUT /flags/{id}": {editors, 200, fixed("/flags/matrix", map[string]any{"description": "changed"})},
	"DELETE /flags/{id}": {editors, 204, func(m *matrix) (string, any) {
		return "/flags/" + m.c.create(map[string]any{"name": m.unique("doomed")}).ID, nil
	}},
	"POST /flags/{id}/toggle": {editors, 200, fixed("/flags/matrix/toggle", map[string]any{"environment": "production"})},
	"PUT /flags/{id}/targeting/{environment}": {editors, 200, fixed("/flags/matrix/targeting/staging",
		map[string]any{"defaultServe": map[string]any{"variant": "on"}})},
	"DELETE /flags/{id}/targeting/{environment}": {editors, 200, fixed("/flags/matrix/targeting/staging", nil)},
	"GET /flags/{id}/history":                    {readers, 200, fixed("/flags/matrix/history", nil)},
	"GET /flags/{id}/usage":                      {readers, 200, fixed("/flags/matrix/usage", nil)},
	"GET /usage/summary":                         {readers, 200, fixed("/usage/summary?days=7", nil)},
	"POST /flags/{id}/archive": {editors, 200, func(m *matrix) (string, any) {
		return "/flags/" + m.c.create(map[string]any{"name": m.unique("archived")}).ID + "/archive", nil
	}},
	"POST /flags/{id}/restore": {editors, 200, func(m *matrix) (string, any) {
		return "/flags/" + m.c.create(map[string]any{"name": m.unique("restored")}).ID + "/restore", nil
	}},
	"POST /flags/{id}/explain": {readers, 200, fixed("/flags/matrix/explain?environment=production",
		map[string]any{"context": map[string]any{"targetingKey": "u1"}})},
	"POST /flags/{id}/revert":   {editors, 200, fixed("/flags/matrix/revert", map[string]any{"version": 1})},
	"GET /flags/{id}/schedules": {readers, 200, fixed("/flags/matrix/schedules", nil)},
	"POST /flags/{id}/schedules": {editors, 201, func(m *matrix) (string, any) {
		return "/flags/matrix/schedules", scheduleBody(time.Hour)
	}},
	"DELETE /flags/{id}/schedules/{schedule}": {editors, 200, func(m *matrix) (string, any) {
		return "/flags/matrix/schedules/" + m.c.schedule("matrix", scheduleBody(time.Hour)).ID, nil
	}},
	"GET /schedules":                    {readers, 200, fixed("/schedules?pending=true", nil)},
	"GET /environments/{a}/compare/{b}": {readers, 200, fixed("/environments/staging/compare/production", nil)},
	"POST /flags/{id}/promote":          {editors, 200, fixed("/flags/matrix/promote", map[string]any{"from": "staging", "to": "development"})},
	"POST /promote":                     {editors, 200, fixed("/promote", map[string]any{"from": "staging", "to": "development", "flags": []string{"matrix"}})},

	"GET /segments": {readers, 200, fixed("/segments", nil)},
	"POST /segments": {editors, 201, func(m *matrix) (string, any) {
		return "/segments", map[string]any{"name": m.unique("segment")}
	}},
	"GET /segments/{id}": {readers, 200, fixed("/segments/matrix-segment", nil)},
	"PUT /segments/{id}": {editors, 200, fixed("/segments/matrix-segment", map[string]any{"description": "changed"})},
	"DELETE /segments/{id}": {editors, 204, func(m *matrix) (string, any) {
		name := m.unique("doomed-segment")
		m.c.Expect(http.StatusCreated, "POST", "/segments", map[string]any{"name": name})
		return "/segments/" + name, nil
	}},
	"GET /segments/{id}/used-by": {readers, 200, fixed("/segments/matrix-segment/used-by", nil)},
	"GET /segment-users":         {readers, 200, fixed("/segment-users", nil)},

	"GET /environments": {readers, 200, fixed("/environments", nil)},
	"POST /environments": {admins, 201, func(m *matrix) (string, any) {
		return "/environments", map[string]any{"name": m.unique("env")}
	}},
	"DELETE /environments/{name}": {admins, 204, func(m *matrix) (string, any) {
		name := m.unique("doomed-env")
		m.c.Expect(http.StatusCreated, "POST", "/environments", map[string]any{"name": name})
		return "/environments/" + name, nil
	}},

	"PATCH /environments/{name}": {admins, 200, fixed("/environments/staging", map[string]any{"protected": true})},

	"GET /change-requests":               {readers, 200, fixed("/change-requests", nil)},
	"POST /change-requests":              {editors, 201, fixed("/change-requests", map[string]any{"flag": "matrix", "change": map[string]any{"description": "proposed"}})},
	"GET /change-requests/{id}":          heldRoute(readers, false, "", nil),
	"PATCH /change-requests/{id}":        heldRoute(editors, false, "", map[string]any{"comment": "edited"}),
	"POST /change-requests/{id}/approve": heldRoute(editors, false, "/approve", map[string]any{}),
	"POST /change-requests/{id}/reject":  heldRoute(editors, false, "/reject", map[string]any{}),
	"POST /change-requests/{id}/apply":   heldRoute(editors, true, "/apply", map[string]any{}),

	"GET /tokens": {admins, 200, fixed("/tokens", nil)},
	"POST /tokens": {admins, 201, func(m *matrix) (string, any) {
		return "/tokens", map[string]any{"name": m.unique("token"), "role": "viewer"}
	}},
	"DELETE /tokens/{id}": {admins, 204, func(m *matrix) (string, any) {
		return "/tokens/" + m.c.newToken(map[string]any{"name": m.unique("doomed-token"), "role": "viewer"}).ID, nil
	}},

	"GET /webhooks":                 {admins, 200, fixed("/webhooks", nil)},
	"POST /webhooks":                {admins, 201, fixed("/webhooks", map[string]any{"url": "https://93.184.216.34/matrix"})},
	"GET /webhooks/{id}":            {admins, 200, func(m *matrix) (string, any) { return "/webhooks/" + m.webhook(), nil }},
	"PATCH /webhooks/{id}":          {admins, 200, func(m *matrix) (string, any) { return "/webhooks/" + m.webhook(), map[string]any{"disabled": true} }},
	"DELETE /webhooks/{id}":         {admins, 204, func(m *matrix) (string, any) { return "/webhooks/" + m.webhook(), nil }},
	"GET /webhooks/{id}/deliveries": {admins, 200, func(m *matrix) (string, any) { return "/webhooks/" + m.webhook() + "/deliveries", nil }},
	"POST /webhooks/{id}/deliveries/{delivery}/redeliver": {admins, 202, func(m *matrix) (string, any) {
		id, delivery := m.delivery()
		return "/webhooks/" + id + "/deliveries/" + delivery + "/redeliver", nil
	}},

	"GET /export":  {readers, 200, fixed("/export", nil)},
	"POST /import": {admins, 200, fixed("/import", map[string]any{"environments": []any{}, "segments": []any{}, "flags": []any{}})},
	"GET /audit":   {readers, 200, fixed("/audit", nil)},
	"GET /me":      {readers, 200, fixed("/me", nil)},
	"POST /apply":  {admins, 200, fixed("/apply", map[string]any{"dataset": map[string]any{}, "dryRun": true})},

	"POST /ofrep/v1/evaluate/flags/{key}":    {evaluators, 200, fixed("/ofrep/v1/evaluate/flags/matrix", evalBody)},
	"OPTIONS /ofrep/v1/evaluate/flags/{key}": {anyone, 204, fixed("/ofrep/v1/evaluate/flags/matrix", nil)},
	"POST /ofrep/v1/evaluate/flags":          {evaluators, 200, fixed("/ofrep/v1/evaluate/flags", evalBody)},
	"OPTIONS /ofrep/v1/evaluate/flags":       {anyone, 204, fixed("/ofrep/v1/evaluate/flags", nil)},

	// Live updates; the matrix client does not read event streams' bodies.
	"GET /sdk/v1/stream": {ruleReaders, 200, fixed("/sdk/v1/stream", nil)},
	"GET /sdk/v1/config": {ruleReaders, 200, fixed("/sdk/v1/config", nil)},
	"POST /sdk/v1/usage": {ruleReaders, 204, fixed("/sdk/v1/usage",
		map[string]any{"counts": []any{map[string]any{"flag": "matrix", "variant": "on", "reason": "STATIC", "count": 1}}})},
	"GET /ofrep/v1/events":     {evaluators, 200, fixed("/ofrep/v1/events", nil)},
	"OPTIONS /ofrep/v1/events": {anyone, 204, fixed("/ofrep/v1/events", nil)},
	"GET /events":              {readers, 200, fixed("/events", nil)},

	"GET /healthz":      {anyone, 200, fixed("/healthz", nil)},
	"GET /readyz":       {anyone, 200, fixed("/readyz", nil)},
	"GET /metrics":      {readers, 200, fixed("/metrics", nil)},
	"GET /ui/":          {anyone, 200, fixed("/ui/app.js", nil)},
	"GET /openapi.json": {anyone, 200, fixed("/openapi.json", nil)},
}

// testAuthorizationMatrix sends a request to every route of the server's
// route table as each identity and checks the status against the table
// above; a route the table lacks fails the test.
func testAuthorizationMatrix(t *testing.T, open Opener) {
	c := newServer(t, open, testenv.WithAuth())
	m := &matrix{c: c}
	c.create(map[string]any{"name": "matrix", "environments": map[string]bool{"production": true}})
	c.Expect(http.StatusCreated, "POST", "/segments", map[string]any{"name": "matrix-segment"})

	secrets := map[string]string{
		idNone:      "",
		idWrong:     "ffa_" + strings.Repeat("A", 43),
		idViewer:    c.newToken(map[string]any{"role": "viewer"}).Secret,
		idEditor:    c.newToken(map[string]any{"role": "editor"}).Secret,
		idAdmin:     c.Token,
		idServerKey: c.newToken(map[string]any{"role": "server-key", "environment": "production"}).Secret,
		idClientKey: c.newToken(map[string]any{"role": "client-key", "environment": "production"}).Secret,
		idOtherKey:  c.newToken(map[string]any{"role": "server-key", "environment": "staging"}).Secret,
	}
	revoked := c.newToken(map[string]any{"role": "admin", "name": "revoked"})
	c.Expect(http.StatusNoContent, "DELETE", "/tokens/"+revoked.ID, nil)
	secrets[idRevoked] = revoked.Secret
	// An expired admin token, written to the store directly: the API
	// refuses to create one.
	expired, err := auth.NewSecret(ff.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	if err := c.env.Store.CreateToken(t.Context(), &ff.Token{ID: ff.NewID(), Name: "expired", Role: ff.RoleAdmin,
		Hash: auth.Hash(expired), CreatedAt: past.Add(-time.Hour), ExpiresAt: &past}); err != nil {
		t.Fatal(err)
	}
	secrets[idExpired] = expired
	c.Expect(http.StatusOK, "GET", "/flags", nil) // the view takes in the store's token

	seen := map[string]bool{}
	for _, rt := range c.env.API().Routes() {
		key := rt.Method + " " + rt.Pattern
		seen[key] = true
		entry, ok := matrixRoutes[key]
		if !ok {
			t.Errorf("route %s (permission %s) has no entry in the authorization matrix", key, rt.Permission)
			continue
		}
		for _, id := range identities {
			want := expected(entry.who, id, entry.ok)
			path, body := entry.req(m)
			r := c.as(secrets[id]).Do(rt.Method, path, body, "X-Environment", "production")
			if r.Status != want {
				t.Errorf("%s as %s: status %d, want %d; body %s", key, id, r.Status, want, r.Body)
				continue
			}
			if want == http.StatusUnauthorized || want == http.StatusForbidden {
				checkDenied(t, key+" as "+id, r, strings.HasPrefix(rt.Pattern, "/ofrep/"))
			}
		}
	}
	for key := range matrixRoutes {
		if !seen[key] {
			t.Errorf("the matrix has %s, which the server does not route", key)
		}
	}
}

// checkDenied checks a 401 or 403 answer: JSON with a message, in the
// shape of the API it belongs to.
func checkDenied(t *testing.T, what string, r *response, ofrep bool) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Errorf("%s: body %q is not JSON", what, r.Body)
		return
	}
	field := "error"
	if ofrep {
		field = "errorDetails"
	}
	if msg, _ := body[field].(string); msg == "" {
		t.Errorf("%s: answer %s without %q", what, r.Body, field)
	}
	if r.Status == http.StatusUnauthorized && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("%s: 401 without WWW-Authenticate: Bearer", what)
	}
}
