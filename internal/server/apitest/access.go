package apitest

import (
	"net/http"
	"strconv"
	"strings"
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
