package server

import (
	"net/http"

	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
)

// apply is flags-as-code's endpoint: POST /apply {dataset, prune,
// revision, dryRun} answers the plan (what is created, changed, removed)
// and, unless dryRun, makes it in one transaction, refusing with 412 when
// the store is no longer at the plan's revision.
func (s *Server) apply(w http.ResponseWriter, r *http.Request) {
	var req service.ApplyRequest
	if err := httpx.DecodeJSON(w, r, s.maxBody, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	plan, err := s.svc.Apply(r.Context(), &req)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, plan)
}
