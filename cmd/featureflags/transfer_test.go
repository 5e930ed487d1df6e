package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/store/postgres/pgtest"
)

// result is what one run of the binary did.
type result struct {
	stdout, stderr []byte
	code           int
}

// runBinary runs the featureflags binary with args, extra environment
// variables and stdin.
func runBinary(t *testing.T, stdin []byte, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run %v: %v", args, err)
	}
	return r
}

// mustRun runs the binary and fails the test unless it succeeds.
func mustRun(t *testing.T, stdin []byte, env []string, args ...string) result {
	t.Helper()
	r := runBinary(t, stdin, env, args...)
	if r.code != 0 {
		t.Fatalf("featureflags %v: exit %d\n%s", args, r.code, r.stderr)
	}
	return r
}

var revisionLine = regexp.MustCompile(`(?m)^  "revision": \d+,$`)

// withoutRevision blanks the revision of an export, which differs between
// stores holding the same data.
func withoutRevision(t *testing.T, export []byte) []byte {
	t.Helper()
	if len(revisionLine.FindAll(export, -1)) != 1 {
		t.Fatalf("export has no single revision line:\n%s", export)
	}
	return revisionLine.ReplaceAll(export, []byte(`  "revision": 0,`))
}

// seedThroughServe creates, through the HTTP API of a real `serve` on a new
// SQLite file, flags of every type with variants, tags, targeting with rules
// and rollouts, segments using each other and an extra environment, and
// returns the file's path once the server has stopped.
func seedThroughServe(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seed.db")
	p := startMain(t, nil, "--store", path)
	calls := []struct{ path, body string }{
		{"/environments", `{"name":"qa.eu-1"}`},
		{"/segments", `{"name":"beta-users","description":"Bêta testers — ✓ 日本","match":"any","conditions":[
			{"attribute":"user.plan","operator":"in","value":["beta",2.5,true]},
			{"attribute":"email","operator":"endsWith","value":"@example.com"}]}`},
		{"/segments", `{"name":"internal","conditions":[{"operator":"inSegment","value":"beta-users"},
			{"attribute":"app.version","operator":"semverGte","value":"2.1.0"}]}`},
		{"/flags", `{"name":"checkout-v2","description":"New checkout <flow> & more","tags":["payments","team.web"],
			"environments":{"production":true,"qa.eu-1":true},
			"targeting":{"production":{
				"rules":[{"name":"beta","conditions":[{"operator":"inSegment","value":"beta-users"}],"serve":{"variant":"on"}}],
				"defaultServe":{"rollout":{"variants":[{"variant":"on","weight":12.5},{"variant":"off","weight":87.5}]}}}}}`},
		{"/flags", `{"name":"banner","type":"string","variants":{"red":"#f00","blue":"#00f","unicode":"héllo 🌍"},
			"environments":{"staging":true},
			"targeting":{"qa.eu-1":{"rules":[{"conditions":[{"attribute":"country","operator":"in","value":["FR","DE"]},
				{"operator":"notInSegment","value":"internal"}],"serve":{"rollout":{"bucketBy":"user.id",
				"variants":[{"variant":"red","weight":33.333},{"variant":"blue","weight":66.667}]}}}],
				"defaultServe":{"variant":"blue"},"offVariant":"red"}}}`},
		{"/flags", `{"name":"limits","type":"number","variants":{"tiny":0.1,"huge":1e21,"negative":-3,"zero":0},
			"targeting":{"production":{"rules":[{"conditions":[{"attribute":"n","operator":"gt","value":1e-7}],"serve":{"variant":"huge"}}],
				"defaultServe":{"variant":"tiny"}}}}`},
		{"/flags", `{"name":"layout","type":"object","description":"","variants":{
			"grid":{"cols":3,"nested":{"list":[1,"two",null,true,{"deep":[0.5]}]},"empty":{}},
			"list":{"cols":1}}}`},
		{"/flags", `{"name":"plain"}`},
	}
	for _, c := range calls {
		if status, body := p.post(t, c.path, c.body); status != 201 {
			t.Fatalf("POST %s: %d %s", c.path, status, body)
		}
	}
	for _, c := range []struct{ path, body string }{
		{"/flags/plain/toggle", `{"environment":"development"}`},
		{"/flags/plain/toggle", `{"environment":"qa.eu-1"}`},
		{"/flags/limits/toggle", `{"environment":"production"}`},
	} {
		if status, body := p.post(t, c.path, c.body); status != 200 {
			t.Fatalf("POST %s: %d %s", c.path, status, body)
		}
	}
	p.stop(t)
	return path
}

