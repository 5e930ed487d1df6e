package webhook

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/view"
)

// Config configures a Worker; zero fields take the defaults of Defaults.
type Config struct {
	// Store returns the store to work on, at each use: the service's, which
	// a server that started without its database gets later.
	Store func() ff.WebhookOutbox
	// Owner names this replica's leases; unique per process.
	Owner string
	// Now is the clock of leases, due times and back-off; time.Now when nil.
	Now func() time.Time
	// Client sends the requests (NewClient); its Timeout bounds each.
	Client *http.Client
	// Lease is how long a claimed delivery stays this worker's: longer
	// than a request may take. Another replica retries it after.
	Lease time.Duration
	// MaxResponseBytes is how much of an answer's body is read; the log
	// keeps the first ExcerptBytes of it.
	MaxResponseBytes int64
	// MaxQueued bounds each endpoint's pending deliveries (see
	// ff.WebhookOutbox.DispatchWebhooks); 0: unbounded.
	MaxQueued int
	// Batch is how many events one dispatch takes and how many
	// deliveries one claim leases (and sends at once).
	Batch int
	// RetryFor is how long a failing delivery is retried, from its
	// creation; FirstRetry the first back-off, doubled each attempt up to
	// MaxBackoff.
	RetryFor, FirstRetry, MaxBackoff time.Duration
	Logger                           *slog.Logger
}

// ExcerptBytes is how much of an answer's body the delivery log keeps.
const ExcerptBytes = 512

// Defaults are the settings of a Config's zero fields.
var Defaults = Config{
	Lease: time.Minute, MaxResponseBytes: 64 << 10, MaxQueued: 10000, Batch: 16,
	RetryFor: 24 * time.Hour, FirstRetry: 10 * time.Second, MaxBackoff: time.Hour,
}

// Worker moves the outbox to the endpoints. Run it in every replica: the
// store's claims make each delivery one replica's at a time.
type Worker struct {
	cfg  Config
	wake chan struct{}
}

// New returns a worker for cfg.
func New(cfg Config) *Worker {
	d := Defaults
	cfg.Lease = cmpOr(cfg.Lease, d.Lease)
	cfg.MaxResponseBytes = cmpOr(cfg.MaxResponseBytes, d.MaxResponseBytes)
	cfg.Batch = cmpOr(cfg.Batch, d.Batch)
	cfg.RetryFor = cmpOr(cfg.RetryFor, d.RetryFor)
	cfg.FirstRetry = cmpOr(cfg.FirstRetry, d.FirstRetry)
	cfg.MaxBackoff = cmpOr(cfg.MaxBackoff, d.MaxBackoff)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Client == nil {
		cfg.Client = NewClient(10*time.Second, false)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Owner == "" {
		cfg.Owner = ff.NewID()
	}
	return &Worker{cfg: cfg, wake: make(chan struct{}, 1)}
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Publish wakes the worker: the view changed, so the outbox may hold new
// events. It never blocks (view.Publisher).
func (w *Worker) Publish(*view.Change) {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx ends: at once when woken (Publish), else every
// interval, which also picks up other replicas' events and due retries.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.cfg.Logger.Warn("delivering webhooks failed; retrying", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}

// RunOnce dispatches the outbox, then claims and sends due deliveries until
// none is left, and returns how many it sent. A delivery cut short by ctx
// ending is left leased: another replica (or this one, later) sends it
// again once the lease runs out.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	for {
		n, err := w.cfg.Store().DispatchWebhooks(ctx, w.cfg.Now(), w.cfg.MaxQueued, w.cfg.Batch)
		if err != nil {
			return 0, err
		}
		if n < w.cfg.Batch {
			break
		}
	}
	sent := 0
	for ctx.Err() == nil {
		jobs, err := w.cfg.Store().ClaimWebhookDeliveries(ctx, w.cfg.Owner, w.cfg.Now(), w.cfg.Lease, w.cfg.Batch)
		if err != nil || len(jobs) == 0 {
			return sent, err
		}
		var wg sync.WaitGroup
		for _, j := range jobs {
			wg.Go(func() { w.send(ctx, j) })
		}
		wg.Wait()
		sent += len(jobs)
	}
	return sent, nil
}

// send delivers one job and records the outcome, unless ctx ended.
func (w *Worker) send(ctx context.Context, j *ff.WebhookJob) {
	d := w.attempt(ctx, j)
	if ctx.Err() != nil {
		return
	}
	if err := w.cfg.Store().FinishWebhookDelivery(ctx, w.cfg.Owner, d); err != nil {
		w.cfg.Logger.Warn("recording a webhook delivery failed", "delivery", d.ID, "error", err.Error())
	}
}
