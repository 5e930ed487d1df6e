package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
)

// request sends a request with an optional bearer token and returns the
// status and body.
func (p *process) request(t *testing.T, method, path, token, body string, headers ...string) (int, string) {
	t.Helper()
	var b any
	if body != "" {
		b = body
	}
	r := testenv.NewClient(t, p.base).As(token).Do(method, path, b, headers...)
	return r.Status, string(r.Body)
}

// stop stops a server with SIGTERM (or, in this process, by ending its
// context) and waits for it.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if p.stopMain != nil {
		if err := p.stopMain(); err != nil {
			t.Fatalf("stop: %v\n%s", err, p.logs)
		}
		return
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.logs)
	}
}

// TestSecureByDefault: without any token, serve refuses a non-loopback
// address unless --insecure says so, and names the way out.
func TestSecureByDefault(t *testing.T) {
	store := filepath.Join(t.TempDir(), "flags.db")
	r := runBinary(t, nil, nil, "serve", "--listen", "0.0.0.0:0", "--store", store)
	if r.code == 0 || !strings.Contains(string(r.stderr), "--insecure") || !strings.Contains(string(r.stderr), "token create") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	r = runBinary(t, nil, []string{"FEATUREFLAGS_LISTEN=[::]:0", "FEATUREFLAGS_STORE=" + store}, "serve")
	if r.code == 0 || !strings.Contains(string(r.stderr), "--insecure") {
		t.Fatalf("all interfaces by variable: exit %d: %s", r.code, r.stderr)
	}

	p := startMain(t, nil, "--listen", "0.0.0.0:0", "--store", store, "--insecure")
	if status, body := p.request(t, "GET", "/flags", "", ""); status != http.StatusOK {
		t.Fatalf("--insecure: %d %s", status, body)
	}
	if !strings.Contains(p.logs.String(), "--insecure") {
		t.Fatalf("no warning about --insecure:\n%s", p.logs)
	}
	p.stop(t)

	// Loopback needs nothing.
	p = startMain(t, nil, "--store", store)
	if status, _ := p.request(t, "GET", "/flags", "", ""); status != http.StatusOK {
		t.Fatalf("loopback without tokens: %d", status)
	}
}

// TestAdminTokenBootstrap: FEATUREFLAGS_ADMIN_TOKEN creates one admin token
// "bootstrap", once across restarts, switches access control on (so any
// address may be served) and never reaches the log.
func TestAdminTokenBootstrap(t *testing.T) {
	secret := "my-admin-secret-0123456789-abcdefghijklmnop"
	store := filepath.Join(t.TempDir(), "flags.db")
	env := []string{"FEATUREFLAGS_ADMIN_TOKEN=" + secret}
	for round := 0; round < 2; round++ {
		p := startMain(t, env, "--listen", "0.0.0.0:0", "--store", store)
		if status, body := p.request(t, "GET", "/flags", "", ""); status != http.StatusUnauthorized || !strings.Contains(body, `"error"`) {
			t.Fatalf("no token: %d %s", status, body)
		}
		status, body := p.request(t, "GET", "/tokens", secret, "")
		if status != http.StatusOK {
			t.Fatalf("admin token: %d %s", status, body)
		}
		var tokens []struct{ Name, Role string }
		if err := json.Unmarshal([]byte(body), &tokens); err != nil || len(tokens) != 1 || tokens[0].Name != "bootstrap" || tokens[0].Role != "admin" {
			t.Fatalf("round %d: tokens %s", round, body)
		}
		p.stop(t)
		if strings.Contains(p.logs.String(), secret) {
			t.Fatalf("the admin token reached the log:\n%s", p.logs)
		}
	}
	r := runBinary(t, nil, []string{"FEATUREFLAGS_ADMIN_TOKEN=short-secret"}, "serve", "--store", store)
	if r.code == 0 || !strings.Contains(string(r.stderr), "FEATUREFLAGS_ADMIN_TOKEN") || strings.Contains(string(r.stderr), "short-secret") {
		t.Fatalf("short admin token: exit %d: %s", r.code, r.stderr)
	}
}

