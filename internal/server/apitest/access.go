package apitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
)

// runAccess runs the access-control suite.
func runAccess(t *testing.T, open Opener) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"AuthorizationMatrix", testAuthorizationMatrix},
		{"Tokens", testTokens},
		{"TokenExpiry", testTokenExpiry},
		{"EnvironmentKeys", testEnvironmentKeys},
		{"AuthSwitchesOn", testAuthSwitchesOn},
		{"TokensNeverLogged", testTokensNeverLogged},
		{"RateLimit", testRateLimit},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// token is a created token.
type token struct {
	ID          string     `json:"_id"`
	Name        string     `json:"name"`
	Role        string     `json:"role"`
	Environment string     `json:"environment"`
	Secret      string     `json:"secret"`
	Hash        string     `json:"hash"`
	CreatedAt   time.Time  `json:"createdAt"`
	ExpiresAt   *time.Time `json:"expiresAt"`
	LastUsedAt  *time.Time `json:"lastUsedAt"`
	RevokedAt   *time.Time `json:"revokedAt"`
}

// newToken creates a token through the API; c must be an admin.
func (c *client) newToken(body map[string]any) token {
	c.t.Helper()
	var tok token
	c.Expect(http.StatusCreated, "POST", "/tokens", body).JSON(c.t, &tok)
	return tok
}

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

	"GET /environments": {readers, 200, fixed("/environments", nil)},
	"POST /environments": {admins, 201, func(m *matrix) (string, any) {
		return "/environments", map[string]any{"name": m.unique("env")}
	}},
	"DELETE /environments/{name}": {admins, 204, func(m *matrix) (string, any) {
		name := m.unique("doomed-env")
		m.c.Expect(http.StatusCreated, "POST", "/environments", map[string]any{"name": name})
		return "/environments/" + name, nil
	}},

	"GET /tokens": {admins, 200, fixed("/tokens", nil)},
	"POST /tokens": {admins, 201, func(m *matrix) (string, any) {
		return "/tokens", map[string]any{"name": m.unique("token"), "role": "viewer"}
	}},
	"DELETE /tokens/{id}": {admins, 204, func(m *matrix) (string, any) {
		return "/tokens/" + m.c.newToken(map[string]any{"name": m.unique("doomed-token"), "role": "viewer"}).ID, nil
	}},

	"GET /audit": {readers, 200, fixed("/audit", nil)},
	"GET /me":    {readers, 200, fixed("/me", nil)},

	"POST /ofrep/v1/evaluate/flags/{key}":    {evaluators, 200, fixed("/ofrep/v1/evaluate/flags/matrix", evalBody)},
	"OPTIONS /ofrep/v1/evaluate/flags/{key}": {anyone, 204, fixed("/ofrep/v1/evaluate/flags/matrix", nil)},
	"POST /ofrep/v1/evaluate/flags":          {evaluators, 200, fixed("/ofrep/v1/evaluate/flags", evalBody)},
	"OPTIONS /ofrep/v1/evaluate/flags":       {anyone, 204, fixed("/ofrep/v1/evaluate/flags", nil)},

	// Live updates; the matrix client does not read event streams' bodies.
	"GET /sdk/v1/stream":       {ruleReaders, 200, fixed("/sdk/v1/stream", nil)},
	"GET /sdk/v1/config":       {ruleReaders, 200, fixed("/sdk/v1/config", nil)},
	"GET /ofrep/v1/events":     {evaluators, 200, fixed("/ofrep/v1/events", nil)},
	"OPTIONS /ofrep/v1/events": {anyone, 204, fixed("/ofrep/v1/events", nil)},
	"GET /events":              {readers, 200, fixed("/events", nil)},

	"GET /healthz": {anyone, 200, fixed("/healthz", nil)},
	"GET /readyz":  {anyone, 200, fixed("/readyz", nil)},
	"GET /metrics": {readers, 200, fixed("/metrics", nil)},
	"GET /ui/":     {anyone, 200, fixed("/ui/app.js", nil)},
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

