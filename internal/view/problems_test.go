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
}
