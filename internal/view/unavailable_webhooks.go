package view

import (
	"context"
	"time"

	ff "github.com/featureflags/featureflags"
)

func (Unavailable) ListWebhooks(context.Context) ([]*ff.Webhook, error) { return nil, ErrUnavailable() }
func (Unavailable) FindWebhook(context.Context, string) (*ff.Webhook, error) {
	return nil, ErrUnavailable()
}
func (Unavailable) CreateWebhook(context.Context, *ff.Webhook, int) error   { return ErrUnavailable() }
func (Unavailable) UpdateWebhook(context.Context, *ff.Webhook, int64) error { return ErrUnavailable() }
func (Unavailable) DeleteWebhook(context.Context, string) error             { return ErrUnavailable() }
func (Unavailable) ListWebhookDeliveries(context.Context, string, int) ([]*ff.WebhookDelivery, error) {
	return nil, ErrUnavailable()
}
func (Unavailable) RedeliverWebhook(context.Context, string, string, time.Time, int) (*ff.WebhookDelivery, error) {
	return nil, ErrUnavailable()
}
func (Unavailable) DispatchWebhooks(context.Context, time.Time, int, int) (int, error) {
	return 0, ErrUnavailable()
}
func (Unavailable) ClaimWebhookDeliveries(context.Context, string, time.Time, time.Duration, int) ([]*ff.WebhookJob, error) {
	return nil, ErrUnavailable()
}
func (Unavailable) FinishWebhookDelivery(context.Context, string, *ff.WebhookDelivery) error {
	return ErrUnavailable()
}
func (Unavailable) PruneWebhookDeliveries(context.Context, time.Time) (int64, error) {
	return 0, ErrUnavailable()
}
