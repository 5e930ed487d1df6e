package service

import (
	"context"
	"fmt"
	"slices"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/ascode"
	"github.com/featureflags/featureflags/internal/view"
)

// ApplyRequest is flags-as-code's apply, or with DryRun its plan.
type ApplyRequest struct {
	Dataset *ff.Dataset `json:"dataset"`
	// Prune removes what the store holds and the dataset does not.
	Prune bool `json:"prune"`
	// Revision is the revision a plan was made at (0: now); apply refuses
	// with EPRECONDITION if the store has moved on since.
	Revision int64 `json:"revision"`
	DryRun   bool  `json:"dryRun"`
}

// Apply plans req against the store and, unless it is a dry run or there
// is nothing to do, makes the plan in one store transaction at the
// revision it was made at. Every item of req.Dataset is validated first
// (errors name its place, e.g. "flags[2].targeting.production..."), and
// nothing changes unless all is valid.
func (s *Service) Apply(ctx context.Context, req *ApplyRequest) (*ascode.Plan, error) {
	if req == nil || req.Dataset == nil {
		return nil, ff.FieldErrorf("dataset", "dataset is required")
	}
	if req.DryRun {
		p, _, err := s.plan(ctx, req)
		return p, err
	}
	var plan *ascode.Plan
	err := s.Write(ctx, func(*view.View) error {
		p, change, err := s.plan(ctx, req)
		if err != nil || p.Empty() {
			plan = p
			return err
		}
		summary := map[string]any{"create": p.Create, "change": p.Change, "remove": p.Remove}
		if err := s.Store().Apply(s.audited(ctx, ActionApply, "dataset", "", "apply", "", nil, summary), change); err != nil {
			return err
		}
		plan, p.Applied = p, true
		return nil
	}, nil)
	return plan, err
}

// plan compares req with the store as it is now and returns the plan and
// the change that makes it.
func (s *Service) plan(ctx context.Context, req *ApplyRequest) (*ascode.Plan, *ff.Change, error) {
	cur, err := s.exportData(ctx)
	if err != nil {
		return nil, nil, err
	}
	if req.Revision != 0 && req.Revision != cur.Revision {
		return nil, nil, ff.Errorf(ff.EPRECONDITION, "the store changed since the plan was made at revision %d (it is at revision %d); plan again", req.Revision, cur.Revision)
	}
	want := ascode.Desired(req.Dataset, targetEnvironments(cur, req.Dataset, req.Prune))
	p := ascode.Diff(cur, want, req.Prune)
	kept := withoutRemoved(cur, p)
	if err := CheckDataset(want, kept, s.limits); err != nil {
		return nil, nil, err
	}
	if err := checkRemovedSegments(want, kept, p); err != nil {
		return nil, nil, err
	}
	return p, s.change(cur, want, p, actorOf(ctx)), nil
}

// CheckDataset validates every item of d, a flags-as-code file completed
// by ascode.Desired, as it would land on cur: names, duplicates, variants,
// targeting, segment references and limits. Errors name the item by its
// index in d ("flags[2]...").
func CheckDataset(d, cur *ff.Dataset, limits Limits) error {
	in := &ff.Dataset{Environments: d.Environments, Segments: make([]*ff.Segment, len(d.Segments)), Flags: make([]*ff.Flag, len(d.Flags))}
	for i, sg := range d.Segments { // placeholder identities: the store's are kept
		c := *sg
		c.ID, c.Version = fmt.Sprintf("segment-%d", i), 1
		in.Segments[i] = &c
	}
	for i, f := range d.Flags {
		c := f.Clone()
		c.ID, c.Version = fmt.Sprintf("flag-%d", i), 1
		in.Flags[i] = c
	}
	prepared, err := prepareImport(in)
	if err != nil {
		return err
	}
	return validateImport(prepared, cur, limits)
}

// targetEnvironments are the environments the store will have: the file's
// and, unless pruning, the store's.
func targetEnvironments(cur, d *ff.Dataset, prune bool) []string {
	var envs []string
	if !prune {
		for _, e := range cur.Environments {
			envs = append(envs, e.Name)
		}
	}
	for _, e := range d.Environments {
		if !slices.Contains(envs, e.Name) {
			envs = append(envs, e.Name)
		}
	}
	return envs
}

