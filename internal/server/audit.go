package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
)

// auditPage is the answer of GET /audit and GET /flags/{id}/history:
// events newest first and, when there are more, the cursor of the next
// page.
type auditPage struct {
	Events     []*ff.AuditEvent `json:"events"`
	NextCursor string           `json:"nextCursor,omitempty"`
}

// auditParams are the query parameters of GET /audit.
var auditParams = []string{"flag", "environment", "actor", "since", "until", "limit", "cursor"}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	q, err := parseAuditQuery(r.URL.Query(), auditParams)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	events, next, err := s.svc.ListAudit(r.Context(), q)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, auditPage{Events: events, NextCursor: next})
}

// flagHistory answers GET /flags/{id}/history: the audit events of one
// flag, with the parameters of GET /audit but flag.
func (s *Server) flagHistory(w http.ResponseWriter, r *http.Request) {
	q, err := parseAuditQuery(r.URL.Query(), auditParams[1:])
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	events, next, err := s.svc.FlagHistory(r.Context(), r.PathValue("id"), q)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, auditPage{Events: events, NextCursor: next})
}

// parseAuditQuery reads the query parameters allowed, each at most once;
// errors name the parameter.
func parseAuditQuery(v url.Values, allowed []string) (service.AuditQuery, error) {
	var q service.AuditQuery
	for name, values := range v {
		if !slices.Contains(allowed, name) {
			return q, ff.FieldErrorf(name, "unknown query parameter %q; use %s", name, strings.Join(allowed, ", "))
		}
		if len(values) > 1 {
			return q, ff.FieldErrorf(name, "query parameter %s is given %d times; give it once", name, len(values))
		}
	}
	q.Flag, q.Environment, q.Actor, q.Cursor = v.Get("flag"), v.Get("environment"), v.Get("actor"), v.Get("cursor")
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		if s := v.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return q, ff.FieldErrorf(p.name, "%s %q is not an RFC 3339 time such as 2026-03-14T15:09:26Z", p.name, s)
			}
			*p.dst = t
		}
	}
	if s, ok := v["limit"]; ok {
		n, err := strconv.Atoi(s[0])
		if err != nil || n < 1 || n > service.MaxAuditLimit {
			return q, ff.FieldErrorf("limit", "limit %q must be a whole number from 1 to %d", s[0], service.MaxAuditLimit)
		}
		q.Limit = n
	}
	return q, nil
}
