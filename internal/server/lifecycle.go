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
	now, rules := s.now(), s.usageCfg.Stale
	us, err := s.usageStore(r)
	var recent []ff.UsageBucket
	if err == nil {
		recent, err = us.Usage(r.Context(), ff.UsageFilter{Since: now.Add(-rules.ConstantAfter)})
	}
	var last map[string]map[string]time.Time
	if err == nil {
		last, err = s.usage.LastEvaluated(r.Context())
	}
	if err != nil {
		httpx.Error(w, r, err)
		return true
	}
	byFlag := map[string][]ff.UsageBucket{}
	for _, b := range recent {
		byFlag[b.FlagID] = append(byFlag[b.FlagID], b)
	}
	out := []staleFlag{}
	for _, f := range flags {
		var why []usage.Staleness
		for _, st := range rules.Stale(f, last[f.ID], byFlag[f.ID], now) {
			if want[st.Kind] {
				why = append(why, st)
			}
		}
		if len(why) > 0 {
			out = append(out, staleFlag{Flag: f, LastEvaluated: lastOf(last, f), Stale: why})
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return true
}
