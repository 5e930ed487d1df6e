package server

import (
	"errors"
	"net/http"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
)

// promoteRoutes are the routes of compare and promote, for the route table.
func (s *Server) promoteRoutes() []route {
	return []route{
		{"GET", "/environments/{a}/compare/{b}", read, s.compareEnvironments},
		{"POST", "/flags/{id}/promote", write, s.promoteFlag},
		{"POST", "/promote", write, s.promoteFlags},
	}
}

// compareEnvironments answers GET /environments/{a}/compare/{b}: per flag,
// what differs between a and b; the ETag is the revision compared, the
// If-Match that promotes exactly that.
func (s *Server) compareEnvironments(w http.ResponseWriter, r *http.Request) {
	c, err := s.svc.Compare(r.Context(), r.PathValue("a"), r.PathValue("b"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpx.ETag(c.Revision))
	httpx.WriteJSON(w, http.StatusOK, c)
}

// promoteRequest is the body of POST /flags/{id}/promote and POST /promote
// (which names the flags).
type promoteRequest struct {
	From  string   `json:"from"`
	To    string   `json:"to"`
	Flags []string `json:"flags,omitempty"`
}

// promoteAnswer is the answer of POST /promote: every flag named, as it is
// after the promotion.
type promoteAnswer struct {
	Flags []*ff.Flag `json:"flags"`
}

// promoteHeld is the answer of POST /promote into an environment that
// requires approval: a change request per flag, none of them made yet.
type promoteHeld struct {
	Requests []*service.RequestView `json:"requests"`
}

// promoteFlag answers POST /flags/{id}/promote {"from","to"}: one flag's
// state and targeting copied, If-Match its version.
func (s *Server) promoteFlag(w http.ResponseWriter, r *http.Request) {
	var req promoteRequest
	ifMatch, ok := s.decodeWrite(w, r, &req)
	if !ok {
		return
	}
	if req.Flags != nil {
		httpx.Error(w, r, ff.FieldErrorf("flags", "the flag is the one in the path; POST /promote promotes several"))
		return
	}
	flags, err := s.svc.Promote(r.Context(), service.Promotion{From: req.From, To: req.To, Flags: []string{r.PathValue("id")}, Version: ifMatch})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	s.writeFlag(w, http.StatusOK, flags[0])
}

// promoteFlags answers POST /promote {"from","to","flags"}: several flags in
// one transaction, If-Match the revision a comparison answered.
func (s *Server) promoteFlags(w http.ResponseWriter, r *http.Request) {
	var req promoteRequest
	ifMatch, ok := s.decodeWrite(w, r, &req)
	if !ok {
		return
	}
	flags, err := s.svc.Promote(r.Context(), service.Promotion{From: req.From, To: req.To, Flags: req.Flags, Revision: ifMatch})
	var held *service.Proposed
	if errors.As(err, &held) {
		httpx.WriteJSON(w, http.StatusAccepted, promoteHeld{Requests: held.All})
		return
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, promoteAnswer{Flags: flags})
}