// withoutRemoved is cur without what p removes.
func withoutRemoved(cur *ff.Dataset, p *ascode.Plan) *ff.Dataset {
	out := &ff.Dataset{Revision: cur.Revision}
	for _, e := range cur.Environments {
		if !slices.Contains(p.Remove.Environments, e.Name) {
			out.Environments = append(out.Environments, e)
		}
	}
	for _, sg := range cur.Segments {
		if !slices.Contains(p.Remove.Segments, sg.Name) {
			out.Segments = append(out.Segments, sg)
		}
	}
	for _, f := range cur.Flags {
		if !slices.Contains(p.Remove.Flags, f.Name) {
			out.Flags = append(out.Flags, f)
		}
	}
	return out
}

// checkRemovedSegments refuses to remove a segment a remaining flag uses.
func checkRemovedSegments(want, kept *ff.Dataset, p *ascode.Plan) error {
	flags, segments := slices.Concat(want.Flags, kept.Flags), slices.Concat(want.Segments, kept.Segments)
	for _, name := range p.Remove.Segments {
		if user := segmentUser(flags, segments, name); user != "" {
			return ff.Errorf(ff.EINVALID, "the plan removes segment %q, but %s, which remains, uses it", name, user)
		}
	}
	return nil
}

// change turns a plan into the store change that makes it: created and
// changed items get their store identity (a changed one keeps its id, so a
// native rollout keeps its buckets, and moves to the next version).
func (s *Service) change(cur, want *ff.Dataset, p *ascode.Plan, by *ff.Actor) *ff.Change {
	now := s.timestamp()
	c := &ff.Change{Dataset: &ff.Dataset{Environments: []*ff.Environment{}}, Revision: cur.Revision}
	for _, name := range p.Create.Environments {
		c.Dataset.Environments = append(c.Dataset.Environments, &ff.Environment{Name: name, CreatedAt: now})
	}
	for _, sg := range want.Segments {
		if old, write := pick(cur.Segments, sg.Name, slices.Concat(p.Create.Segments, p.Change.Segments), segmentNamed); write {
			n := *sg
			n.ID, n.Version, n.CreatedAt, n.UpdatedAt = ff.NewID(), 1, now, now
			if old != nil {
				n.ID, n.Version, n.CreatedAt = old.ID, old.Version+1, old.CreatedAt
			}
			c.Dataset.Segments = append(c.Dataset.Segments, &n)
		}
	}
	for _, f := range want.Flags {
		if old, write := pick(cur.Flags, f.Name, slices.Concat(p.Create.Flags, p.Change.Flags), flagNamed); write {
			n := f.Clone()
			n.ID, n.Version, n.CreatedAt, n.UpdatedAt, n.UpdatedBy = ff.NewID(), 1, now, now, by
			if old != nil {
				n.ID, n.Version, n.CreatedAt = old.ID, old.Version+1, old.CreatedAt
			}
			c.Dataset.Flags = append(c.Dataset.Flags, n)
		}
	}
	c.DeleteEnvironments = p.Remove.Environments
	c.DeleteSegments = idsOf(cur.Segments, p.Remove.Segments, segmentNamed)
	c.DeleteFlags = idsOf(cur.Flags, p.Remove.Flags, flagNamed)
	return c
}

func segmentNamed(s *ff.Segment) (string, string) { return s.Name, s.ID }
func flagNamed(f *ff.Flag) (string, string)       { return f.Name, f.ID }

// pick returns the stored item of this name (nil if new) and whether the
// plan writes it (it is among written).
func pick[T any](cur []*T, name string, written []string, named func(*T) (string, string)) (*T, bool) {
	var old *T
	for _, c := range cur {
		if n, _ := named(c); n == name {
			old = c
		}
	}
	return old, slices.Contains(written, name)
}

func idsOf[T any](cur []*T, names []string, named func(*T) (string, string)) []string {
	ids := []string{}
	for _, c := range cur {
		if n, id := named(c); slices.Contains(names, n) {
			ids = append(ids, id)
		}
	}
	return ids
}