func testTokens(t *testing.T, open Opener) {
	c := newServer(t, open, testenv.WithAuth())
	created := c.Expect(http.StatusCreated, "POST", "/tokens", map[string]any{"name": "ci", "role": "editor", "expiresIn": "720h"})
	var tok token
	created.JSON(t, &tok)
	if !strings.HasPrefix(tok.Secret, auth.PrefixToken) || len(tok.Secret) < 4+43 || tok.ID == "" || tok.Role != "editor" || tok.Name != "ci" {
		t.Fatalf("created %s", created.Body)
	}
	if created.Header.Get("Location") != "/tokens/"+tok.ID || created.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create headers %v", created.Header)
	}
	if tok.ExpiresAt == nil || tok.ExpiresAt.Before(time.Now().Add(719*time.Hour)) {
		t.Fatalf("expiresAt %v", tok.ExpiresAt)
	}
	if strings.Contains(string(created.Body), auth.Hash(tok.Secret)) || strings.Contains(string(created.Body), `"hash"`) {
		t.Fatalf("the answer carries the hash: %s", created.Body)
	}
	// The secret works, and the list never shows it (or its hash) again.
	editor := c.as(tok.Secret)
	editor.create(map[string]any{"name": "by-editor"})
	list := c.Expect(http.StatusOK, "GET", "/tokens", nil)
	if strings.Contains(string(list.Body), tok.Secret) || strings.Contains(string(list.Body), auth.Hash(tok.Secret)) ||
		strings.Contains(string(list.Body), `"secret"`) || strings.Contains(string(list.Body), `"hash"`) {
		t.Fatalf("the list shows a secret: %s", list.Body)
	}
	var tokens []token
	list.JSON(t, &tokens)
	if len(tokens) != 2 || tokens[0].ID != tok.ID || tokens[1].Name != c.env.Admin.Name {
		t.Fatalf("tokens (newest first): %s", list.Body)
	}
	// Last use is recorded in memory at once and flushed to the store.
	if tokens[0].LastUsedAt == nil || time.Since(*tokens[0].LastUsedAt) > time.Minute {
		t.Fatalf("last use not recorded: %s", list.Body)
	}
	if err := c.env.Svc.FlushTokenUse(t.Context()); err != nil {
		t.Fatal(err)
	}
	stored, err := c.env.Store.ListTokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stored {
		if st.ID == tok.ID && (st.LastUsedAt == nil || !st.LastUsedAt.Equal(*tokens[0].LastUsedAt)) {
			t.Fatalf("flushed last use %v, want %v", st.LastUsedAt, tokens[0].LastUsedAt)
		}
	}

	// Bad requests.
	for _, tc := range []struct {
		body  string
		field string
	}{
		{`{}`, "role"},
		{`{"role":"root"}`, "role"},
		{`{"role":"viewer","name":"bad name"}`, "name"},
		{`{"role":"viewer","environment":"production"}`, "environment"},
		{`{"role":"server-key"}`, "environment"},
		{`{"role":"client-key","environment":"moon"}`, "environment"},
		{`{"role":"viewer","expiresAt":"2001-01-01T00:00:00Z"}`, "expiresAt"},
		{`{"role":"viewer","expiresIn":"soon"}`, "expiresIn"},
		{`{"role":"viewer","expiresIn":"-1h"}`, "expiresIn"},
		{`{"role":"viewer","expiresIn":"1h","expiresAt":"2101-01-01T00:00:00Z"}`, "expiresIn"},
		{`{"role":"viewer","secret":"mine"}`, "secret"},
	} {
		c.expectError(http.StatusBadRequest, tc.field, "POST", "/tokens", tc.body)
	}
	c.expectError(http.StatusNotFound, "", "DELETE", "/tokens/nope", nil)

	// Revocation takes effect at once; revoking again changes nothing.
	c.Expect(http.StatusNoContent, "DELETE", "/tokens/"+tok.ID, nil)
	r := editor.Do("GET", "/flags", nil)
	if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "revoked") {
		t.Fatalf("revoked token: %d %s", r.Status, r.Body)
	}
	c.Expect(http.StatusNoContent, "DELETE", "/tokens/"+tok.ID, nil)
	c.Expect(http.StatusOK, "GET", "/tokens", nil).JSON(t, &tokens)
	if tokens[0].RevokedAt == nil {
		t.Fatalf("revokedAt not shown: %+v", tokens[0])
	}
}

func testTokenExpiry(t *testing.T, open Opener) {
	c := newServer(t, open, testenv.WithAuth())
	tok := c.newToken(map[string]any{"role": "viewer", "expiresIn": "1h"})
	viewer := c.as(tok.Secret)
	viewer.Expect(http.StatusOK, "GET", "/flags", nil)
	c.env.Clock.Advance(time.Hour)
	r := viewer.Do("GET", "/flags", nil)
	if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "expired") {
		t.Fatalf("expired token: %d %s", r.Status, r.Body)
	}
	c.Expect(http.StatusOK, "GET", "/flags", nil) // the admin's never expires
}

func testEnvironmentKeys(t *testing.T, open Opener) {
	c := newServer(t, open, testenv.WithAuth())
	c.create(map[string]any{"name": "where", "environments": map[string]bool{"staging": true}})
	server := c.newToken(map[string]any{"role": "server-key", "environment": "staging", "name": "backend"})
	client := c.newToken(map[string]any{"role": "client-key", "environment": "staging", "name": "web"})
	if !strings.HasPrefix(server.Secret, auth.PrefixServerKey) || !strings.HasPrefix(client.Secret, auth.PrefixClientKey) || server.Environment != "staging" {
		t.Fatalf("keys %+v %+v", server, client)
	}
	for _, key := range []token{server, client} {
		for _, header := range []string{"Authorization", "X-API-Key"} {
			value := key.Secret
			if header == "Authorization" {
				value = "Bearer " + value
			}
			var res map[string]any
			// The key selects its environment: no X-Environment needed
			// (the default environment, production, has the flag off).
			c.as("").Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/where", evalBody, header, value).JSON(t, &res)
			if res["value"] != true {
				t.Fatalf("%s by %s: %v", key.Role, header, res)
			}
			c.as("").Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/where", evalBody, header, value, "X-Environment", "staging")
			r := c.as("").Do("POST", "/ofrep/v1/evaluate/flags", evalBody, header, value, "X-Environment", "production")
			if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "staging") {
				t.Fatalf("%s evaluating in another environment: %d %s", key.Role, r.Status, r.Body)
			}
			c.as("").Expect(http.StatusForbidden, "GET", "/flags", nil, header, value)
		}
	}
	// API tokens evaluate anywhere, by X-Environment.
	var res map[string]any
	c.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/where", evalBody, "X-Environment", "staging").JSON(t, &res)
	if res["value"] != true {
		t.Fatalf("admin in staging: %v", res)
	}
	c.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/where", evalBody).JSON(t, &res)
	if res["value"] != false {
		t.Fatalf("admin in the default environment: %v", res)
	}
}

