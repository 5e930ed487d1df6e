package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// api runs the built binary against the server at base with token, and
// checks its exit code.
func api(t *testing.T, base, token string, wantCode int, stdin string, args ...string) result {
	t.Helper()
	env := []string{"FEATUREFLAGS_SERVER=" + base, "FEATUREFLAGS_TOKEN=" + token}
	r := runBinary(t, []byte(stdin), env, args...)
	if r.code != wantCode {
		t.Fatalf("featureflags %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, wantCode, r.stdout, r.stderr)
	}
	return r
}

// jsonOf decodes a command's JSON output.
func jsonOf[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.stdout, &v); err != nil {
		t.Fatalf("output %q is not the expected JSON: %v", r.stdout, err)
	}
	return v
}

func TestCLIFlags(t *testing.T) {
	s := testenv.Start(t, testenv.WithAuth())
	cli := func(code int, stdin string, args ...string) result {
		t.Helper()
		return api(t, s.URL(), s.Token, code, stdin, args...)
	}

	cli(0, "", "flags", "create", "checkout", "--description", "New checkout", "--on", "development,staging", "--tags", "web")
	got := jsonOf[ff.Flag](t, cli(0, "", "flags", "get", "checkout", "-o", "json"))
	if got.Description != "New checkout" || !got.Environments["staging"] || got.Environments["production"] || got.Tags[0] != "web" {
		t.Errorf("created %+v", got)
	}
	table := string(cli(0, "", "flags", "list", "--environment", "staging").stdout)
	if !regexp.MustCompile(`(?m)^checkout\s+boolean\s+true\s+development:on production:off staging:on\s+1\s+New checkout$`).MatchString(table) {
		t.Errorf("table:\n%s", table)
	}
	var listed []map[string]any
	if err := yaml.Unmarshal(cli(0, "", "flags", "list", "-o", "yaml").stdout, &listed); err != nil || len(listed) != 1 || listed[0]["name"] != "checkout" {
		t.Errorf("yaml list %v: %v", listed, err)
	}

	// Optimistic concurrency: a stale version is refused with the server's message.
	r := cli(1, "", "flags", "update", "checkout", "--description", "v2", "--if-match", "7")
	if !strings.Contains(string(r.stderr), "If-Match") {
		t.Errorf("stderr %q does not carry the server's message", r.stderr)
	}
	cli(0, "", "flags", "update", "checkout", "--description", "v2", "--if-match", "1")
	toggled := jsonOf[map[string]any](t, cli(0, "", "flags", "toggle", "checkout", "production", "-o", "json"))
	if toggled["enabled"] != true {
		t.Errorf("toggle answered %v", toggled)
	}

	// Targeting from standard input, then removed.
	cli(0, `{"rules":[{"conditions":[{"attribute":"plan","operator":"eq","value":"pro"}],"serve":{"variant":"on"}}],"defaultServe":{"variant":"off"}}`,
		"targeting", "set", "checkout", "production", "--file", "-")
	if f := flagOf(t, s, "checkout"); f.Targeting["production"] == nil || len(f.Targeting["production"].Rules) != 1 {
		t.Fatalf("targeting not set: %+v", f.Targeting)
	}
	cli(0, "", "targeting", "delete", "checkout", "production")
	if f := flagOf(t, s, "checkout"); f.Targeting["production"] != nil {
		t.Errorf("targeting not removed: %+v", f.Targeting)
	}
	history := jsonOf[struct{ Events []ff.AuditEvent }](t, cli(0, "", "flags", "history", "checkout", "-o", "json"))
	var actions []string
	for _, e := range history.Events {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "flag.targeting flag.targeting flag.toggle flag.update flag.create" {
		t.Errorf("history %v", actions)
	}

	cli(0, "", "flags", "delete", "checkout")
	if r := cli(4, "", "flags", "get", "checkout"); !strings.Contains(string(r.stderr), `flag "checkout" not found`) {
		t.Errorf("not found: stderr %q", r.stderr)
	}
}

// flagOf reads a flag through the API.
func flagOf(t *testing.T, s *testenv.Server, name string) ff.Flag {
	t.Helper()
	var f ff.Flag
	s.Expect(200, "GET", "/flags/"+name, nil).JSON(t, &f)
	return f
}

func TestCLIResources(t *testing.T) {
	s := testenv.Start(t, testenv.WithAuth())
	cli := func(code int, args ...string) result { t.Helper(); return api(t, s.URL(), s.Token, code, "", args...) }

	cli(0, "envs", "create", "qa")
	envs := jsonOf[[]ff.Environment](t, cli(0, "envs", "list", "-o", "json"))
	if len(envs) != 4 || envs[3].Name != "qa" {
		t.Errorf("environments %+v", envs)
	}
	cli(0, "envs", "delete", "qa")
	cli(4, "envs", "delete", "qa")

	cli(0, "segments", "create", "beta", "--match", "any", "--description", "testers")
	cli(0, "segments", "update", "beta", "--match", "all")
	if sg := jsonOf[ff.Segment](t, cli(0, "segments", "get", "beta", "-o", "json")); sg.Match != "all" || sg.Description != "testers" {
		t.Errorf("segment %+v", sg)
	}
	if out := cli(0, "segments", "list").stdout; !bytes.Contains(out, []byte("beta")) {
		t.Errorf("segments list:\n%s", out)
	}
	cli(0, "segments", "delete", "beta")

	created := jsonOf[map[string]any](t, cli(0, "tokens", "create", "ci", "--role", "viewer", "-o", "json"))
	secret, _ := created["secret"].(string)
	if !strings.HasPrefix(secret, "ffa_") && !strings.HasPrefix(secret, "ff") {
		t.Fatalf("token %v", created)
	}
	// The viewer reads but may not write: refused (1) with the server's message.
	if me := jsonOf[map[string]any](t, api(t, s.URL(), secret, 0, "", "me", "-o", "json")); me["role"] != "viewer" {
		t.Errorf("me %v", me)
	}
	if r := api(t, s.URL(), secret, 1, "", "flags", "create", "x"); !bytes.Contains(r.stderr, []byte("featureflags: ")) || len(r.stdout) != 0 {
		t.Errorf("refused write: stdout %q stderr %q", r.stdout, r.stderr)
	}
	api(t, s.URL(), "wrong", 1, "", "flags", "list")
	cli(0, "tokens", "revoke", created["_id"].(string))
	api(t, s.URL(), secret, 1, "", "flags", "list")

	audit := jsonOf[struct{ Events []ff.AuditEvent }](t, cli(0, "audit", "--limit", "2", "-o", "json"))
	if len(audit.Events) != 2 || audit.Events[0].Action != "token.revoke" {
		t.Errorf("audit %+v", audit.Events)
	}
	cli(1, "audit", "--limit", "0")
}

func TestCLIEval(t *testing.T) {
	s := testenv.Start(t)
	s.Expect(201, "POST", "/flags", map[string]any{"name": "shown", "environments": map[string]bool{"staging": true}})
	one := jsonOf[map[string]any](t, api(t, s.URL(), "", 0, "", "eval", "shown", "--environment", "staging", "--targeting-key", "u1", "-o", "json"))
	if one["value"] != true || one["reason"] != "STATIC" {
		t.Errorf("eval %v", one)
	}
	if out := api(t, s.URL(), "", 0, "", "eval", "--environment", "production").stdout; !regexp.MustCompile(`(?m)^shown\s+false\s+off\s+DISABLED`).Match(out) {
		t.Errorf("bulk table:\n%s", out)
	}
	if r := api(t, s.URL(), "", 4, "", "eval", "missing"); !bytes.Contains(r.stderr, []byte("FLAG_NOT_FOUND")) {
		t.Errorf("missing flag: %q", r.stderr)
	}
	api(t, s.URL(), "", 2, "", "eval", "--context", "[1]")
}

// TestCLIExitCodes: usage 2, unreachable 3, and the help names every command.
func TestCLIExitCodes(t *testing.T) {
	api(t, "http://127.0.0.1:1", "", 3, "", "flags", "list")
	api(t, "http://127.0.0.1:1", "", 2, "", "flags", "list", "--output", "xml")
	api(t, "http://127.0.0.1:1", "", 2, "", "flags", "get")
	api(t, "http://127.0.0.1:1", "", 2, "", "flags", "frobnicate")
	// --help never shows the token.
	if r := api(t, "", "ffa_secret", 0, "", "flags", "list", "--help"); bytes.Contains(r.stderr, []byte("ffa_secret")) || !bytes.Contains(r.stderr, []byte("--environment")) && !bytes.Contains(r.stderr, []byte("-environment")) {
		t.Errorf("help:\n%s", r.stderr)
	}
	help := api(t, "", "", 0, "", "help").stdout
	for _, c := range commands() {
		if !bytes.Contains(help, []byte("featureflags "+c.name)) {
			t.Errorf("help lacks %s", c.name)
		}
	}
}

// TestCLIExportImport moves a dataset from one server to another through
// the API and exports the same data from both.
func TestCLIExportImport(t *testing.T) {
	from, to := testenv.Start(t), testenv.Start(t, testenv.WithAuth())
	from.Expect(201, "POST", "/segments", map[string]any{"name": "beta", "match": "any"})
	from.Expect(201, "POST", "/flags", map[string]any{"name": "a", "description": "first", "environments": map[string]bool{"staging": true}})
	data := api(t, from.URL(), "", 0, "", "export").stdout
	file := t.TempDir() + "/data.json"
	writeFile(t, file, string(data))
	if r := api(t, to.URL(), to.Token, 0, "", "import", file, "-o", "json"); !bytes.Contains(r.stdout, []byte(`"flags": 1`)) {
		t.Errorf("import answered %s", r.stdout)
	}
	again := api(t, to.URL(), to.Token, 0, "", "export").stdout
	// The same flags and segments; the environments existed already.
	items := func(data []byte) string {
		d := jsonOf[ff.Dataset](t, result{stdout: data})
		out, _ := json.Marshal([]any{d.Flags, d.Segments})
		return string(out)
	}
	if a, b := items(data), items(again); a != b || !strings.Contains(a, `"description":"first"`) {
		t.Errorf("exports differ:\n%s\n%s", a, b)
	}
	// A bad file changes nothing and prints the server's message.
	writeFile(t, file, `{"flags":[{"name":"bad name!"}]}`)
	if r := api(t, to.URL(), to.Token, 1, "", "import", file); !bytes.Contains(r.stderr, []byte("nothing was imported")) {
		t.Errorf("bad import: %q", r.stderr)
	}
	// Without a server the commands still work on a store file.
	store := t.TempDir() + "/f.db"
	runBinary(t, nil, []string{"FEATUREFLAGS_SERVER="}, "import", "--store", store, file)
	if r := runBinary(t, nil, []string{"FEATUREFLAGS_SERVER=" + to.URL()}, "export", "--store", store); r.code != 0 || !bytes.Contains(r.stdout, []byte(`"environments"`)) {
		t.Errorf("store export with --store: %d %s", r.code, r.stderr)
	}
}

// TestCLICompletion checks each shell's script; bash must also parse it.
func TestCLICompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		out := api(t, "", "", 0, "", "completion", sh).stdout
		for _, word := range []string{"flags", "segments", "toggle", "revoke", "completion"} {
			if !bytes.Contains(out, []byte(word)) {
				t.Errorf("%s completion lacks %q", sh, word)
			}
		}
	}
	api(t, "", "", 2, "", "completion", "tcsh")
	if _, err := exec.LookPath("bash"); err == nil {
		cmd := exec.Command("bash", "-n")
		cmd.Stdin = bytes.NewReader(api(t, "", "", 0, "", "completion", "bash").stdout)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v\n%s", err, out)
		}
	}
}

