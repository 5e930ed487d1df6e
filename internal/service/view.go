package service

import (
	"context"
	"slices"
	"strings"

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
}

func newView(d *ff.Dataset) *view {
	v := &view{revision: d.Revision, environments: d.Environments, flags: d.Flags, segments: d.Segments}
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

// current returns a view at least as new as the store's revision, reading
// the store again only when it has changed (through any process).
func (s *Service) current(ctx context.Context) (*view, error) {
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

// reload reads the whole store into a new view; s.mu must be held.
func (s *Service) reload(ctx context.Context) (*view, error) {
	d, err := s.store.Load(ctx)
	if err != nil {
		return nil, err
	}
	v := newView(d)
	s.view.Store(v)
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
	rev, err := s.store.Revision(ctx)
	if err == nil && rev == before.revision+1 && apply != nil {
		s.view.Store(apply(before, rev))
		return nil
	}
	// Should the reload fail, the change is still committed: the old view
	// stays in service and the next read, which checks the revision, loads.
	_, _ = s.reload(ctx)
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