// TestTokenCommand creates tokens with the command line, uses them against
// a server on the same store, lists and revokes them.
func TestTokenCommand(t *testing.T) {
	store := filepath.Join(t.TempDir(), "flags.db")
	admin := mustRun(t, nil, nil, "token", "create", "--role", "admin", "--name", "ops", "--store", store)
	secret := strings.TrimSpace(string(admin.stdout))
	if !strings.HasPrefix(secret, "ffa_") || strings.Count(string(admin.stdout), "\n") != 1 || !strings.Contains(string(admin.stderr), "only this once") {
		t.Fatalf("token create printed %q, %q", admin.stdout, admin.stderr)
	}
	key := strings.TrimSpace(string(mustRun(t, nil, []string{"FEATUREFLAGS_STORE=" + store},
		"token", "create", "--role", "client-key", "--environment", "production", "--expires", "24h").stdout))
	if !strings.HasPrefix(key, "ffc_") {
		t.Fatalf("client key %q", key)
	}

	p := startMain(t, nil, "--store", store)
	if status, _ := p.request(t, "GET", "/flags", "", ""); status != http.StatusUnauthorized {
		t.Fatalf("without a token: %d", status)
	}
	if status, body := p.request(t, "POST", "/flags", secret, `{"name":"cli","environments":{"production":true}}`); status != http.StatusCreated {
		t.Fatalf("with the CLI's token: %d %s", status, body)
	}
	if status, body := p.request(t, "POST", "/ofrep/v1/evaluate/flags/cli", "", `{"context":{}}`, "X-API-Key", key); status != http.StatusOK || !strings.Contains(body, `"value":true`) {
		t.Fatalf("with the client key: %d %s", status, body)
	}

	list := mustRun(t, nil, nil, "token", "list", "--store", store)
	out := string(list.stdout)
	if !strings.Contains(out, "ops") || !strings.Contains(out, "client-key") || !strings.Contains(out, "production") ||
		strings.Contains(out, secret) || strings.Contains(out, key) {
		t.Fatalf("token list:\n%s", out)
	}
	var opsID string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[1] == "ops" {
			opsID = f[0]
		}
	}
	mustRun(t, nil, nil, "token", "revoke", opsID, "--store", store)
	if status, body := p.request(t, "GET", "/flags", secret, ""); status != http.StatusUnauthorized || !strings.Contains(body, "revoked") {
		t.Fatalf("after revoke on the command line: %d %s", status, body)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "create", "--store", store}, "--role"},
		{[]string{"token", "create", "--role", "root", "--store", store}, "role"},
		{[]string{"token", "create", "--role", "server-key", "--store", store}, "environment"},
		{[]string{"token", "revoke", "--store", store}, "token id"},
		{[]string{"token", "revoke", "nope", "--store", store}, "not found"},
		{[]string{"token", "destroy"}, "unknown token command"},
	} {
		r := runBinary(t, nil, nil, tc.args...)
		if r.code == 0 || !strings.Contains(string(r.stderr), tc.want) {
			t.Errorf("%v: exit %d: %s", tc.args, r.code, r.stderr)
		}
	}
}

// TestImportAudit: an import by the command line is one audit event by the
// actor "cli".
func TestImportAudit(t *testing.T) {
	store := filepath.Join(t.TempDir(), "flags.db")
	file := filepath.Join(t.TempDir(), "in.json")
	writeFile(t, file, `{"environments":[{"name":"production","createdAt":"2026-01-01T00:00:00Z"}],"segments":[],
		"flags":[{"_id":"f1","name":"imported","description":"","type":"boolean","environments":{"production":true},
		"version":1,"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}]}`)
	mustRun(t, nil, nil, "import", "--store", store, file)
	p := startMain(t, nil, "--store", store)
	status, body := p.request(t, "GET", "/audit", "", "")
	var page struct {
		Events []struct {
			Action string
			Actor  struct{ Type string }
		}
	}
	if err := json.Unmarshal([]byte(body), &page); status != http.StatusOK || err != nil {
		t.Fatalf("audit: %d %s", status, body)
	}
	if len(page.Events) != 1 || page.Events[0].Action != "import" || page.Events[0].Actor.Type != "cli" {
		t.Fatalf("audit after import: %s", body)
	}
}

// TestLimitConfiguration: a configured limit is enforced and named. The
// write rate applies per token, so that part runs with access control on.
func TestLimitConfiguration(t *testing.T) {
	admin := "Xq7vR2pLk9Tz4WmB8nC1yH6sD3fJ5gA0"
	p := startMain(t, []string{"FEATUREFLAGS_ADMIN_TOKEN=" + admin},
		"--max-flags", "1", "--write-rate", "0.001", "--write-burst", "3")
	if status, _ := p.request(t, "POST", "/flags", admin, `{"name":"one"}`); status != http.StatusCreated {
		t.Fatal(status)
	}
	if status, body := p.request(t, "POST", "/flags", admin, `{"name":"two"}`); status != http.StatusConflict || !strings.Contains(body, "max-flags") {
		t.Fatalf("over --max-flags: %d %s", status, body)
	}
	p.request(t, "POST", "/flags", admin, `{"name":"three"}`)
	if status, body := p.request(t, "POST", "/flags", admin, `{"name":"four"}`); status != http.StatusTooManyRequests || !strings.Contains(body, "write-rate") {
		t.Fatalf("over --write-rate: %d %s", status, body)
	}
	for _, tc := range []struct{ args, want string }{
		{"--write-rate=-1", "--write-rate"},
		{"--max-rules-per-flag=0", "--max-rules-per-flag"},
		{"--read-header-timeout=0s", "--read-header-timeout"},
	} {
		r := runBinary(t, nil, nil, "serve", tc.args)
		if r.code == 0 || !strings.Contains(string(r.stderr), tc.want) {
			t.Errorf("%s: exit %d: %s", tc.args, r.code, r.stderr)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
