package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"path"
	"slices"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/view"
	"github.com/featureflags/featureflags/internal/webhook"
)

// The audit actions of endpoint changes.
const (
	ActionWebhookCreate = "webhook.create"
	ActionWebhookUpdate = "webhook.update"
	ActionWebhookDelete = "webhook.delete"
)

// WebhookSettings are the server's webhook settings.
type WebhookSettings struct {
	// AllowPrivate lets endpoints point to loopback and private addresses.
	AllowPrivate bool
	// MaxEndpoints bounds the endpoints; MaxQueued each one's pending
	// deliveries (0: unbounded).
	MaxEndpoints, MaxQueued int
	// Resolver checks a URL's host; net.DefaultResolver when nil.
	Resolver webhook.Resolver
}

// Limits of one endpoint's filter lists and secret.
const (
	maxWebhookFilters = 100
	minSecretLength   = 16
	maxSecretLength   = 256
	// MaxDeliveriesPage is the largest page of a delivery log.
	MaxDeliveriesPage = 500
)

// WithWebhooks sets the webhook settings.
func WithWebhooks(w WebhookSettings) Option { return func(s *Service) { s.webhooks = w } }

// WebhookSettings returns the webhook settings.
func (s *Service) WebhookSettings() WebhookSettings { return s.webhooks }

// WebhookInput is a new endpoint, or the fields of one to change (nil:
// unchanged).
type WebhookInput struct {
	URL          *string
	Events       *[]string
	Flags        *[]string
	Environments *[]string
	Disabled     *bool
	// Secret signs deliveries; a new endpoint without one gets a random one.
	Secret *string
}

