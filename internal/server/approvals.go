package server

import (
	"context"
	"net/http"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
)

// environmentSettings is the body of PATCH /environments/{name}: every
// field optional.
type environmentSettings struct {
	Protected            *bool `json:"protected"`
	RequireApproval      *int  `json:"requireApproval"`
	ApprovalAdminsBypass *bool `json:"approvalAdminsBypass"`
}

func (s *Server) updateEnvironment(w http.ResponseWriter, r *http.Request) {
	var req environmentSettings
	if err := httpx.DecodeJSON(w, r, s.maxBody, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	e, err := s.svc.UpdateEnvironment(r.Context(), r.PathValue("name"), service.EnvironmentPatch(req))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, e)
}

func (s *Server) listChangeRequests(w http.ResponseWriter, r *http.Request) {
	items, err := s.svc.ListChangeRequests(r.Context(), r.URL.Query().Get("status"))
	writeList(w, r, items, err)
}

func (s *Server) getChangeRequest(w http.ResponseWriter, r *http.Request) {
	cr, err := s.svc.ChangeRequest(r.Context(), r.PathValue("id"))
	writeRequest(w, r, http.StatusOK, cr, err)
}

// createChangeRequestBody is the body of POST /change-requests: a change
// to a flag as PUT /flags/{id} takes it.
type createChangeRequestBody struct {
	Flag    *string            `json:"flag"`
	Change  *updateFlagRequest `json:"change"`
	Comment string             `json:"comment"`
}

func (s *Server) createChangeRequest(w http.ResponseWriter, r *http.Request) {
	var req createChangeRequestBody
	if err := httpx.DecodeJSON(w, r, s.maxBody, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if req.Flag == nil || req.Change == nil {
		httpx.Error(w, r, ff.FieldErrorf("flag", `flag and change are required, e.g. {"flag":"checkout","change":{"environments":{"production":true}}}`))
		return
	}
	p, err := flagPatch(req.Change)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	cr, err := s.svc.ProposeChange(r.Context(), *req.Flag, p, req.Comment)
	if err == nil {
		w.Header().Set("Location", "/change-requests/"+cr.ID)
	}
	writeRequest(w, r, http.StatusCreated, cr, err)
}

// editChangeRequestBody is the body of PATCH /change-requests/{id}.
type editChangeRequestBody struct {
	Change   *updateFlagRequest `json:"change"`
	Schedule *scheduleRequest   `json:"schedule"`
	Comment  *string            `json:"comment"`
}

func (s *Server) editChangeRequest(w http.ResponseWriter, r *http.Request) {
	var req editChangeRequestBody
	ifMatch, ok := s.decodeWrite(w, r, &req)
	if !ok {
		return
	}
	e := service.RequestEdit{Comment: req.Comment}
	if req.Change != nil {
		p, err := flagPatch(req.Change)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		e.Change = &p
	}
	if req.Schedule != nil {
		in, err := req.Schedule.steps("schedule.")
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		e.Schedule = &in
	}
	cr, err := s.svc.EditChangeRequest(r.Context(), r.PathValue("id"), e, ifMatch)
	writeRequest(w, r, http.StatusOK, cr, err)
}

// reviewBody is the body of approve, reject and apply.
type reviewBody struct {
	Comment string `json:"comment"`
}

func (s *Server) approveChangeRequest(w http.ResponseWriter, r *http.Request) {
	s.review(w, r, s.svc.ApproveChangeRequest)
}

func (s *Server) rejectChangeRequest(w http.ResponseWriter, r *http.Request) {
	s.review(w, r, s.svc.RejectChangeRequest)
}

func (s *Server) applyChangeRequest(w http.ResponseWriter, r *http.Request) {
	s.review(w, r, s.svc.ApplyChangeRequest)
}

func (s *Server) review(w http.ResponseWriter, r *http.Request, act func(ctx context.Context, id, comment string) (*service.RequestView, error)) {
	var req reviewBody
	if err := httpx.DecodeJSON(w, r, s.maxBody, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	cr, err := act(r.Context(), r.PathValue("id"), req.Comment)
	writeRequest(w, r, http.StatusOK, cr, err)
}

// writeRequest answers a change request with its version as ETag, or err.
func writeRequest(w http.ResponseWriter, r *http.Request, status int, cr *service.RequestView, err error) {
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpx.ETag(cr.Version))
	httpx.WriteJSON(w, status, cr)
}
