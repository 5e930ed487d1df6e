package view

import (
	"context"
	"fmt"
	"sync"
	"time"

	ff "github.com/featureflags/featureflags"
)

// MaxGroup bounds the writes that share one commit (WriteGrouped).
const MaxGroup = 64

// GroupCommitter is a store that commits several writes in one
// transaction, each in a savepoint of its own (store/sqlite's CommitGroup).
type GroupCommitter interface {
	CommitGroup(ctx context.Context, writes []func(join func(context.Context) context.Context) error) ([]error, error)
}

// groupWrite is one write waiting to be committed with others.
type groupWrite struct {
	ctx    context.Context
	change func(ctx context.Context, v *View) error
	apply  func(v *View, revision int64) *View
	done   bool // guarded by the keeper's mu, as is err
	err    error
}

// writeQueue holds the grouped writes that wait for the write lock.
type writeQueue struct {
	mu      sync.Mutex
	pending []*groupWrite
}

func (q *writeQueue) push(w *groupWrite) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending, w)
}

// take removes and returns the first n writes at most.
func (q *writeQueue) take(n int) []*groupWrite {
	q.mu.Lock()
	defer q.mu.Unlock()
	n = min(n, len(q.pending))
	ws := q.pending[:n:n]
	if q.pending = q.pending[n:]; len(q.pending) == 0 {
		q.pending = nil // let the taken ones go
	}
	return ws
}

func (q *writeQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}

// WritesWaiting returns how many grouped writes wait for the write lock.
func (k *Keeper) WritesWaiting() int { return k.queue.len() }

// WriteGrouped is Write for a change that may share its commit with others:
// the writes that arrive while one commits wait together, and the first of
// them to take the write lock makes them all (up to MaxGroup, in arrival
// order) in one transaction, where the store is a GroupCommitter; on other
// stores each is made alone, as Write makes it.
//
// change is given the context to pass to the store and the view as the
// earlier changes of its group left it; it makes all its checks in that
// transaction, and its refusal takes back only its own change. Its caller
// hears how it went only once the transaction is committed; a failed
// commit fails every change of the group. Each change moves the revision
// by one and is installed as a view of its own, in order, so that streams
// hear of each; apply makes that view.
func (k *Keeper) WriteGrouped(ctx context.Context, change func(ctx context.Context, v *View) error, apply func(v *View, revision int64) *View) error {
	w := &groupWrite{ctx: ctx, change: change, apply: apply}
	k.queue.push(w)
	k.mu.Lock()
	defer k.mu.Unlock()
	for !w.done {
		k.commitGroup(k.queue.take(MaxGroup))
	}
	return w.err
}

// commitGroup makes ws, in one transaction where the store can; k.mu is
// held.
func (k *Keeper) commitGroup(ws []*groupWrite) {
	defer func() {
		// Should a change panic, the others of its group are told.
		for _, w := range ws {
			if !w.done {
				w.err, w.done = ff.Errorf(ff.EINTERNAL, "a write committed with this one failed unexpectedly; this one was not made"), true
			}
		}
	}()
	gc, ok := k.Store().(GroupCommitter)
	if !ok {
		for _, w := range ws {
			w.err = k.writeLocked(w.ctx, func(v *View) error { return w.change(w.ctx, v) }, w.apply)
			w.done = true
		}
		return
	}
	ctx := context.Background() // the group's own work belongs to none of its clients
	before, err := k.loaded(ctx)
	if err != nil {
		for _, w := range ws {
			w.err, w.done = err, true
		}
		return
	}
	cur, views := before, make([]*View, 0, len(ws))
	writes := make([]func(join func(context.Context) context.Context) error, len(ws))
	for i, w := range ws {
		writes[i] = func(join func(context.Context) context.Context) error {
			if err := w.ctx.Err(); err != nil {
				return err // the client left while waiting: nothing is written
			}
			if err := w.change(join(w.ctx), cur); err != nil {
				return err
			}
			cur = w.apply(cur, cur.Revision+1)
			views = append(views, cur)
			return nil
		}
	}
	errs, err := gc.CommitGroup(ctx, writes)
	committed := time.Now()
	if err != nil {
		err = fmt.Errorf("%w: %w", ff.Errorf(ff.ErrorCode(err),
			"the commit this write shared with %d others failed, so none of them was made; retry", len(ws)-1), err)
		// The old view stays, unless the store says otherwise.
		_, _ = k.reload(ctx, committed)
	} else if rev, rerr := k.Store().Revision(ctx); rerr == nil && rev == cur.Revision {
		for _, v := range views {
			k.install(v, committed)
		}
	} else {
		// Another process wrote too: read the store again. Should that
		// fail, the next read, which checks the revision, loads.
		_, _ = k.reload(ctx, committed)
	}
	for i, w := range ws {
		w.err, w.done = errs[i], true
		if w.err == nil {
			w.err = err
		}
	}
}
