package view

import (
	"context"
	"sync/atomic"
	"time"
)

// revisionWatcher is what a store implements when it can announce the
// changes committed through any process as they commit.
type revisionWatcher interface {
	// WatchRevisions calls notify with the revision of every change
	// committed from when it starts listening until ctx ends or the
	// connection fails, and returns why it stopped. Once it listens it
	// calls notify(0): changes may have been missed before (a first start
	// or a reconnection), so the caller must check the store's revision.
	// notify never blocks.
	WatchRevisions(ctx context.Context, notify func(revision int64)) error
}

// Following backs off between attempts to watch a failed store from
// followMinBackoff up to followMaxBackoff.
const (
	followMinBackoff = 100 * time.Millisecond
	followMaxBackoff = 5 * time.Second
)

// Follow keeps the view current with the changes other processes commit,
// as the store announces them, until ctx ends: each announcement (or burst
// of them) reloads the view, and the reload publishes the difference. After
// every reconnection it checks the store's revision, so nothing committed
// meanwhile is missed. It waits for a store while the keeper has none,
// and returns at once when the store cannot announce changes (SQLite):
// Current brings changes in then. Failures go to report.
func (k *Keeper) Follow(ctx context.Context, report func(error)) {
	var (
		wake    = make(chan struct{}, 1)
		latest  atomic.Int64 // the highest revision announced
		check   atomic.Bool  // the store's revision must be read
		heard   atomic.Int64 // Unix ns of the first announcement not acted on
		stopped = make(chan struct{})
	)
	notify := func(rev int64) {
		heard.CompareAndSwap(0, time.Now().UnixNano())
		if rev <= 0 {
			check.Store(true)
		}
		for cur := latest.Load(); rev > cur && !latest.CompareAndSwap(cur, rev); cur = latest.Load() {
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	go func() {
		defer close(stopped)
		k.watch(ctx, notify, report)
	}()
	for {
		select {
		case <-ctx.Done():
			<-stopped
			return
		case <-stopped:
			return
		case <-wake:
		}
		at := time.Now()
		if ns := heard.Swap(0); ns != 0 {
			at = time.Unix(0, ns)
		}
		want := latest.Load()
		if check.Swap(false) {
			want = 0 // read the store's revision
		}
		// The process's own changes are in the view already: catchUp
		// returns at once for them.
		if err := k.catchUp(ctx, at, want); err != nil && ctx.Err() == nil && report != nil {
			report(err)
		}
	}
}

// watch runs the store's WatchRevisions until ctx ends, again after every
// failure, backing off.
func (k *Keeper) watch(ctx context.Context, notify func(int64), report func(error)) {
	backoff := followMinBackoff
	for ctx.Err() == nil {
		st := k.store.Load()
		if st == none { // no store yet: Attach gives it one
			if !sleepCtx(ctx, followMinBackoff) {
				return
			}
			continue
		}
		w, ok := st.Store.(revisionWatcher)
		if !ok {
			return
		}
		listened := false // it got as far as listening: reconnect at once
		err := w.WatchRevisions(ctx, func(rev int64) { listened = true; notify(rev) })
		if ctx.Err() != nil {
			return
		}
		if err != nil && report != nil {
			report(err)
		}
		if listened {
			backoff = followMinBackoff
		}
		if !sleepCtx(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, followMaxBackoff)
	}
}

// catchUp reloads the view unless it has reached want, the revision
// announced, or, when want is 0, the store's revision.
func (k *Keeper) catchUp(ctx context.Context, at time.Time, want int64) error {
	if want <= 0 {
		var err error
		if want, err = k.Store().Revision(ctx); err != nil {
			return err
		}
	}
	if v := k.view.Load(); v != nil && v.Revision >= want {
		return nil
	}
	// Read outside the write lock, so that this process's writes need not
	// wait for it; install only if nothing newer was installed meanwhile.
	next, err := k.read(ctx)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if v := k.view.Load(); v != nil && v.Revision >= next.Revision {
		return nil
	}
	k.install(next, at)
	return nil
}

// sleepCtx waits for d or ctx to end; false means ctx ended.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
