package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// datasetFile writes an export-format file of n flags and returns its path.
func datasetFile(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"revision":1,"environments":[{"name":"production"}],"segments":[],"flags":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"_id":"%024x","name":"flag-%06d","type":"boolean","environments":{"production":true},`+
			`"version":1,"createdAt":"2026-03-14T15:09:26Z","updatedAt":"2026-03-14T15:09:26Z"}`, i+1, i)
	}
	b.WriteString("]}")
	path := filepath.Join(t.TempDir(), "flags.json")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportHonoursMaxFlags: import takes --max-flags and
// FEATUREFLAGS_MAX_FLAGS as serve does, names the limit when over it and
// imports nothing; its default is serve's (100,000), not 10,000.
func TestImportHonoursMaxFlags(t *testing.T) {
	three := datasetFile(t, 3)
	db := filepath.Join(t.TempDir(), "flags.db")
	for _, run := range []struct {
		env  []string
		args []string
	}{
		{nil, []string{"import", "--store", db, "--max-flags", "2", three}},
		{[]string{"FEATUREFLAGS_MAX_FLAGS=2"}, []string{"import", "--store", db, three}},
	} {
		r := runBinary(t, nil, run.env, run.args...)
		if r.code == 0 || !strings.Contains(string(r.stderr), "max-flags") || !strings.Contains(string(r.stderr), "nothing was imported") {
			t.Fatalf("%v %v over the limit: exit %d\n%s", run.env, run.args, r.code, r.stderr)
		}
	}
	if out := mustRun(t, nil, nil, "export", "--store", db).stdout; strings.Contains(string(out), "flag-0") {
		t.Fatalf("a refused import left flags:\n%s", out)
	}
	if r := runBinary(t, nil, nil, "import", "--store", db, "--max-flags", "0", three); r.code == 0 || !strings.Contains(string(r.stderr), "--max-flags (FEATUREFLAGS_MAX_FLAGS) must be at least 1") {
		t.Fatalf("--max-flags 0: exit %d\n%s", r.code, r.stderr)
	}
	mustRun(t, nil, []string{"FEATUREFLAGS_MAX_FLAGS=2"}, "import", "--store", db, "--max-flags", "3", three)

	r := mustRun(t, nil, nil, "import", "--store", filepath.Join(t.TempDir(), "big.db"), datasetFile(t, 10001))
	if got := strings.TrimSpace(string(r.stderr)); got != "imported 1 environments, 0 segments, 10001 flags" {
		t.Fatalf("import of 10,001 flags with the default limit: %q", got)
	}
}