// TestCLICoversAPI fails when an operation of the management API or OFREP
// has no command: each route of the table but the streams, probes,
// metrics, UI files, this document and CORS preflights.
func TestCLICoversAPI(t *testing.T) {
	s := testenv.Start(t)
	placeholder := regexp.MustCompile(`\{[^}]*\}`)
	covered := map[string]bool{"GET /export": true, "POST /import": true,
		"POST /ofrep/v1/evaluate/flags/{}": true, "POST /ofrep/v1/evaluate/flags": true}
	for _, g := range apiGroups() {
		for _, ep := range g.subs {
			covered[ep.method+" "+placeholder.ReplaceAllString(ep.path, "{}")] = true
		}
	}
	skip := regexp.MustCompile(`^(OPTIONS .*|GET /(sdk/.*|ofrep/v1/events|events|healthz|readyz|metrics|ui/|openapi.json)|POST /sdk/v1/usage|POST /apply)$`) // SDKs report usage; plan and apply drive /apply
	for _, rt := range s.API().Routes() {
		key := rt.Method + " " + placeholder.ReplaceAllString(rt.Pattern, "{}")
		if !covered[key] && !skip.MatchString(rt.Method+" "+rt.Pattern) {
			t.Errorf("no command for %s %s: add one to apiGroups (cli_commands.go)", rt.Method, rt.Pattern)
		}
	}
}
