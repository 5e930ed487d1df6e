package view

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/view/snapfile"
)

// Keeper keeps the view of one store current: after every write of this
// process, on every management read that finds the store's revision moved,
// and as other replicas' changes are announced (Follow).
type Keeper struct {
	// store is never nil: it holds Unavailable until a store is attached.
	store   atomic.Pointer[storeBox]
	prepare func(context.Context, ff.Store) error
	now     func() time.Time
	log     *slog.Logger

	mu    sync.Mutex // serialises this process's writes and view reloads
	queue writeQueue // the grouped writes waiting for mu (group.go)
	view  cell       // the latest view; storing one wakes the snapshot saver

	// pubs hear of every new view (publish.go).
	pubs publishers

	// Outages (degraded.go): the view read from the snapshot file and what
	// that file said, why the store could not be opened, and the snapshot
	// saver's pace and count of writes.
	fromFile      atomic.Pointer[View]
	fileInfo      atomic.Pointer[snapfile.Info]
	storeErr      atomic.Pointer[string]
	snapshotEvery time.Duration
	snapshotSaves atomic.Int64
}

type storeBox struct{ ff.Store }

// none is the store box of a keeper without a store.
var none = &storeBox{Unavailable{}}

// Config configures a Keeper.
type Config struct {
	// Store is the store to keep the view of; nil for none yet (Attach).
	Store ff.Store
	// Prepare, if set, runs with the write lock held before the first
	// load from a store (Init, Attach): the service creates the default
	// environments there.
	Prepare func(ctx context.Context, st ff.Store) error
	// Now is the clock token expiry and the snapshot file's time use.
	Now func() time.Time
	// Logger hears of stored flags that do not compile (problems.go);
	// slog.Default() when nil.
	Logger *slog.Logger
}

// defaultSnapshotEvery is the shortest time between two writes of the
// snapshot file.
const defaultSnapshotEvery = 200 * time.Millisecond

// NewKeeper returns a Keeper with no view yet: Init or LoadSnapshotFile
// gives it one.
func NewKeeper(cfg Config) *Keeper {
	k := &Keeper{prepare: cfg.Prepare, now: cfg.Now, log: cfg.Logger, snapshotEvery: defaultSnapshotEvery}
	if k.now == nil {
		k.now = time.Now
	}
	if k.log == nil {
		k.log = slog.Default()
	}
	k.view.changed = make(chan struct{}, 1)
	k.store.Store(none)
	if cfg.Store != nil {
		k.store.Store(&storeBox{cfg.Store})
	}
	return k
}

// Store returns the store the view is kept of: while there is none (see
// Attach), Unavailable, whose every operation answers EUNAVAILABLE. Read
// it per use: Attach replaces it.
func (k *Keeper) Store() ff.Store { return k.store.Load().Store }

// Latest returns the latest view without touching the store, or nil before
// the first one.
func (k *Keeper) Latest() *View { return k.view.Load() }

// Snapshot returns the compiled flags for evaluation without touching the
// store: the latest view's, or nil before the first load.
func (k *Keeper) Snapshot() *eval.Snapshot {
	if v := k.view.Load(); v != nil {
		return v.Snapshot
	}
	return nil
}

// FlagCount returns the number of flags in the latest view, without
// touching the store.
func (k *Keeper) FlagCount() int {
	if v := k.view.Load(); v != nil {
		return v.FlagCount()
	}
	return 0
}

// Init runs Prepare and loads the view. It always reads the view again,
// also over one from the snapshot file at the same revision.
func (k *Keeper) Init(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.initLocked(ctx)
}

func (k *Keeper) initLocked(ctx context.Context) error {
	if k.prepare != nil {
		if err := k.prepare(ctx, k.Store()); err != nil {
			return err
		}
	}
	_, err := k.reload(ctx, time.Now())
	return err
}

type checkedKey struct{}

