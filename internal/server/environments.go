package server

import (
	"net/http"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
)

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request) {
	items, err := s.svc.ListEnvironments(r.Context())
	writeList(w, r, items, err)
}

type environmentRequest struct {
	Name *string `json:"name"`
}

func (s *Server) createEnvironment(w http.ResponseWriter, r *http.Request) {
	var req environmentRequest
	if err := httpx.DecodeJSON(w, r, s.maxBody, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if req.Name == nil {
		httpx.Error(w, r, ff.FieldErrorf("name", "name is required"))
		return
	}
	e, err := s.svc.CreateEnvironment(r.Context(), *req.Name)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/environments/"+e.Name)
	httpx.WriteJSON(w, http.StatusCreated, e)
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.DeleteEnvironment(r.Context(), r.PathValue("name")); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
