package view

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/view/snapfile"
)

// Outages. Evaluation never reads the store: it answers from the view. So
// that it can also answer after a restart while the database is away, the
// keeper keeps the view in a snapshot file (SaveSnapshots) and a server can
// start from that file (LoadSnapshotFile) with no store at all, which it
// attaches once the database answers (Attach). Until then the store is
// Unavailable.

// Attach gives a keeper created without a store its store, once it could
// be opened: under the write lock it runs what Init does, the path every
// reload takes, so that evaluation, streams and the snapshot file catch up
// with what changed while the store was away. Should that fail, the keeper
// is left without a store again and the error returned; the caller closes
// the store and retries.
func (k *Keeper) Attach(ctx context.Context, store ff.Store) error {
	if store == nil {
		return ff.Errorf(ff.EINVALID, "no store to attach")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.store.CompareAndSwap(none, &storeBox{store}) {
		return ff.Errorf(ff.EINVALID, "the service has a store already")
	}
	if err := k.initLocked(ctx); err != nil {
		k.store.Store(none)
		return err
	}
	k.storeErr.Store(nil)
	return nil
}

// HasStore reports whether the keeper has a store (see Attach).
func (k *Keeper) HasStore() bool { return k.store.Load() != none }

// ReportStoreError records that opening the store failed, for Degraded:
// only when, never why. Readiness is public, and even the domain error's
// message may carry the driver's text (hosts, users, databases); the
// caller logs err.
func (k *Keeper) ReportStoreError(err error) {
	if err == nil {
		return
	}
	msg := "last attempt failed at " + k.now().UTC().Format(time.RFC3339)
	k.storeErr.Store(&msg)
}

// Degraded says, while the keeper has no store, what it serves instead,
// as readiness checks report it; it is "" once it has a store.
func (k *Keeper) Degraded() string {
	if k.HasStore() {
		return ""
	}
	var b strings.Builder
	if info := k.fileInfo.Load(); info != nil {
		fmt.Fprintf(&b, "serving evaluations from the snapshot of %s, revision %d; ", info.SavedAt.Format(time.RFC3339), info.Revision)
	}
	b.WriteString("the store is unreachable")
	if e := k.storeErr.Load(); e != nil {
		b.WriteString(" (" + *e + ")")
	}
	b.WriteString("; the server log has the details")
	return b.String()
}

// LoadSnapshotFile makes the snapshot file at path the view, for a keeper
// that has none yet (one started without a store): evaluation and access
// control then work from it. A missing file is an error that matches
// fs.ErrNotExist.
func (k *Keeper) LoadSnapshotFile(path string) (snapfile.Info, error) {
	d, tokens, info, err := snapfile.Read(path)
	if err != nil {
		return info, err
	}
	v := New(d, tokens)
	// The saver must not write this view back as if it were new.
	k.fromFile.Store(v)
	if !k.view.p.CompareAndSwap(nil, v) {
		k.fromFile.Store(nil)
		return info, errors.New("the service has a view already")
	}
	k.fileInfo.Store(&info)
	return info, nil
}

// SaveSnapshots keeps the snapshot file at path up to date with the view
// until ctx ends, and then writes it once more if the view changed since.
// It writes in the background of every change, never holding one up: at
// most one write at a time and at most one per snapshotEvery, always of the
// latest view, so that a burst of changes costs one or two writes. Failures
// go to report and are retried, backing off, until a write succeeds.
func (k *Keeper) SaveSnapshots(ctx context.Context, path string, report func(error)) {
	s := &saver{k: k, path: path, report: report}
	pause := k.snapshotEvery
	for {
		select {
		case <-ctx.Done():
			s.save()
			return
		case <-k.view.changed:
		}
		if s.save() {
			pause = k.snapshotEvery
		} else {
			pause = min(2*pause, time.Minute)
			k.view.wake() // try again after the pause
		}
		if !sleepCtx(ctx, pause) {
			s.save()
			return
		}
	}
}

// saver writes the latest view to the snapshot file.
type saver struct {
	k      *Keeper
	path   string
	report func(error)
	saved  *View
}

// save writes the latest view unless it is written already or came from
// the file, and reports whether nothing failed.
func (s *saver) save() bool {
	v := s.k.view.Load()
	if v == nil || v == s.saved || v == s.k.fromFile.Load() {
		return true
	}
	if err := snapfile.Write(s.path, v.Dataset(), v.TokenList(), s.k.now()); err != nil {
		if s.report != nil {
			s.report(fmt.Errorf("write the snapshot file %s: %w", s.path, err))
		}
		return false
	}
	s.saved = v
	s.k.snapshotSaves.Add(1)
	return true
}
