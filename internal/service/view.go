package service

import (
	"context"
	"slices"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// view is an immutable picture of the whole store at one revision: what the
// management API reads and the compiled snapshot evaluation uses. Nothing in
// it is changed after it is published; callers must not change what they
// get from it.
type view struct {
	revision     int64
	environments []*ff.Environment
	envNames     []string
	flags        []*ff.Flag // completed, ordered by name
	segments     []*ff.Segment
	snapshot     *eval.Snapshot

	// tokens are the store's tokens by hash (revoked and expired ones
	// too), read right after the dataset, so at least as new as revision.
	tokens map[string]*ff.Token
}

func newView(d *ff.Dataset, tokens []*ff.Token) *view {
	v := &view{revision: d.Revision, environments: d.Environments, flags: d.Flags, segments: d.Segments}
	v.tokens = make(map[string]*ff.Token, len(tokens))
	for _, t := range tokens {
		// Should two tokens share a hash (replicas racing to create the
		// same bootstrap token), a revoked one wins: revoking must work.
		if old, dup := v.tokens[t.Hash]; dup && old.RevokedAt != nil {
			continue
		}
		v.tokens[t.Hash] = t
	}
	for _, e := range d.Environments {
		v.envNames = append(v.envNames, e.Name)
	}
	for _, f := range v.flags {
		complete(f, v.envNames)
	}
	slices.SortFunc(v.flags, func(a, b *ff.Flag) int { return strings.Compare(a.Name, b.Name) })
	v.snapshot = eval.Compile(v.flags, v.segments, v.envNames, v.revision)
	return v
}

// withFlag returns v changed in one flag at revision: the flag with id
// (if any) removed and f (if not nil) put in its place by name.
func (v *view) withFlag(id string, f *ff.Flag, revision int64) *view {
	next := *v
	next.revision = revision
	next.flags = make([]*ff.Flag, 0, len(v.flags)+1)
	oldName := ""
	for _, g := range v.flags {
		if g.ID == id {
			oldName = g.Name
			continue
		}
		next.flags = append(next.flags, g)
	}
	if f != nil {
		i, _ := slices.BinarySearchFunc(next.flags, f.Name, func(g *ff.Flag, name string) int { return strings.Compare(g.Name, name) })
		next.flags = slices.Insert(next.flags, i, f)
	}
	next.snapshot = v.snapshot.With(oldName, f, revision)
	return &next
}

func (v *view) flag(idOrName string) *ff.Flag {
	for _, f := range v.flags {
		if f.ID == idOrName {
			return f
		}
	}
	i, ok := slices.BinarySearchFunc(v.flags, idOrName, func(g *ff.Flag, name string) int { return strings.Compare(g.Name, name) })
	if ok {
		return v.flags[i]
	}
	return nil
}

func (v *view) segmentMap() map[string]*ff.Segment {
	m := make(map[string]*ff.Segment, len(v.segments))
	for _, s := range v.segments {
		m[s.Name] = s
	}
	return m
}

type checkedKey struct{}

// current returns a view at least as new as the store's revision, reading
// the store again only when it has changed (through any process). Within
// a request that Refresh has checked, the check is not repeated.
func (s *Service) current(ctx context.Context) (*view, error) {
	if checked, ok := ctx.Value(checkedKey{}).(*view); ok {
		if v := s.view.Load(); v != nil && v.revision > checked.revision {
			return v, nil // this process wrote since
		}
		return checked, nil
	}
	rev, err := s.store.Revision(ctx)
	if err != nil {
		return nil, err
	}
	if v := s.view.Load(); v != nil && v.revision >= rev {
		return v, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.view.Load(); v != nil && v.revision >= rev {
		return v, nil
	}
	return s.reload(ctx)
}

// Refresh brings the view up to date with the store, as every management
// read does, and returns ctx marked so that the reads of the same request
// need not check the store's revision again.
func (s *Service) Refresh(ctx context.Context) (context.Context, error) {
	v, err := s.current(ctx)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, checkedKey{}, v), nil
}

// reload reads the whole store into a new view; s.mu must be held.
func (s *Service) reload(ctx context.Context) (*view, error) {
	return s.reloadAt(ctx, time.Now())
}

// reloadAt is reload for changes committed (or heard of) at at, which
// publishing them reports (publish.go).
func (s *Service) reloadAt(ctx context.Context, at time.Time) (*view, error) {
	d, err := s.store.Load(ctx)
	if err != nil {
		return nil, err
	}
	tokens, err := s.store.ListTokens(ctx)
	if err != nil {
		return nil, err
	}
	v := newView(d, tokens)
	s.install(v, at)
	return v, nil
}

// write runs one change to the store with s.mu held and then brings the
// view up to date before returning, so that what this server answers next,
// evaluation included, shows the change. When the change is the only one
// since the view (the store's revision moved by exactly one) apply patches
// the view; otherwise another process wrote too and the view is read again.
func (s *Service) write(ctx context.Context, change func(v *view) error, apply func(v *view, revision int64) *view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	before := s.view.Load()
	if before == nil {
		var err error
		if before, err = s.reload(ctx); err != nil {
			return err
		}
	}
	if err := change(before); err != nil {
		return err
	}
	committed := time.Now()
	rev, err := s.store.Revision(ctx)
	if err == nil && rev == before.revision+1 && apply != nil {
		s.install(apply(before, rev), committed)
		return nil
	}
	// Should the reload fail, the change is still committed: the old view
	// stays in service and the next read, which checks the revision, loads.
	_, _ = s.reloadAt(ctx, committed)
	return nil
}

// Snapshot returns the compiled flags for evaluation without touching the
// store: the latest view this server has, or nil before the first load.
func (s *Service) Snapshot() *eval.Snapshot {
	if v := s.view.Load(); v != nil {
		return v.snapshot
	}
	return nil
}

// Poll refreshes the view every interval until ctx ends, so that changes
// made through other processes (a flag toggled, a key revoked) reach
// evaluation, which never reads the store itself, within an interval.
// Failures go to report (the store may be away; evaluation goes on from the
// view it has).
func (s *Service) Poll(ctx context.Context, interval time.Duration, report func(error)) {
	every(ctx, interval, func(ctx context.Context) error {
		_, err := s.current(ctx)
		return err
	}, report)
}

// every runs fn every interval until ctx ends, telling report (if any) of
// failures that are not just ctx ending.
func every(ctx context.Context, interval time.Duration, fn func(context.Context) error, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := fn(ctx); err != nil && ctx.Err() == nil && report != nil {
				report(err)
			}
		}
	}
}
