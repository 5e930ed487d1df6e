package server

import (
	"net/http"

	ff "github.com/featureflags/featureflags"
)

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request) {
	envs, err := s.svc.ListEnvironments(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	if envs == nil {
		envs = []*ff.Environment{}
	}
	writeJSON(w, http.StatusOK, envs)
}

type environmentRequest struct {
	Name *string `json:"name"`
}

func (s *Server) createEnvironment(w http.ResponseWriter, r *http.Request) {
	var req environmentRequest
	if err := decodeJSON(w, r, s.maxBody, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if req.Name == nil {
		writeError(w, r, ff.FieldErrorf("name", "name is required"))
		return
	}
	e, err := s.svc.CreateEnvironment(r.Context(), *req.Name)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/environments/"+e.Name)
	writeJSON(w, http.StatusCreated, e)
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.DeleteEnvironment(r.Context(), r.PathValue("name")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
