package featureflags

import (
	"context"
	"encoding/json"
	"path"
	"slices"
	"time"
)

// Webhook is an endpoint that hears of changes. Its Secret signs every
// delivery; it is write-only: stores keep it, the API never shows it after
// creation.
type Webhook struct {
	ID  string `json:"_id"`
	URL string `json:"url"`
	// Events are audit actions or patterns ("flag.*", "flag.toggle", "*");
	// Flags are flag names or ids; Environments environment names. An empty
	// list selects everything (see Matches).
	Events       []string  `json:"events"`
	Flags        []string  `json:"flags"`
	Environments []string  `json:"environments"`
	Disabled     bool      `json:"disabled"`
	Secret       string    `json:"-"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// Matches reports whether ev is an event w subscribes to: its action
// matches one of Events (path.Match patterns), its target is one of Flags
// (by id or name; events of other targets do not match a list of flags) and
// its environment one of Environments (an event of no one environment, such
// as a flag's creation, matches any list).
func (w *Webhook) Matches(ev *AuditEvent) bool {
	if w.Disabled {
		return false
	}
	if len(w.Events) > 0 && !slices.ContainsFunc(w.Events, func(p string) bool {
		ok, _ := path.Match(p, ev.Action)
		return ok
	}) {
		return false
	}
	if len(w.Flags) > 0 && (ev.TargetType != "flag" ||
		!slices.ContainsFunc(w.Flags, func(f string) bool { return f == ev.TargetID || f == ev.TargetName })) {
		return false
	}
	return len(w.Environments) == 0 || ev.Environment == "" || slices.Contains(w.Environments, ev.Environment)
}

// The states of a delivery.
const (
	DeliveryPending   = "pending"   // waiting for its first or next attempt, or in flight
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryFailed    = "failed"    // retries ran out; a redelivery by hand may follow
	DeliveryDropped   = "dropped"   // never queued: the endpoint's queue was full
)

// WebhookDelivery is one event on its way to one endpoint, and the outcome
// of its last attempt: the delivery log.
type WebhookDelivery struct {
	ID        string `json:"_id"`
	WebhookID string `json:"webhookId"`
	// Seq is the store's order of the event: deliveries of one endpoint
	// about one target go out in Seq order.
	Seq        int64  `json:"seq"`
	EventID    string `json:"eventId"`
	Action     string `json:"action"`
	TargetType string `json:"targetType"`
	TargetID   string `json:"targetId"`
	TargetName string `json:"targetName"`
	// Payload is the body sent: the event as JSON.
	Payload  json.RawMessage `json:"payload"`
	State    string          `json:"state"`
	Attempts int             `json:"attempts"`
	// NextAttemptAt is when a pending delivery is tried next.
	NextAttemptAt time.Time `json:"nextAttemptAt"`
	CreatedAt     time.Time `json:"createdAt"`
	// The last attempt: when, the answer's status (0: none), how long it
	// took, the first bytes of the answer's body, and what went wrong.
	LastAttemptAt   *time.Time `json:"lastAttemptAt,omitempty"`
	ResponseStatus  int        `json:"responseStatus,omitempty"`
	LatencyMillis   int64      `json:"latencyMs,omitempty"`
	ResponseExcerpt string     `json:"responseExcerpt,omitempty"`
	Error           string     `json:"error,omitempty"`
	// RedeliveryOf is the delivery this one repeats, by hand.
	RedeliveryOf string `json:"redeliveryOf,omitempty"`
}

// WebhookJob is a claimed delivery with what it takes to send it.
type WebhookJob struct {
	Delivery *WebhookDelivery
	URL      string
	Secret   string
}

// WebhookStore keeps endpoints and their delivery logs, and the outbox:
// every write that records an audit event also records it, in the same
// transaction (where the database has one), as an event for webhooks, with
// a store-assigned sequence number.
type WebhookStore interface {
	ListWebhooks(ctx context.Context) ([]*Webhook, error)
	FindWebhook(ctx context.Context, id string) (*Webhook, error)
	// CreateWebhook inserts w unless the store holds max endpoints already
	// (ETOOMANY naming the limit "webhooks-max-endpoints").
	CreateWebhook(ctx context.Context, w *Webhook, max int) error
	// UpdateWebhook replaces the endpoint w.ID if its version is expectVersion.
	UpdateWebhook(ctx context.Context, w *Webhook, expectVersion int64) error
	// DeleteWebhook deletes an endpoint and its deliveries.
	DeleteWebhook(ctx context.Context, id string) error
	// ListWebhookDeliveries returns an endpoint's deliveries, newest first.
	ListWebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]*WebhookDelivery, error)
	// RedeliverWebhook queues delivery again, as a new delivery due at now
	// in the place of its event, unless the endpoint has maxQueued pending
	// deliveries (ETOOMANY naming "webhooks-max-queued"). It is
	// bookkeeping: no audit event, no revision.
	RedeliverWebhook(ctx context.Context, webhookID, deliveryID string, now time.Time, maxQueued int) (*WebhookDelivery, error)
	WebhookOutbox
}

// WebhookOutbox moves events from the outbox to the endpoints. Its methods
// are bookkeeping: they write no audit event and move no revision. They are
// safe to call from every replica at once.
type WebhookOutbox interface {
	// DispatchWebhooks turns up to limit outbox events, in Seq order, into
	// one pending delivery (due at now) for each endpoint that matches,
	// or one dropped delivery when that endpoint has maxQueued pending
	// already, and removes them from the outbox, so that each event is
	// dispatched once across replicas. It returns how many events it took.
	DispatchWebhooks(ctx context.Context, now time.Time, maxQueued, limit int) (int, error)
	// ClaimWebhookDeliveries leases to owner, until now+lease, up to limit
	// pending deliveries that are due, not leased (or whose lease ran
	// out) and have no earlier pending delivery of the same endpoint and
	// target, so that each endpoint hears of each target in order.
	ClaimWebhookDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*WebhookJob, error)
	// FinishWebhookDelivery records an attempt's outcome (d's State,
	// Attempts, NextAttemptAt and last-attempt fields) and ends owner's
	// lease, if owner still holds it (EPRECONDITION if not).
	FinishWebhookDelivery(ctx context.Context, owner string, d *WebhookDelivery) error
	// PruneWebhookDeliveries deletes the finished deliveries (delivered,
	// failed, dropped) created before before and returns how many.
	PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error)
}
