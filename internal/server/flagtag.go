package server

import (
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
)

// flagTag is the ETag of an answer carrying one flag: its version, and
// once it has been evaluated a hash of its lastEvaluated times, which move
// without a new version ("3" or "3.1k9x0f"). If-Match takes either form
// (httpx.IfMatchVersion reads the version before the dot).
func flagTag(f *ff.Flag, last map[string]map[string]time.Time) string {
	times := last[f.ID]
	if len(times) == 0 {
		return httpx.ETag(f.Version)
	}
	envs := make([]string, 0, len(times))
	for env := range times {
		envs = append(envs, env)
	}
	slices.Sort(envs)
	h := fnv.New64a()
	for _, env := range envs {
		h.Write([]byte(env))
		h.Write(strconv.AppendInt([]byte{0}, times[env].UnixNano(), 36))
	}
	return `"` + strconv.FormatInt(f.Version, 10) + "." + strconv.FormatUint(h.Sum64(), 36) + `"`
}

// writeFlag answers one flag with its tag.
func (s *Server) writeFlag(w http.ResponseWriter, status int, f *ff.Flag) {
	last := s.usage.Known()
	w.Header().Set("ETag", flagTag(f, last))
	httpx.WriteJSON(w, status, s.flagOut(f, last))
}

// getFlag answers GET /flags/{id}, or 304 while If-None-Match holds its tag.
func (s *Server) getFlag(w http.ResponseWriter, r *http.Request) {
	f, err := s.svc.Flag(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	last := s.usage.Known()
	tag := flagTag(f, last)
	w.Header().Set("ETag", tag)
	if httpx.NoneMatch(r, tag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, s.flagOut(f, last))
}
