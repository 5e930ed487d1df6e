package server

import (
	"net/http"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/httpx"
)

// meResponse is the answer of GET /me: who the caller is, so that a client
// such as the web UI can offer only what the caller may do.
type meResponse struct {
	// ID is the token's id; empty while access control is off.
	ID   string  `json:"id,omitempty"`
	Name string  `json:"name"`
	Role ff.Role `json:"role"`
	// AuthRequired tells whether the server asks for a token at all.
	AuthRequired bool `json:"authRequired"`
}

// me answers GET /me. While access control is off every caller is the
// actor "local" and may do everything, as an admin may.
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	out := meResponse{Name: "local", Role: ff.RoleAdmin, AuthRequired: s.svc.AuthRequired()}
	if tok := auth.TokenFrom(r.Context()); tok != nil {
		out.ID, out.Name, out.Role = tok.ID, tok.Name, tok.Role
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, out)
}
