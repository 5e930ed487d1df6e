package server

import (
	"net/http"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/httpx"
)

// flagOut is a flag as the API answers it: with, when it does not compile
// under today's limits in some environment, why ("problems"), so that the
// UI and scripts see what evaluation will answer PARSE_ERROR for.
type flagOut struct {
	*ff.Flag
	Problems []eval.Problem `json:"problems,omitempty"`
}

// flagOut returns f with its problems in the latest snapshot.
func (s *Server) flagOut(f *ff.Flag) flagOut {
	out := flagOut{Flag: f}
	if snap := s.svc.Snapshot(); snap != nil {
		out.Problems = snap.Problems(f.Name)
	}
	return out
}

// flagsOut is flagOut for a list.
func (s *Server) flagsOut(flags []*ff.Flag) []flagOut {
	out := make([]flagOut, len(flags))
	for i, f := range flags {
		out[i] = s.flagOut(f)
	}
	return out
}

func (s *Server) writeFlag(w http.ResponseWriter, status int, f *ff.Flag) {
	w.Header().Set("ETag", httpx.ETag(f.Version))
	httpx.WriteJSON(w, status, s.flagOut(f))
}

// invalidFlags is the featureflags_flags_invalid gauge: flags that do not
// compile in at least one environment.
func (s *Server) invalidFlags() float64 {
	if snap := s.svc.Snapshot(); snap != nil {
		return float64(snap.InvalidFlags())
	}
	return 0
}
