package view

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
)

// TestReportProblems: a flag that does not compile is logged once, with
// its name, environment, place and reason, when the view that first holds
// it is installed, and not again while it stays the same.
func TestReportProblems(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	broken := &ff.Flag{ID: "b", Name: "broken", Environments: map[string]bool{"production": true},
		Targeting: map[string]*ff.Targeting{"production": {Rules: []ff.Rule{{
			Conditions: []ff.Condition{{Operator: "inSegment", Value: "gone"}},
			Serve:      ff.Serve{Variant: "on"},
		}}}}}
	fine := &ff.Flag{ID: "f", Name: "fine", Environments: map[string]bool{"production": true}}
	envs := []*ff.Environment{{Name: "production"}, {Name: "staging"}}
	v1 := New(&ff.Dataset{Revision: 1, Environments: envs, Flags: []*ff.Flag{fine}}, nil)
	v2 := New(&ff.Dataset{Revision: 2, Environments: envs, Flags: []*ff.Flag{broken, fine}}, nil)
	reportProblems(log, nil, v1)
	if buf.Len() != 0 {
		t.Fatalf("logged %s for a view without problems", buf.String())
	}
	reportProblems(log, v1, v2)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("logged %d lines, want 1: %s", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["flag"] != "broken" || rec["environment"] != "production" || rec["level"] != "WARN" ||
		!strings.HasPrefix(rec["field"].(string), "targeting.production.rules[0]") || !strings.Contains(rec["reason"].(string), "gone") {
		t.Fatalf("log record %v", rec)
	}
	buf.Reset()
	v3 := v2.WithFlag("f", nil, 3)
	reportProblems(log, v2, v3)
	if buf.Len() != 0 {
		t.Fatalf("logged the same problem again: %s", buf.String())
	}
	// A view patched in one flag: that flag's new problem is logged, an
	// unchanged one is not.
	edited := *broken
	edited.Description = "changed, still broken"
	v4 := v3.WithFlag("b", &edited, 4)
	reportProblems(log, v3, v4)
	if buf.Len() != 0 {
		t.Fatalf("logged an unchanged problem of a patched flag: %s", buf.String())
	}
	other := *broken
	other.ID, other.Name = "o", "other"
	reportProblems(log, v4, v4.WithFlag("", &other, 5))
	if got := buf.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, `"flag":"other"`) {
		t.Fatalf("a flag added broken by a patch: logged %q, want one line for it", got)
	}
}
