package ui_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/internal/webhook"
)

// TestWebhooksPage: an admin registers an endpoint (its secret shown once),
// reads its delivery log with the failed first attempt, redelivers it and
// sees it delivered, pauses the endpoint and deletes it.
func TestWebhooksPage(t *testing.T) {
	var calls atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "busy, try later", http.StatusServiceUnavailable)
		}
	}))
	defer rcv.Close()
	s := newServer(t, testenv.WithAuth())
	worker := webhook.New(webhook.Config{Store: func() ff.WebhookOutbox { return s.Store }, Now: s.Clock.Now,
		Client: webhook.NewClient(5*time.Second, true), RetryFor: time.Second})
	b := newBrowser(t, s)
	b.signIn(s.Token)
	b.route("#/webhooks")
	b.fill(`form [data-field="url"]`, rcv.URL+"/hook")
	b.fill(`form [data-field="events"]`, "flag.*")
	b.click(`form button[type="submit"]`)
	b.wait("the secret", `document.querySelector('#new-webhook-secret')?.value.startsWith('whsec_')`)
	b.wait("the endpoint in the list", `document.querySelectorAll('table.webhooks tbody tr').length === 1`)
	b.checkLabels("webhooks")

	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "announced"})
	if n, err := worker.RunOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("first delivery: sent %d, %v", n, err)
	}
	b.click(`table.webhooks button.show-log`)
	b.wait("the failed attempt", `[...document.querySelectorAll('table.deliveries tbody tr')].some(r =>
		r.textContent.includes('flag.create') && r.textContent.includes('failed') && r.textContent.includes('503') && r.textContent.includes('busy, try later'))`)
	b.shot("webhooks", true)
	b.click(`table.deliveries button.redeliver`)
	b.wait("the redelivery queued", `document.querySelectorAll('table.deliveries tbody tr').length === 2`)
	if n, err := worker.RunOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("redelivery: sent %d, %v", n, err)
	}
	b.click(`button.refresh-log`)
	b.wait("the redelivery delivered", `[...document.querySelectorAll('table.deliveries tbody tr .badge')].some(e => e.textContent === 'delivered')`)

	b.click(`table.webhooks button.pause`)
	b.wait("paused", `document.querySelector('table.webhooks .badge')?.textContent === 'Paused'`)
	var hooks []ff.Webhook
	s.Expect(http.StatusOK, "GET", "/webhooks", nil).JSON(t, &hooks)
	if len(hooks) != 1 || !hooks[0].Disabled {
		t.Fatalf("after pausing: %+v", hooks)
	}
	b.click(`table.webhooks button.btn-danger-quiet`)
	b.click(`dialog[open] .confirm`)
	b.wait("no endpoints", `[...document.querySelectorAll('#main p.muted')].some(e => e.textContent === 'No endpoints yet.')`)
	if r := s.Expect(http.StatusOK, "GET", "/webhooks", nil); string(r.Body) != "[]\n" && string(r.Body) != "[]" {
		t.Fatalf("after deleting: %s", r.Body)
	}
}
