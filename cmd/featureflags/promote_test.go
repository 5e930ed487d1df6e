package main

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
)

// The command line compares two environments and promotes one flag, then
// several, over the API.
func TestCLICompareAndPromote(t *testing.T) {
	s := testenv.Start(t)
	for _, name := range []string{"a", "b"} {
		s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": name, "environments": map[string]bool{"staging": true}})
	}
	env := []string{"FEATUREFLAGS_SERVER=" + s.URL()}
	if r := mustRun(t, nil, env, "envs", "compare", "staging", "production"); !bytes.Contains(r.stdout, []byte("on in staging, off in production")) {
		t.Fatalf("compare printed %s", r.stdout)
	}
	mustRun(t, nil, env, "flags", "promote", "a", "--from", "staging", "--to", "production")
	if r := runBinary(t, nil, env, "promote", "--flags", "a,b", "--from", "staging", "--to", "production", "--if-match", "1"); r.code == 0 {
		t.Fatalf("a promotion at a stale revision succeeded: %s", r.stdout)
	}
	mustRun(t, nil, env, "promote", "--flags", "a,b", "--from", "staging", "--to", "production")
	if r := mustRun(t, nil, env, "envs", "compare", "staging", "production"); !bytes.Contains(r.stdout, []byte("same      2")) {
		t.Fatalf("after promoting: %s", r.stdout)
	}
}
