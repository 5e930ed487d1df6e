package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/schema"
)

func tempFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestValidateOffline: validate needs no server and names file, line and
// field.
func TestValidateOffline(t *testing.T) {
	good := tempFile(t, "flags.yaml", schema.Example)
	if r := mustRun(t, nil, nil, "validate", good); !strings.Contains(string(r.stdout), "valid") {
		t.Fatalf("stdout %s", r.stdout)
	}
	bad := strings.Replace(string(schema.Example), "{variant: red, weight: 50}", "{variant: blue, weight: 50}", 1)
	r := runBinary(t, nil, nil, "validate", tempFile(t, "bad.yaml", []byte(bad)))
	want := "bad.yaml:38: flags[1].targeting.production.defaultServe.rollout.variants[0].variant: "
	if r.code != 1 || !strings.Contains(string(r.stderr), want) {
		t.Fatalf("exit %d, stderr %s; want %q", r.code, r.stderr, want)
	}
}

// TestPlanApplyAgainstServer runs the built binary's plan and apply against
// a real server: plan exits 2 with changes, apply at the plan's revision
// applies, a second plan finds nothing, and an apply after someone else's
// edit is refused.
func TestPlanApplyAgainstServer(t *testing.T) {
	p := startMain(t, nil)
	server := []string{"FEATUREFLAGS_SERVER=" + p.base}
	file := tempFile(t, "flags.yaml", schema.Example)

	r := runBinary(t, nil, server, "plan", file)
	if r.code != 2 || !strings.Contains(string(r.stdout), "+ flag new-checkout") || !strings.Contains(string(r.stdout), "+ segment beta-testers") {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	rev := planRevision(t, server, file)
	if r := mustRun(t, nil, server, "apply", file, "--revision", rev); !strings.Contains(string(r.stdout), "applied at revision") {
		t.Fatalf("apply: %s", r.stdout)
	}
	if r := runBinary(t, nil, server, "plan", file, "--prune"); r.code != 0 || !strings.Contains(string(r.stdout), "no changes") {
		t.Fatalf("plan after apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	edited := strings.Replace(string(schema.Example), "The redesigned checkout", "The checkout, redesigned", 1)
	file = tempFile(t, "edited.yaml", []byte(edited))
	rev = planRevision(t, server, file)
	if code, body := p.post(t, "/flags/new-checkout/toggle", `{"environment":"production"}`); code != 200 {
		t.Fatalf("toggle: %d %s", code, body)
	}
	r = runBinary(t, nil, server, "apply", file, "--revision", rev)
	if r.code != 1 || !strings.Contains(string(r.stderr), "changed since the plan") || !strings.Contains(string(r.stderr), "plan again") {
		t.Fatalf("stale apply: exit %d\n%s", r.code, r.stderr)
	}
}

func planRevision(t *testing.T, env []string, file string) string {
	t.Helper()
	r := runBinary(t, nil, env, "plan", file, "--output", "json")
	var plan struct{ Revision int64 }
	if err := json.Unmarshal(r.stdout, &plan); err != nil || r.code == 1 {
		t.Fatalf("plan --output json: exit %d %v\n%s", r.code, err, r.stderr)
	}
	return strconv.FormatInt(plan.Revision, 10)
}

// TestImportFromFlagdAndExportToFlagd: a flagd file is converted (problems
// on stderr), applied, and exported back to flagd from the store.
func TestImportFromFlagdAndExportToFlagd(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "flags.db")
	p := startMain(t, nil, "--store", store)
	server := []string{"FEATUREFLAGS_SERVER=" + p.base}
	flagd := tempFile(t, "flagd.json", []byte(`{"flags": {
		"color": {"state": "ENABLED", "variants": {"red": "red", "blue": "blue"}, "defaultVariant": "red",
		          "targeting": {"fractional": [["red", 50], ["blue", 50]]}},
		"computed": {"state": "ENABLED", "variants": {"a": "a"}, "defaultVariant": "a",
		          "targeting": {"if": [{"some": [[1], {"==": [{"var": ""}, 1]}]}, "a", "a"]}}}}`))
	r := mustRun(t, nil, server, "import", "--from", "flagd", flagd)
	if !strings.Contains(string(r.stderr), "computed: left out:") || !strings.Contains(string(r.stdout), `"scheme": "flagd"`) {
		t.Fatalf("import: %s\n%s", r.stdout, r.stderr)
	}
	if r := mustRun(t, nil, server, "import", "--from", "flagd", flagd, "--apply"); !strings.Contains(string(r.stdout), "+ flag color") {
		t.Fatalf("import --apply: %s", r.stdout)
	}
	r = mustRun(t, nil, []string{"FEATUREFLAGS_STORE=" + store}, "export", "--format", "flagd")
	var out struct{ Flags map[string]json.RawMessage }
	// flagd's shorthand hashed the flag key + targeting key: the export
	// says so explicitly, so flagd buckets everyone as before.
	if err := json.Unmarshal(r.stdout, &out); err != nil || !strings.Contains(string(out.Flags["color"]), `"cat": [`) {
		t.Fatalf("export: %v\n%s", err, r.stdout)
	}
}