func (in WebhookInput) applyTo(w *ff.Webhook) {
	set(&w.URL, in.URL)
	set(&w.Events, in.Events)
	set(&w.Flags, in.Flags)
	set(&w.Environments, in.Environments)
	set(&w.Disabled, in.Disabled)
	set(&w.Secret, in.Secret)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// ListWebhooks returns every endpoint, oldest first.
func (s *Service) ListWebhooks(ctx context.Context) ([]*ff.Webhook, error) {
	return s.Store().ListWebhooks(ctx)
}

// GetWebhook returns one endpoint.
func (s *Service) GetWebhook(ctx context.Context, id string) (*ff.Webhook, error) {
	return s.Store().FindWebhook(ctx, id)
}

// CreateWebhook registers an endpoint and returns it with its secret, the
// given one or a new random one, which the API shows this once.
func (s *Service) CreateWebhook(ctx context.Context, in WebhookInput) (*ff.Webhook, string, error) {
	now := s.timestamp()
	w := &ff.Webhook{ID: ff.NewID(), Events: []string{}, Flags: []string{}, Environments: []string{}, Version: 1, CreatedAt: now, UpdatedAt: now}
	in.applyTo(w)
	if in.Secret == nil {
		secret, err := newWebhookSecret()
		if err != nil {
			return nil, "", err
		}
		w.Secret = secret
	}
	err := s.Write(ctx, func(v *view.View) error {
		if err := s.validateWebhook(ctx, w, v.EnvNames); err != nil {
			return err
		}
		return s.Store().CreateWebhook(s.audited(ctx, ActionWebhookCreate, "webhook", w.ID, w.URL, "", nil, w), w, s.webhooks.MaxEndpoints)
	}, nil)
	if err != nil {
		return nil, "", err
	}
	return w, w.Secret, nil
}

func newWebhookSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// UpdateWebhook changes the fields in gives, at version ifMatch unless it
// is AnyVersion.
func (s *Service) UpdateWebhook(ctx context.Context, id string, in WebhookInput, ifMatch int64) (*ff.Webhook, error) {
	var next *ff.Webhook
	err := s.Write(ctx, func(v *view.View) error {
		cur, err := s.Store().FindWebhook(ctx, id)
		if err != nil {
			return err
		}
		if ifMatch != ff.AnyVersion && cur.Version != ifMatch {
			return staleError("webhook", cur.ID, cur.Version, ifMatch)
		}
		c := *cur
		next = &c
		in.applyTo(next)
		next.Version, next.UpdatedAt = cur.Version+1, s.timestamp()
		if err := s.validateWebhook(ctx, next, v.EnvNames); err != nil {
			return err
		}
		return s.Store().UpdateWebhook(s.audited(ctx, ActionWebhookUpdate, "webhook", next.ID, next.URL, "", cur, next), next, cur.Version)
	}, nil)
	if err != nil {
		return nil, err
	}
	return next, nil
}

// DeleteWebhook deletes an endpoint and its delivery log, at version
// ifMatch unless it is AnyVersion.
func (s *Service) DeleteWebhook(ctx context.Context, id string, ifMatch int64) error {
	return s.Write(ctx, func(*view.View) error {
		cur, err := s.Store().FindWebhook(ctx, id)
		if err != nil {
			return err
		}
		if ifMatch != ff.AnyVersion && cur.Version != ifMatch {
			return staleError("webhook", cur.ID, cur.Version, ifMatch)
		}
		return s.Store().DeleteWebhook(s.audited(ctx, ActionWebhookDelete, "webhook", cur.ID, cur.URL, "", cur, nil), id)
	}, nil)
}

// WebhookDeliveries returns an endpoint's latest deliveries, newest first:
// limit of them (1 to MaxDeliveriesPage; 0 means 50).
func (s *Service) WebhookDeliveries(ctx context.Context, id string, limit int) ([]*ff.WebhookDelivery, error) {
	if limit < 0 || limit > MaxDeliveriesPage {
		return nil, ff.FieldErrorf("limit", "limit must be between 1 and %d", MaxDeliveriesPage)
	}
	if limit == 0 {
		limit = 50
	}
	if _, err := s.Store().FindWebhook(ctx, id); err != nil {
		return nil, err
	}
	return s.Store().ListWebhookDeliveries(ctx, id, limit)
}

// RedeliverWebhook queues a delivery of an endpoint again, due now.
func (s *Service) RedeliverWebhook(ctx context.Context, id, deliveryID string) (*ff.WebhookDelivery, error) {
	if _, err := s.Store().FindWebhook(ctx, id); err != nil {
		return nil, err
	}
	return s.Store().RedeliverWebhook(ctx, id, deliveryID, s.timestamp(), s.webhooks.MaxQueued)
}

// validateWebhook checks an endpoint: its URL (and where it points), its
// filters and its secret.
func (s *Service) validateWebhook(ctx context.Context, w *ff.Webhook, envs []string) error {
	if err := s.validateEndpoint(ctx, w, envs); err != nil {
		return err
	}
	if n := len(w.Secret); n < minSecretLength || n > maxSecretLength {
		return ff.FieldErrorf("secret", "secret must be %d to %d characters long", minSecretLength, maxSecretLength)
	}
	return nil
}

// validateEndpoint checks w's URL and filters.
func (s *Service) validateEndpoint(ctx context.Context, w *ff.Webhook, envs []string) error {
	var r webhook.Resolver = net.DefaultResolver
	if s.webhooks.Resolver != nil {
		r = s.webhooks.Resolver
	}
	if err := webhook.CheckURL(ctx, w.URL, s.webhooks.AllowPrivate, r); err != nil {
		return err
	}
	for _, f := range []struct {
		field string
		l     []string
	}{{"events", w.Events}, {"flags", w.Flags}, {"environments", w.Environments}} {
		field, l := f.field, f.l
		if len(l) > maxWebhookFilters {
			return ff.FieldErrorf(field, "%s holds %d entries; at most %d are allowed", field, len(l), maxWebhookFilters)
		}
		if slices.Contains(l, "") {
			return ff.FieldErrorf(field, "%s holds an empty entry", field)
		}
	}
	for _, p := range w.Events {
		if _, err := path.Match(p, ""); err != nil {
			return ff.FieldErrorf("events", "event pattern %q is malformed; use an action such as flag.toggle, or a pattern such as flag.* or *", p)
		}
	}
	for _, e := range w.Environments {
		if err := checkEnvironment("environments", e, envs); err != nil {
			return err
		}
	}
	return nil
}
