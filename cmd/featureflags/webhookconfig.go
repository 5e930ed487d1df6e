package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/webhook"
)

// webhookConfig configures webhook endpoints and their delivery.
type webhookConfig struct {
	AllowPrivate     bool
	MaxEndpoints     int
	MaxQueued        int
	Timeout          time.Duration
	MaxResponseBytes int64
	PollInterval     time.Duration
	Retention        time.Duration
}

func defaultWebhookConfig() webhookConfig {
	return webhookConfig{MaxEndpoints: 100, MaxQueued: 10_000, Timeout: 10 * time.Second,
		MaxResponseBytes: 64 << 10, PollInterval: time.Second, Retention: 30 * 24 * time.Hour}
}

func webhookFlags(fs *flag.FlagSet, c *webhookConfig) {
	fs.BoolVar(&c.AllowPrivate, "webhooks-allow-private", c.AllowPrivate, "let webhook endpoints point to loopback and private addresses")
	fs.IntVar(&c.MaxEndpoints, "webhooks-max-endpoints", c.MaxEndpoints, "most webhook endpoints that may be registered")
	fs.IntVar(&c.MaxQueued, "webhooks-max-queued", c.MaxQueued, "most deliveries queued per endpoint; further events are logged as dropped")
	fs.DurationVar(&c.Timeout, "webhooks-timeout", c.Timeout, "time one delivery request may take")
	fs.Int64Var(&c.MaxResponseBytes, "webhooks-max-response-bytes", c.MaxResponseBytes, "most bytes of an endpoint's answer that are read")
	fs.DurationVar(&c.PollInterval, "webhooks-poll-interval", c.PollInterval, "how often the delivery worker looks for other replicas' events and due retries")
	fs.DurationVar(&c.Retention, "webhooks-retention", c.Retention, "how long finished deliveries stay in the delivery log")
}

func (c webhookConfig) validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"webhooks-timeout", c.Timeout}, {"webhooks-poll-interval", c.PollInterval}, {"webhooks-retention", c.Retention}} {
		if d.v <= 0 {
			return fmt.Errorf("--%s (%s) must be positive", d.name, envName(d.name))
		}
	}
	for _, l := range []struct {
		name string
		v    int64
	}{{"webhooks-max-endpoints", int64(c.MaxEndpoints)}, {"webhooks-max-queued", int64(c.MaxQueued)}, {"webhooks-max-response-bytes", c.MaxResponseBytes}} {
		if l.v < 1 {
			return fmt.Errorf("--%s (%s) must be at least 1", l.name, envName(l.name))
		}
	}
	return nil
}

// service is the service's part of c.
func (c webhookConfig) service() service.WebhookSettings {
	return service.WebhookSettings{AllowPrivate: c.AllowPrivate, MaxEndpoints: c.MaxEndpoints, MaxQueued: c.MaxQueued}
}

// startWebhooks runs the delivery worker, woken by every change of the
// view, and prunes the delivery log hourly.
func (m *Main) startWebhooks(ctx context.Context) {
	c := m.Config.Webhooks
	w := webhook.New(webhook.Config{
		Store: func() ff.WebhookOutbox { return m.svc.Store() }, Client: webhook.NewClient(c.Timeout, c.AllowPrivate), Lease: 2*c.Timeout + 30*time.Second,
		MaxResponseBytes: c.MaxResponseBytes, MaxQueued: c.MaxQueued, Logger: m.Log,
	})
	remove := m.svc.AddPublisher(w)
	m.workers.Go(func() {
		defer remove()
		w.Run(ctx, c.PollInterval)
	})
	m.workers.Go(func() {
		every(ctx, time.Hour, func(ctx context.Context) error {
			_, err := m.svc.Store().PruneWebhookDeliveries(ctx, time.Now().Add(-c.Retention))
			return err
		}, func(err error) {
			m.Log.Warn("pruning the webhook delivery log failed; retrying later", "error", err.Error())
		})
	})
}