// testAuthSwitchesOn: without tokens everything is open and acts as
// "local"; the first token switches access control on for good, even once
// every token is revoked.
func testAuthSwitchesOn(t *testing.T, open Opener) {
	c := newServer(t, open)
	c.create(map[string]any{"name": "open"})
	tok := c.newToken(map[string]any{"role": "admin", "name": "first"})
	r := c.Do("GET", "/flags", nil)
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("after the first token, no token: %d", r.Status)
	}
	admin := c.as(tok.Secret)
	var page struct {
		Events []ff.AuditEvent `json:"events"`
	}
	admin.Expect(http.StatusOK, "GET", "/audit", nil).JSON(t, &page)
	if len(page.Events) != 2 || page.Events[0].Action != "token.create" || page.Events[0].Actor != auth.Local || page.Events[1].Actor != auth.Local {
		t.Fatalf("events before access control: %+v", page.Events)
	}
	admin.Expect(http.StatusNoContent, "DELETE", "/tokens/"+tok.ID, nil)
	c.Expect(http.StatusUnauthorized, "GET", "/flags", nil)
	admin.Expect(http.StatusUnauthorized, "GET", "/flags", nil)
	c.Expect(http.StatusOK, "GET", "/healthz", nil)
}

// testTokensNeverLogged uses tokens, right and wrong, in both headers and
// finds none in the log, which names the token by id.
func testTokensNeverLogged(t *testing.T, open Opener) {
	c := newServer(t, open, testenv.WithAuth())
	key := c.newToken(map[string]any{"role": "client-key", "environment": "production"})
	c.create(map[string]any{"name": "logged"})
	c.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/logged", evalBody, "X-API-Key", key.Secret)
	c.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags", evalBody, "Authorization", "Bearer "+key.Secret)
	wrong := "ffa_thisIsNotATokenButLooksLikeOne0123456789abcdefgh"
	c.Expect(http.StatusUnauthorized, "GET", "/flags", nil, "Authorization", "Bearer "+wrong)
	c.Expect(http.StatusUnauthorized, "POST", "/ofrep/v1/evaluate/flags", evalBody, "X-API-Key", wrong)
	logs := c.env.Logs.String()
	for _, secret := range []string{c.Token, key.Secret, wrong, auth.Hash(key.Secret), auth.Hash(c.Token)} {
		if strings.Contains(logs, secret) {
			t.Fatalf("a secret or its hash reached the log:\n%s", logs)
		}
	}
	if !strings.Contains(logs, `"token_id":"`+key.ID+`"`) {
		t.Fatalf("the log does not name the key by id:\n%s", logs)
	}
}

// testRateLimit: management writes are limited per token with a tiny
// rate, so the bucket is empty after burst requests; reads and evaluation
// are not limited, and each token has its own bucket.
func testRateLimit(t *testing.T, open Opener) {
	c := newServer(t, open, testenv.WithAuth(), testenv.WithConfig(func(cfg *server.Config) { cfg.WriteRate, cfg.WriteBurst = 0.01, 2 }))
	other := c.newToken(map[string]any{"role": "editor"}) // the admin's first write
	c.create(map[string]any{"name": "rl"})                // the second
	r := c.Do("POST", "/flags", map[string]any{"name": "rl-2"})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("third write: %d %s", r.Status, r.Body)
	}
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > 100 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	var body map[string]string
	r.JSON(t, &body)
	if body["limit"] != "write-rate" || body["error"] == "" {
		t.Fatalf("429 body %s", r.Body)
	}
	c.Expect(http.StatusTooManyRequests, "POST", "/flags/rl/toggle", map[string]any{"environment": "production"})
	for range 5 {
		c.Expect(http.StatusOK, "GET", "/flags", nil)
		c.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/rl", evalBody)
	}
	c.as(other.Secret).Expect(http.StatusOK, "POST", "/flags/rl/toggle", map[string]any{"environment": "production"})
	if got := c.get("rl"); got.Version != 2 {
		t.Fatalf("a limited write changed the flag: version %d", got.Version)
	}
}
