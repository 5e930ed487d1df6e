package view

import (
	"log/slog"

	"github.com/featureflags/featureflags/eval"
)

// reportProblems logs, once each, the flags that do not compile in v and
// did not compile the same way in old (nil for none): a stored flag that
// today's limits refuse (a lowered --max-regex-program, say) evaluates to
// PARSE_ERROR alone, and the operator learns of it here, not from users.
func reportProblems(log *slog.Logger, old, v *View) {
	if log == nil || v == nil || v.Snapshot == nil {
		return
	}
	known := map[eval.Problem]bool{}
	if old != nil && old.Snapshot != nil {
		for _, p := range old.Snapshot.AllProblems() {
			known[p] = true
		}
	}
	for _, p := range v.Snapshot.AllProblems() {
		if !known[p] {
			log.Warn("a stored flag does not compile; it evaluates to PARSE_ERROR in this environment until it is fixed",
				"flag", p.Flag, "environment", p.Environment, "field", p.Field, "reason", p.Message)
		}
	}
}
