package view

import (
	"log/slog"

	"github.com/featureflags/featureflags/eval"
)

// reportProblems logs, once each, the flags that do not compile in v and
// did not compile the same way in old (nil for none): a stored flag that
// today's limits refuse (a lowered --max-regex-program, say) evaluates to
// PARSE_ERROR alone, and the operator learns of it here, not from users.
//
// A view WithFlag made from old differs in one flag only: only that flag
// is compared, so that a write costs what it changes.
func reportProblems(log *slog.Logger, old, v *View) {
	if log == nil || v == nil || v.Snapshot == nil {
		return
	}
	problems := func(s *eval.Snapshot) []eval.Problem { return s.AllProblems() }
	if old != nil && v.patch != nil && v.parent == old.seq {
		if v.patch.upsert == nil {
			return // a deletion brings no new problem
		}
		name := v.patch.upsert.Name
		problems = func(s *eval.Snapshot) []eval.Problem { return s.Problems(name) }
	}
	known := map[eval.Problem]bool{}
	if old != nil && old.Snapshot != nil {
		for _, p := range problems(old.Snapshot) {
			known[p] = true
		}
	}
	for _, p := range problems(v.Snapshot) {
		if !known[p] {
			log.Warn("a stored flag does not compile; it evaluates to PARSE_ERROR in this environment until it is fixed",
				"flag", p.Flag, "environment", p.Environment, "field", p.Field, "reason", p.Message)
		}
	}
}
