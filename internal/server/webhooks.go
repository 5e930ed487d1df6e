package server

import (
	"net/http"
	"strconv"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
)

// webhookRoutes are the endpoints' and their delivery logs' routes: admin
// only, since an endpoint receives every change.
func (s *Server) webhookRoutes() []route {
	return []route{
		{"GET", "/webhooks", admin, s.listWebhooks},
		{"POST", "/webhooks", admin, s.createWebhook},
		{"GET", "/webhooks/{id}", admin, s.getWebhook},
		{"PATCH", "/webhooks/{id}", admin, s.updateWebhook},
		{"DELETE", "/webhooks/{id}", admin, s.deleteWebhook},
		{"GET", "/webhooks/{id}/deliveries", admin, s.listDeliveries},
		{"POST", "/webhooks/{id}/deliveries/{delivery}/redeliver", admin, s.redeliver},
	}
}

// webhookRequest is the body of POST /webhooks and PATCH /webhooks/{id}:
// absent fields are unchanged (or, for a new endpoint, empty: every event;
// a new secret).
type webhookRequest struct {
	URL          *string   `json:"url"`
	Events       *[]string `json:"events"`
	Flags        *[]string `json:"flags"`
	Environments *[]string `json:"environments"`
	Disabled     *bool     `json:"disabled"`
	Secret       *string   `json:"secret"`
}

func (q webhookRequest) input() service.WebhookInput {
	return service.WebhookInput{URL: q.URL, Events: q.Events, Flags: q.Flags, Environments: q.Environments,
		Disabled: q.Disabled, Secret: q.Secret}
}

// createdWebhook is a new endpoint with its secret, shown this once.
type createdWebhook struct {
	*ff.Webhook
	Secret string `json:"secret"`
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	hooks, err := s.svc.ListWebhooks(r.Context())
	writeList(w, r, hooks, err)
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	var req webhookRequest
	if err := httpx.DecodeJSON(w, r, s.maxBody, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if req.URL == nil {
		httpx.Error(w, r, ff.FieldErrorf("url", "url is required"))
		return
	}
	hook, secret, err := s.svc.CreateWebhook(r.Context(), req.input())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/webhooks/"+hook.ID)
	w.Header().Set("ETag", httpx.ETag(hook.Version))
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, createdWebhook{Webhook: hook, Secret: secret})
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	hook, err := s.svc.GetWebhook(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpx.ETag(hook.Version))
	httpx.WriteJSON(w, http.StatusOK, hook)
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) {
	var req webhookRequest
	ifMatch, ok := s.decodeWrite(w, r, &req)
	if !ok {
		return
	}
	hook, err := s.svc.UpdateWebhook(r.Context(), r.PathValue("id"), req.input(), ifMatch)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpx.ETag(hook.Version))
	httpx.WriteJSON(w, http.StatusOK, hook)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	deleteByID(w, r, s.svc.DeleteWebhook)
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			httpx.Error(w, r, ff.FieldErrorf("limit", "limit %q is not a number from 1 to %d", v, service.MaxDeliveriesPage))
			return
		}
		limit = n
	}
	ds, err := s.svc.WebhookDeliveries(r.Context(), r.PathValue("id"), limit)
	writeList(w, r, ds, err)
}

func (s *Server) redeliver(w http.ResponseWriter, r *http.Request) {
	d, err := s.svc.RedeliverWebhook(r.Context(), r.PathValue("id"), r.PathValue("delivery"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusAccepted, d)
}
