package server

import (
	"net/http"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
)

func (s *Server) listSegments(w http.ResponseWriter, r *http.Request) {
	items, err := s.svc.ListSegments(r.Context())
	writeList(w, r, items, err)
}

func (s *Server) getSegment(w http.ResponseWriter, r *http.Request) {
	sg, err := s.svc.Segment(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpx.ETag(sg.Version))
	httpx.WriteJSON(w, http.StatusOK, sg)
}

// segmentRequest is the body of POST and PUT /segments: in a PUT every
// field is optional.
type segmentRequest struct {
	Name        *string         `json:"name"`
	Description *string         `json:"description"`
	Match       *string         `json:"match"`
	Conditions  *[]ff.Condition `json:"conditions"`
}

func (req segmentRequest) input() service.SegmentInput {
	return service.SegmentInput{Name: req.Name, Description: req.Description, Match: req.Match, Conditions: req.Conditions}
}

func (s *Server) createSegment(w http.ResponseWriter, r *http.Request) {
	var req segmentRequest
	if err := httpx.DecodeJSON(w, r, s.maxBody, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if req.Name == nil {
		httpx.Error(w, r, ff.FieldErrorf("name", "name is required"))
		return
	}
	sg, err := s.svc.CreateSegment(r.Context(), req.input())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/segments/"+sg.ID)
	w.Header().Set("ETag", httpx.ETag(sg.Version))
	httpx.WriteJSON(w, http.StatusCreated, sg)
}

func (s *Server) updateSegment(w http.ResponseWriter, r *http.Request) {
	var req segmentRequest
	ifMatch, ok := s.decodeWrite(w, r, &req)
	if !ok {
		return
	}
	sg, err := s.svc.UpdateSegment(r.Context(), r.PathValue("id"), req.input(), ifMatch)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpx.ETag(sg.Version))
	httpx.WriteJSON(w, http.StatusOK, sg)
}

// segmentUsedBy answers which flags and segments refer to a segment: what
// keeps it from being deleted or renamed.
func (s *Server) segmentUsedBy(w http.ResponseWriter, r *http.Request) {
	users, err := s.svc.SegmentUsers(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, users)
}

// allSegmentUsers answers segmentUsedBy for every segment at once: the
// segments list of the web UI shows them all.
func (s *Server) allSegmentUsers(w http.ResponseWriter, r *http.Request) {
	users, err := s.svc.AllSegmentUsers(r.Context())
	writeList(w, r, users, err)
}

func (s *Server) deleteSegment(w http.ResponseWriter, r *http.Request) {
	deleteByID(w, r, s.svc.DeleteSegment)
}
