package server

import (
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// flagOut is a flag as the API answers it: with, when it does not compile
// under today's limits in some environment, why ("problems"), so that the
// UI and scripts see what evaluation will answer PARSE_ERROR for.
//
// It also says when the flag was last evaluated, per environment (null:
// never, as far as this server knows), from last (usage.Collector.Known).
type flagOut struct {
	*ff.Flag
	LastEvaluated map[string]*time.Time `json:"lastEvaluated"`
	Problems      []eval.Problem        `json:"problems,omitempty"`
}

// flagOut returns f with its last evaluations and its problems in the
// latest snapshot.
func (s *Server) flagOut(f *ff.Flag, last map[string]map[string]time.Time) flagOut {
	out := flagOut{Flag: f, LastEvaluated: lastOf(last, f)}
	if snap := s.svc.Snapshot(); snap != nil {
		out.Problems = snap.Problems(f.Name)
	}
	return out
}

// invalidFlags is the featureflags_flags_invalid gauge: flags that do not
// compile in at least one environment.
func (s *Server) invalidFlags() float64 {
	if snap := s.svc.Snapshot(); snap != nil {
		return float64(snap.InvalidFlags())
	}
	return 0
}