// Current returns a view at least as new as the store's revision, reading
// the store again only when it has changed (through any process). Within
// a request that Refresh has checked, the check is not repeated.
func (k *Keeper) Current(ctx context.Context) (*View, error) {
	if checked, ok := ctx.Value(checkedKey{}).(*View); ok {
		if v := k.view.Load(); v != nil && v.Revision > checked.Revision {
			return v, nil // this process wrote since
		}
		return checked, nil
	}
	rev, err := k.Store().Revision(ctx)
	if err != nil {
		return nil, err
	}
	if v := k.view.Load(); v != nil && v.Revision >= rev {
		return v, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if v := k.view.Load(); v != nil && v.Revision >= rev {
		return v, nil
	}
	return k.reload(ctx, time.Now())
}

// Refresh brings the view up to date with the store, as every management
// read does, and returns ctx marked so that the reads of the same request
// need not check the store's revision again.
func (k *Keeper) Refresh(ctx context.Context) (context.Context, error) {
	v, err := k.Current(ctx)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, checkedKey{}, v), nil
}

// read reads the whole store into a new view.
func (k *Keeper) read(ctx context.Context) (*View, error) {
	st := k.Store()
	d, err := st.Load(ctx)
	if err != nil {
		return nil, err
	}
	tokens, err := st.ListTokens(ctx)
	if err != nil {
		return nil, err
	}
	return New(d, tokens), nil
}

// reload reads the whole store into a new view and installs it, for
// changes committed (or heard of) at at; k.mu must be held.
func (k *Keeper) reload(ctx context.Context, at time.Time) (*View, error) {
	v, err := k.read(ctx)
	if err != nil {
		return nil, err
	}
	k.install(v, at)
	return v, nil
}

// Write runs one change to the store with the write lock held and then
// brings the view up to date before returning, so that what this server
// answers next, evaluation included, shows the change. When the change is
// the only one since the view (the store's revision moved by exactly one)
// apply (if not nil) patches the view; otherwise another process wrote too
// and the view is read again.
func (k *Keeper) Write(ctx context.Context, change func(v *View) error, apply func(v *View, revision int64) *View) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.writeLocked(ctx, change, apply)
}

// writeLocked is Write with k.mu held.
func (k *Keeper) writeLocked(ctx context.Context, change func(v *View) error, apply func(v *View, revision int64) *View) error {
	before, err := k.loaded(ctx)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // the client left while waiting: nothing was written
	}
	err = change(before)
	if err != nil && ctx.Err() == nil {
		return err
	}
	// From here on the change may be committed: the view learns of it
	// whether or not the client that asked is still there. (A change that
	// failed because the client left may have committed all the same.)
	ctx = context.WithoutCancel(ctx)
	if err != nil {
		_, _ = k.reload(ctx, time.Now())
		return err
	}
	committed := time.Now()
	rev, err := k.Store().Revision(ctx)
	if err == nil && rev == before.Revision+1 && apply != nil {
		k.install(apply(before, rev), committed)
		return nil
	}
	// Should the reload fail, the change is still committed: the old view
	// stays in service and the next read, which checks the revision, loads.
	_, _ = k.reload(ctx, committed)
	return nil
}

// loaded returns the view, read first if there is none yet; k.mu is held.
func (k *Keeper) loaded(ctx context.Context) (*View, error) {
	if v := k.view.Load(); v != nil {
		return v, nil
	}
	return k.reload(ctx, time.Now())
}

// TokenActive reports whether the token with this hash is, in the latest
// view, still there, unrevoked and unexpired: streams opened with a token
// end when it stops being so.
func (k *Keeper) TokenActive(hash string) bool {
	v := k.view.Load()
	if v == nil {
		return false
	}
	t, ok := v.Tokens[hash]
	return ok && t.RevokedAt == nil && (t.ExpiresAt == nil || k.now().Before(*t.ExpiresAt))
}

// cell holds the latest view. Every new view goes through Store, which
// wakes the snapshot saver (without ever waiting for it); signals coalesce,
// and the saver always writes the latest view.
type cell struct {
	p       atomic.Pointer[View]
	changed chan struct{} // capacity 1
}

func (c *cell) Load() *View { return c.p.Load() }

func (c *cell) Store(v *View) {
	c.p.Store(v)
	c.wake()
}

func (c *cell) wake() {
	select {
	case c.changed <- struct{}{}:
	default: // a wake-up is pending already
	}
}
