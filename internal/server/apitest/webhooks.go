package apitest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/testenv"
)

// runWebhooks runs the webhook endpoints' cases.
func runWebhooks(t *testing.T, open Opener) {
	t.Run("Webhooks", func(t *testing.T) { testWebhooks(t, newServer(t, open, testenv.WithAuth())) })
	t.Run("WebhookBadInput", func(t *testing.T) { testWebhookBadInput(t, newServer(t, open)) })
	t.Run("WebhookLimits", func(t *testing.T) {
		testWebhookLimits(t, newServer(t, open, testenv.WithWebhooks(service.WebhookSettings{AllowPrivate: true, MaxEndpoints: 1, MaxQueued: 1})))
	})
	t.Run("WebhookPrivateRefused", func(t *testing.T) {
		c := newServer(t, open, testenv.WithWebhooks(service.WebhookSettings{}))
		c.expectWebhookError(http.StatusBadRequest, "url", "", "POST", "/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook"})
	})
}

// The secret is shown once, on creation; changes are audited (without the
// secret), versioned and deleted with their log.
func testWebhooks(t *testing.T, c *client) {
	w := c.newWebhook(map[string]any{"url": "https://93.184.216.34/hook", "events": []string{"flag.*"}, "environments": []string{"production"}})
	if !strings.HasPrefix(w.Secret, "whsec_") || w.Version != 1 || w.Events[0] != "flag.*" {
		t.Fatalf("created %+v", w)
	}
	r := c.Expect(http.StatusOK, "GET", "/webhooks/"+w.ID, nil)
	if strings.Contains(string(r.Body), "secret") || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("GET shows %s (ETag %s)", r.Body, r.Header.Get("ETag"))
	}
	c.Expect(http.StatusPreconditionFailed, "PATCH", "/webhooks/"+w.ID, map[string]any{"disabled": true}, "If-Match", `"7"`)
	c.Expect(http.StatusOK, "PATCH", "/webhooks/"+w.ID, map[string]any{"disabled": true, "secret": "a-new-secret-of-16+"}, "If-Match", `"1"`)
	c.Expect(http.StatusNotFound, "PATCH", "/webhooks/nope", map[string]any{"disabled": true})
	c.create(map[string]any{"name": "heard"})
	if ds := c.deliveries(w.ID); len(ds) != 0 {
		t.Fatalf("a disabled endpoint got deliveries: %+v", ds)
	}
	audit := c.Expect(http.StatusOK, "GET", "/audit?flag="+w.ID, nil)
	if n := strings.Count(string(audit.Body), `"webhook.`); n != 2 || strings.Contains(string(audit.Body), "a-new-secret") ||
		strings.Contains(string(audit.Body), w.Secret) {
		t.Fatalf("audit of the endpoint (%d events): %s", n, audit.Body)
	}
	c.Expect(http.StatusNotFound, "POST", "/webhooks/"+w.ID+"/deliveries/nope/redeliver", nil)
	c.Expect(http.StatusNoContent, "DELETE", "/webhooks/"+w.ID, nil)
	c.Expect(http.StatusNotFound, "GET", "/webhooks/"+w.ID, nil)
	c.Expect(http.StatusNotFound, "GET", "/webhooks/"+w.ID+"/deliveries", nil)
}

func testWebhookBadInput(t *testing.T, c *client) {
	url := "https://93.184.216.34/hook"
	for _, tt := range []struct {
		field string
		body  map[string]any
	}{
		{"url", map[string]any{}},
		{"url", map[string]any{"url": "ftp://93.184.216.34/"}},
		{"events", map[string]any{"url": url, "events": []string{"[flag"}}},
		{"events", map[string]any{"url": url, "events": []string{""}}},
		{"environments", map[string]any{"url": url, "environments": []string{"nowhere"}}},
		{"secret", map[string]any{"url": url, "secret": "short"}},
	} {
		c.expectWebhookError(http.StatusBadRequest, tt.field, "", "POST", "/webhooks", tt.body)
	}
	c.expectWebhookError(http.StatusBadRequest, "colour", "", "POST", "/webhooks", map[string]any{"url": url, "colour": "red"})
	c.expectWebhookError(http.StatusUnsupportedMediaType, "", "", "POST", "/webhooks", map[string]any{"url": url}, "Content-Type", "text/plain")
	w := c.newWebhook(map[string]any{"url": url})
	c.expectWebhookError(http.StatusBadRequest, "limit", "", "GET", "/webhooks/"+w.ID+"/deliveries?limit=0", nil)
	c.expectWebhookError(http.StatusBadRequest, "limit", "", "GET", "/webhooks/"+w.ID+"/deliveries?limit=501", nil)
	c.expectWebhookError(http.StatusBadRequest, "url", "", "PATCH", "/webhooks/"+w.ID, map[string]any{"url": "nope"})
}

// The limits are named in their errors: endpoints, and queued deliveries
// (a full queue drops new deliveries and refuses redeliveries).
func testWebhookLimits(t *testing.T, c *client) {
	w := c.newWebhook(map[string]any{"url": "https://93.184.216.34/hook", "events": []string{"flag.*"}})
	c.expectWebhookError(http.StatusConflict, "", "webhooks-max-endpoints", "POST", "/webhooks", map[string]any{"url": "https://93.184.216.35/"})
	c.create(map[string]any{"name": "first"})
	c.create(map[string]any{"name": "second"})
	ds := c.deliveries(w.ID)
	if len(ds) != 2 || ds[0].State != "dropped" || ds[1].State != "pending" || !strings.Contains(ds[0].Error, "webhooks-max-queued") {
		t.Fatalf("deliveries with a queue of 1: %+v", ds)
	}
	c.expectWebhookError(http.StatusConflict, "", "webhooks-max-queued", "POST", "/webhooks/"+w.ID+"/deliveries/"+ds[0].ID+"/redeliver", nil)
}

// expectWebhookError checks an error answer (status, field, limit) and that
// the endpoints did not change.
func (c *client) expectWebhookError(status int, field, limit, method, path string, body any, headers ...string) {
	c.t.Helper()
	before := c.Expect(http.StatusOK, "GET", "/webhooks", nil).Body
	r := c.Expect(status, method, path, body, headers...)
	var e struct {
		Error, Field, Limit string
	}
	r.JSON(c.t, &e)
	if e.Error == "" || e.Field != field || e.Limit != limit {
		c.t.Fatalf("%s %s: %s, want field %q and limit %q", method, path, r.Body, field, limit)
	}
	if after := c.Expect(http.StatusOK, "GET", "/webhooks", nil).Body; string(after) != string(before) {
		c.t.Fatalf("%s %s failed but changed the endpoints", method, path)
	}
}
