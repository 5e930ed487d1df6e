package server

import (
	"net/http"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
)

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	tokens, err := s.svc.ListTokens(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, tokens)
}

// createTokenRequest is the body of POST /tokens. ExpiresAt and ExpiresIn
// (a duration such as "720h") are alternatives; with neither the token
// never expires.
type createTokenRequest struct {
	Name        string     `json:"name"`
	Role        *ff.Role   `json:"role"`
	Environment string     `json:"environment"`
	ExpiresAt   *time.Time `json:"expiresAt"`
	ExpiresIn   *string    `json:"expiresIn"`
}

// createdToken is a new token with its secret, shown this once.
type createdToken struct {
	*ff.Token
	Secret string `json:"secret"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var req createTokenRequest
	if err := httpx.DecodeJSON(w, r, s.maxBody, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if req.Role == nil {
		httpx.Error(w, r, ff.FieldErrorf("role", "role is required: admin, editor, viewer, server-key or client-key"))
		return
	}
	expires := req.ExpiresAt
	if req.ExpiresIn != nil {
		if expires != nil {
			httpx.Error(w, r, ff.FieldErrorf("expiresIn", "give expiresAt or expiresIn, not both"))
			return
		}
		d, err := time.ParseDuration(*req.ExpiresIn)
		if err != nil || d <= 0 {
			httpx.Error(w, r, ff.FieldErrorf("expiresIn", "expiresIn %q is not a positive duration such as 720h", *req.ExpiresIn))
			return
		}
		at := time.Now().Add(d)
		expires = &at
	}
	t, secret, err := s.svc.CreateToken(r.Context(), service.TokenInput{
		Name: req.Name, Role: *req.Role, Environment: req.Environment, ExpiresAt: expires,
	})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/tokens/"+t.ID)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, createdToken{Token: t, Secret: secret})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	if _, err := s.svc.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
