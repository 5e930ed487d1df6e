package apitest

import (
	"net/http"
	"time"

	ff "github.com/featureflags/featureflags"
)

// webhook registers an endpoint as the admin and returns its id. It is
// disabled, so that the matrix's many endpoints do not each get a delivery
// of every change.
func (m *matrix) webhook() string {
	return m.c.newWebhook(map[string]any{"url": "https://93.184.216.34/matrix", "disabled": true}).ID
}

// delivery returns a new endpoint's id and the id of a delivery to it: of
// the creation of a new flag, the one change it hears of, dispatched at
// once (no worker runs here).
func (m *matrix) delivery() (webhookID, deliveryID string) {
	name := m.unique("delivered")
	id := m.c.newWebhook(map[string]any{"url": "https://93.184.216.34/matrix", "flags": []string{name}}).ID
	m.c.create(map[string]any{"name": name})
	ds := m.c.deliveries(id)
	return id, ds[0].ID
}

type createdWebhook struct {
	ff.Webhook
	Secret string `json:"secret"`
}

func (c *client) newWebhook(body any) createdWebhook {
	c.t.Helper()
	var w createdWebhook
	c.Expect(http.StatusCreated, "POST", "/webhooks", body).JSON(c.t, &w)
	return w
}

// deliveries dispatches the outbox, as the worker does, and lists the
// endpoint's deliveries.
func (c *client) deliveries(webhookID string) []ff.WebhookDelivery {
	c.t.Helper()
	if _, err := c.env.Store.DispatchWebhooks(c.t.Context(), time.Now(), c.env.Svc.WebhookSettings().MaxQueued, 1000); err != nil {
		c.t.Fatal(err)
	}
	var ds []ff.WebhookDelivery
	c.Expect(http.StatusOK, "GET", "/webhooks/"+webhookID+"/deliveries", nil).JSON(c.t, &ds)
	return ds
}