// TestExportImportRoundTrip seeds SQLite through serve, exports it, imports
// the file into PostgreSQL and exports that: the two exports must be the
// same bytes but for the revision. A second import changes nothing, and bad
// files fail with a message and leave the store as it was.
func TestExportImportRoundTrip(t *testing.T) {
	pg := pgtest.URL(t)
	sqlitePath := seedThroughServe(t)

	exported := mustRun(t, nil, nil, "export", "--store", sqlitePath).stdout
	for _, want := range []string{`"qa.eu-1"`, `"beta-users"`, `"rollout"`, `"huge": 1e+21`, `"tiny": 0.1`, `"team.web"`, "Bêta testers — ✓ 日本", "<flow> & more"} {
		if !bytes.Contains(exported, []byte(want)) {
			t.Fatalf("export lacks %s:\n%s", want, exported)
		}
	}
	file := filepath.Join(t.TempDir(), "export.json")
	if err := os.WriteFile(file, exported, 0o600); err != nil {
		t.Fatal(err)
	}

	// --store on the command line, then FEATUREFLAGS_STORE.
	r := mustRun(t, nil, nil, "import", "--store", pg, file)
	if got := strings.TrimSpace(string(r.stderr)); got != "imported 4 environments, 2 segments, 5 flags" {
		t.Fatalf("import summary %q", got)
	}
	pgEnv := []string{"FEATUREFLAGS_STORE=" + pg}
	fromPG := mustRun(t, nil, pgEnv, "export").stdout
	if a, b := withoutRevision(t, exported), withoutRevision(t, fromPG); !bytes.Equal(a, b) {
		t.Fatalf("PostgreSQL export differs from the SQLite one:\nSQLite:\n%s\nPostgreSQL:\n%s", a, b)
	}

	// Importing again (from stdin this time) changes nothing.
	mustRun(t, exported, pgEnv, "import", "-")
	again := mustRun(t, nil, pgEnv, "export").stdout
	if a, b := withoutRevision(t, fromPG), withoutRevision(t, again); !bytes.Equal(a, b) {
		t.Fatalf("a second import changed the data:\nbefore:\n%s\nafter:\n%s", a, b)
	}

	// Bad files: each fails, says why, and changes nothing at all.
	before := mustRun(t, nil, pgEnv, "export").stdout
	newFlag := `{"_id":"0123456789abcdef01234567","name":"NAME","description":"","type":"boolean","environments":{"production":true},` +
		`"version":1,"createdAt":"2026-03-14T15:09:26.535Z","updatedAt":"2026-03-14T15:09:26.535Z"}`
	flag := func(name string) string { return strings.Replace(newFlag, "NAME", name, 1) }
	withFlags := func(flags ...string) string {
		return `{"revision":1,"environments":[{"name":"production","createdAt":"2026-03-14T15:09:26.535Z"}],` +
			`"segments":[],"flags":[` + strings.Join(flags, ",") + `]}`
	}
	bad := []struct {
		name, body string
		want       []string
	}{
		{"unknown field", strings.Replace(withFlags(flag("fresh")), `"type":"boolean"`, `"type":"boolean","colour":"red"`, 1),
			[]string{`unknown field "colour" in flags[0]`, "line 1, column"}},
		{"unknown segment", strings.Replace(withFlags(flag("fresh")), `"version":1`,
			`"targeting":{"production":{"rules":[{"conditions":[{"operator":"inSegment","value":"nobody"}],"serve":{"variant":"on"}}]}},"version":1`, 1),
			[]string{`unknown segment "nobody"`, "flags[0].targeting.production.rules[0].conditions[0].value", "nothing was imported"}},
		{"duplicate flag names", withFlags(flag("fresh"), strings.Replace(flag("fresh"), "01234567\"", "76543210\"", 1)),
			[]string{`flag name "fresh" is used twice`, "flags[1].name"}},
		{"duplicate segment names", strings.Replace(withFlags(), `"segments":[]`,
			`"segments":[{"_id":"s1","name":"s","match":"all","conditions":[],"version":1},{"_id":"s2","name":"s","match":"all","conditions":[],"version":1}]`, 1),
			[]string{`segment name "s" is used twice`, "segments[1].name"}},
		{"duplicate environments", strings.Replace(withFlags(), `"environments":[{"name":"production","createdAt":"2026-03-14T15:09:26.535Z"}]`,
			`"environments":[{"name":"production"},{"name":"qa"},{"name":"production"}]`, 1),
			[]string{`environment "production" is listed twice`, "environments[2].name"}},
		{"unknown environment", strings.Replace(withFlags(flag("fresh")), `{"production":true}`, `{"moon":true}`, 1),
			[]string{`unknown environment "moon"`, "flags[0].environments.moon"}},
		{"version 0", strings.Replace(withFlags(flag("fresh")), `"version":1`, `"version":0`, 1),
			[]string{"version must be at least 1", "flags[0].version"}},
		{"missing id", strings.Replace(withFlags(flag("fresh")), `"_id":"0123456789abcdef01234567",`, ``, 1),
			[]string{"_id is required", "flags[0]._id"}},
		// The valid flag before the bad one must not land either.
		{"bad variant after a good flag", withFlags(strings.Replace(flag("good"), "01234567\"", "76543210\"", 1),
			strings.Replace(flag("fresh"), `"type":"boolean"`, `"type":"number","variants":{"x":"not a number"}`, 1)),
			[]string{"flags[1].variants.x"}},
		{"wrong type", strings.Replace(withFlags(flag("fresh")), `"version":1`, `"version":"1"`, 1),
			[]string{"flags[0].version must be a number, not a string"}},
		{"duplicate key", strings.Replace(withFlags(flag("fresh")), `"name":"fresh"`, `"name":"fresh","name":"other"`, 1),
			[]string{`duplicate key "name" in flags[0]`}},
		{"truncated", withFlags(flag("fresh"))[:60], []string{"ends too early"}},
		{"trailing data", withFlags(flag("fresh")) + " {}", []string{"data after the JSON object"}},
		{"empty", "", []string{"the file is empty"}},
	}
	for _, tc := range bad {
		r := runBinary(t, []byte(tc.body), pgEnv, "import", "-")
		if r.code == 0 {
			t.Fatalf("%s: import succeeded:\n%s", tc.name, tc.body)
		}
		for _, want := range tc.want {
			if !strings.Contains(string(r.stderr), want) {
				t.Fatalf("%s: message %q lacks %q", tc.name, r.stderr, want)
			}
		}
		if after := mustRun(t, nil, pgEnv, "export").stdout; !bytes.Equal(after, before) {
			t.Fatalf("%s: a failed import changed the store:\nbefore:\n%s\nafter:\n%s", tc.name, before, after)
		}
	}

	// A missing file and a missing argument fail too.
	if r := runBinary(t, nil, pgEnv, "import", filepath.Join(t.TempDir(), "nope.json")); r.code == 0 || !bytes.Contains(r.stderr, []byte("nope.json")) {
		t.Fatalf("import of a missing file: exit %d, %s", r.code, r.stderr)
	}
	if r := runBinary(t, nil, pgEnv, "import"); r.code == 0 || !bytes.Contains(r.stderr, []byte("exactly one file")) {
		t.Fatalf("import without a file: exit %d, %s", r.code, r.stderr)
	}
}

// TestExportEmptyStore checks the export of an empty store: empty lists,
// not null, so that every store writes the same file.
func TestExportEmptyStore(t *testing.T) {
	r := mustRun(t, nil, nil, "export", "--store", filepath.Join(t.TempDir(), "empty.db"))
	want := "{\n  \"revision\": 0,\n  \"environments\": [],\n  \"flags\": [],\n  \"segments\": []\n}\n"
	if string(r.stdout) != want {
		t.Fatalf("export of an empty store:\n%s", r.stdout)
	}
}
