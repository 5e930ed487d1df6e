// Package service is the write path of the flag service: it validates
// input, authorizes and audits changes, assigns ids, versions and times,
// and applies partial updates without losing concurrent ones. The view it
// reads and keeps current after every change is package view's Keeper,
// which it embeds. HTTP handlers and the command line call it; it calls
// the Store.
package service

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/view"
)

// maxRetries bounds the read-modify-write retries of an update that lost a
// race with another writer. Each retry means another write committed, so
// running out is practically impossible and answers EPRECONDITION.
const maxRetries = 100

// Service implements the operations behind the management API.
type Service struct {
	// Keeper holds the store (Unavailable while there is none; see
	// Attach) and the view every operation reads and writes through.
	*view.Keeper

	now       func() time.Time
	limits    Limits
	retention AuditRetention
	webhooks  WebhookSettings
	log       *slog.Logger

	// usage holds the last-used times of tokens not yet written to the
	// store: token id -> *atomic.Int64 (Unix milliseconds, 0 when flushed).
	usage sync.Map
}

// Option configures a Service.
type Option func(*Service)

// WithLimits sets the limits on what flags and segments may hold; a zero
// field keeps its default.
func WithLimits(l Limits) Option { return func(s *Service) { s.limits = l.withDefaults() } }

// WithLogger sets the logger that hears of stored flags that do not
// compile under today's limits; slog.Default() otherwise.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithClock sets the clock the service stamps changes with and checks token
// expiry against (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns a Service on store. A nil store makes a service that has
// none yet: every operation that needs one returns EUNAVAILABLE until
// Attach gives it one, while evaluation answers from the view
// LoadSnapshotFile loads. Init (or Attach) creates the default
// environments when the store has none, and loads the view.
func New(store ff.Store, opts ...Option) *Service {
	s := &Service{now: time.Now, limits: DefaultLimits()}
	for _, o := range opts {
		o(s)
	}
	s.Keeper = view.NewKeeper(view.Config{Store: store, Prepare: s.ensureEnvironments, Now: s.now, Logger: s.log})
	return s
}

// Limits returns the limits the service enforces.
func (s *Service) Limits() Limits { return s.limits }

// timestamp returns the current time at the precision every store keeps.
func (s *Service) timestamp() time.Time {
	return s.now().UTC().Truncate(time.Millisecond)
}

// ensureEnvironments creates the default environments when st has none.
// Replicas starting together may race here; a name taken by another is
// fine.
func (s *Service) ensureEnvironments(ctx context.Context, st ff.Store) error {
	envs, err := st.ListEnvironments(ctx)
	if err != nil || len(envs) > 0 {
		return err
	}
	for _, name := range ff.DefaultEnvironments {
		// Production is protected from the start (as migrations make it
		// in databases older than the setting).
		e := &ff.Environment{Name: name, CreatedAt: s.timestamp(), Protected: name == "production"}
		err := st.CreateEnvironment(ctx, e)
		if err != nil && ff.ErrorCode(err) != ff.ECONFLICT {
			return err
		}
	}
	return nil
}

// retrying runs attempt again while it fails with EPRECONDITION because
// another writer got in first (up to maxRetries times), unless ifMatch
// pins a version: then the conflict is the caller's to resolve.
func retrying(ifMatch int64, attempt func() error) error {
	for i := 0; ; i++ {
		err := attempt()
		if ff.ErrorCode(err) != ff.EPRECONDITION || ifMatch != ff.AnyVersion || i >= maxRetries {
			return err
		}
	}
}

// checkEnvironment returns EINVALID naming field when env does not exist.
func checkEnvironment(field, env string, envs []string) error {
	if !slices.Contains(envs, env) {
		return ff.FieldErrorf(field, "unknown environment %q; existing environments: %v", env, envs)
	}
	return nil
}
