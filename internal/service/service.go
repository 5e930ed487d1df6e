// Package service is the write path of the flag service and the keeper of
// its in-memory view: it validates input, assigns ids, versions and times,
// applies partial updates without losing concurrent ones, and keeps an
// immutable picture of the store (with the compiled evaluation snapshot)
// current after every change. HTTP handlers and the command line call it;
// it calls the Store.
package service

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	ff "github.com/featureflags/featureflags"
)

// maxRetries bounds the read-modify-write retries of an update that lost a
// race with another writer. Each retry means another write committed, so
// running out is practically impossible and answers EPRECONDITION.
const maxRetries = 100

// Service implements the operations behind the management API.
type Service struct {
	// store is never nil, but may be empty (see New and Attach): then
	// every store operation answers EUNAVAILABLE.
	store  *storeSlot
	now    func() time.Time
	limits Limits

	mu   sync.Mutex // serialises this process's writes and view reloads
	view viewCell   // the latest view; storing one wakes the snapshot saver

	// live holds who hears of every new view (publish.go).
	live live

	// Outages (degraded.go): the view read from the snapshot file and what
	// that file said, why the store could not be opened, and the snapshot
	// saver's pace and count of writes.
	fromFile      atomic.Pointer[view]
	fileInfo      atomic.Pointer[SnapshotInfo]
	storeErr      atomic.Pointer[string]
	snapshotEvery time.Duration
	snapshotSaves atomic.Int64

	// usage holds the last-used times of tokens not yet written to the
	// store: token id -> *atomic.Int64 (Unix milliseconds, 0 when flushed).
	usage sync.Map
}

// Option configures a Service.
type Option func(*Service)

// WithLimits sets the limits on what flags and segments may hold; a zero
// field keeps its default.
func WithLimits(l Limits) Option { return func(s *Service) { s.limits = l.withDefaults() } }

// WithClock sets the clock the service stamps changes with and checks token
// expiry against (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns a Service on store. A nil store makes a service that has
// none yet: every operation that needs one returns EUNAVAILABLE until
// Attach gives it one, while evaluation answers from the view
// LoadSnapshotFile loads.
func New(store ff.Store, opts ...Option) *Service {
	s := &Service{store: &storeSlot{}, now: time.Now, limits: DefaultLimits(), snapshotEvery: defaultSnapshotEvery}
	s.view.changed = make(chan struct{}, 1)
	if store != nil {
		s.store.p.Store(&storeRef{store})
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Limits returns the limits the service enforces.
func (s *Service) Limits() Limits { return s.limits }

// Store returns the service's store: while it has none (see Attach), a
// Store whose every operation answers EUNAVAILABLE.
func (s *Service) Store() ff.Store { return s.store }

// timestamp returns the current time at the precision every store keeps.
func (s *Service) timestamp() time.Time {
	return s.now().UTC().Truncate(time.Millisecond)
}

// Init creates the default environments when the store has none, and loads
// the view. Replicas starting together may race here; a name taken by
// another is fine.
func (s *Service) Init(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.initLocked(ctx)
}

// initLocked is Init with s.mu held. It always reads the view again, also
// over one from the snapshot file at the same revision.
func (s *Service) initLocked(ctx context.Context) error {
	envs, err := s.store.ListEnvironments(ctx)
	if err != nil {
		return err
	}
	if len(envs) == 0 {
		for _, name := range ff.DefaultEnvironments {
			err := s.store.CreateEnvironment(ctx, &ff.Environment{Name: name, CreatedAt: s.timestamp()})
			if err != nil && ff.ErrorCode(err) != ff.ECONFLICT {
				return err
			}
		}
	}
	_, err = s.reload(ctx)
	return err
}

// complete gives f a state for exactly the existing environments: those it
// does not mention are off, and leftovers of deleted ones are dropped.
func complete(f *ff.Flag, envs []string) {
	m := make(map[string]bool, len(envs))
	for _, e := range envs {
		m[e] = f.Environments[e]
	}
	f.Environments = m
	for e := range f.Targeting {
		if !slices.Contains(envs, e) {
			delete(f.Targeting, e)
		}
	}
	if len(f.Targeting) == 0 {
		f.Targeting = nil
	}
}

// checkEnvironment returns EINVALID naming field when env does not exist.
func checkEnvironment(field, env string, envs []string) error {
	if !slices.Contains(envs, env) {
		return ff.FieldErrorf(field, "unknown environment %q; existing environments: %v", env, envs)
	}
	return nil
}
