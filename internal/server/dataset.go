package server

import (
	"net/http"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
)

// exportData answers GET /export: every environment, segment and flag, read
// at one revision, as `featureflags export` writes them.
func (s *Server) exportData(w http.ResponseWriter, r *http.Request) {
	d, err := s.svc.Export(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, d)
}

// imported is the answer of POST /import: how many items the file held.
type imported struct {
	Environments   int `json:"environments"`
	Segments       int `json:"segments"`
	Flags          int `json:"flags"`
	Schedules      int `json:"schedules"`
	ChangeRequests int `json:"changeRequests"`
	Webhooks       int `json:"webhooks"`
}

// importData answers POST /import: it loads an exported dataset, all of it
// or, on any error, nothing.
func (s *Server) importData(w http.ResponseWriter, r *http.Request) {
	var d ff.Dataset
	if err := httpx.DecodeJSON(w, r, s.maxBody, &d); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := s.svc.Import(r.Context(), &d); err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, imported{len(d.Environments), len(d.Segments), len(d.Flags),
		len(d.Schedules), len(d.ChangeRequests), len(d.Webhooks)})
}
