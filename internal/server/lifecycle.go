package server

import (
	"context"
	"net/http"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/usage"
)

// lifecyclePatch reads the lifecycle fields of PUT /flags/{id}.
func lifecyclePatch(req *updateFlagRequest) (service.LifecyclePatch, error) {
	p := service.LifecyclePatch{Owner: req.Owner, Kind: req.Kind}
	if req.ExpiresAt == nil {
		return p, nil
	}
	if *req.ExpiresAt == "" {
		p.ClearExpiry = true
		return p, nil
	}
	t, err := time.Parse(time.RFC3339, *req.ExpiresAt)
	if err != nil {
		return p, ff.FieldErrorf("expiresAt", `expiresAt must be an RFC 3339 time, such as 2026-12-31T00:00:00Z, or "" to remove it`)
	}
	p.ExpiresAt = &t
	return p, nil
}

// filterArchived keeps the flags GET /flags lists: those not archived, or
// with ?archived=true only the archived ones.
func filterArchived(r *http.Request, flags []*ff.Flag) ([]*ff.Flag, error) {
	want := false
	switch v := r.URL.Query().Get("archived"); v {
	case "", "false":
	case "true":
		want = true
	default:
		return nil, ff.FieldErrorf("archived", "archived must be true or false")
	}
	out := make([]*ff.Flag, 0, len(flags))
	for _, f := range flags {
		if (f.ArchivedAt != nil) == want {
			out = append(out, f)
		}
	}
	return out, nil
}

func (s *Server) archiveFlag(w http.ResponseWriter, r *http.Request) {
	s.lifecycleChange(w, r, s.svc.ArchiveFlag)
}

func (s *Server) restoreFlag(w http.ResponseWriter, r *http.Request) {
	s.lifecycleChange(w, r, s.svc.RestoreFlag)
}

func (s *Server) lifecycleChange(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, idOrName string, ifMatch int64) (*ff.Flag, error)) {
	ifMatch, err := parseIfMatch(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, err := change(r.Context(), r.PathValue("id"), ifMatch)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	s.writeFlag(w, http.StatusOK, f)
}

// staleFlag is a flag as GET /flags?stale= lists it.
type staleFlag struct {
	*ff.Flag
	LastEvaluated map[string]*time.Time `json:"lastEvaluated"`
	Stale         []usage.Staleness     `json:"stale"`
}

// answerStale answers GET /flags?stale=kinds, the flags stale in one of
// those ways with the reasons in words, and reports whether it did.
func (s *Server) answerStale(w http.ResponseWriter, r *http.Request, flags []*ff.Flag) bool {
	q, asked := r.URL.Query()["stale"]
	if !asked {
		return false
	}
	want, err := usage.ParseStaleKinds(q[0])
	if err != nil {
		httpx.Error(w, r, err)
		return true
	}
	s.flushForRead(r)
	stale, err := s.usage.Stale(r.Context(), flags, s.usageCfg.Stale, s.now())
	if err != nil {
		httpx.Error(w, r, err)
		return true
	}
	out := []staleFlag{}
	for _, sf := range stale {
		var why []usage.Staleness
		for _, st := range sf.Why {
			if want[st.Kind] {
				why = append(why, st)
			}
		}
		if len(why) > 0 {
			last := lastOf(map[string]map[string]time.Time{sf.Flag.ID: sf.Last}, sf.Flag)
			out = append(out, staleFlag{Flag: sf.Flag, LastEvaluated: last, Stale: why})
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return true
}

// CountStale computes the stale metric (featureflags_flags_stale) from the
// flags that are not archived; the caller runs it in the background, every
// --stale-metric-interval, since it reads the store's recent usage.
func (s *Server) CountStale(ctx context.Context) error {
	var flags []*ff.Flag
	for _, f := range s.currentFlags() {
		if f.ArchivedAt == nil {
			flags = append(flags, f)
		}
	}
	return s.usage.CountStale(ctx, flags, s.usageCfg.Stale, s.now())
}
